// What a bench section hands back: its named figures (numbers only, so results.json can be read
// as `section.figure`), a unit or meaning for each, and notes for the reader of the table.
import type { BenchContext } from "./support";
import type { BenchOptions } from "./options";

export interface Figure {
  value: number;
  /** Unit or one-line meaning, shown in the table. */
  unit: string;
}

export interface SectionResult {
  figures: Record<string, Figure>;
  notes: string[];
}

export type Section = (ctx: BenchContext, options: BenchOptions) => Promise<SectionResult>;

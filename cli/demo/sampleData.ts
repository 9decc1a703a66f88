// The walkthrough's sample data: accounts and contacts of a fictional customer, as a JSON Lines
// file for `keyward records import` (one {"table", "id", "value"} a line), so a reader can load
// the same file by hand. Deterministic: the same count gives the same file.
import fs from "node:fs";
import path from "node:path";

export interface SampleRecord {
  table: string;
  id: string;
  value: Record<string, unknown>;
}

export function sampleRecords(count: number): SampleRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, "0");
    return i % 2 === 0
      ? { table: "accounts", id: `acct-${n}`, value: { name: `Fabrikam branch ${n}`, balance: (i + 1) * 125, currency: "EUR" } }
      : { table: "contacts", id: `cont-${n}`, value: { name: `Contact ${n}`, email: `contact${n}@contoso.example`, consent: i % 3 === 0 } };
  });
}

export function writeSampleFile(file: string, records: SampleRecord[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
}

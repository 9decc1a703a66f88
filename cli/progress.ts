// The live progress line of a long operation: on a terminal one line redrawn in place
// (status, bar, done/total, rate); elsewhere (pipes, CI logs) a plain line whenever the status or
// step changes, so logs stay readable.

export interface ProgressState {
  label: string;
  status: string;
  step?: string;
  done?: number;
  total?: number;
  unit?: string;
}

export interface Output {
  write(text: string): void;
  isTTY: boolean;
  columns?: number;
}

const BAR_WIDTH = 24;

function formatRate(rate: number, unit: string): string {
  if (!Number.isFinite(rate) || rate <= 0) return "";
  return `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)} ${unit}/s`;
}

/** One progress line, without the carriage return. Exported for tests. */
export function progressLine(state: ProgressState, rate: number): string {
  const parts = [state.label, state.status];
  if (state.total !== undefined && state.total > 0 && state.done !== undefined) {
    const fraction = Math.min(1, state.done / state.total);
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`, `${state.done}/${state.total} ${state.unit ?? ""}`.trim(), `${Math.floor(fraction * 100)}%`);
    const r = formatRate(rate, state.unit ?? "items");
    if (r) parts.push(r);
  }
  if (state.step) parts.push(`(${state.step})`);
  return parts.join("  ");
}

export class ProgressReporter {
  private samples: { at: number; done: number }[] = [];
  private lastPlain = "";
  private drawn = false;

  constructor(private readonly out: Output, private readonly now: () => number = Date.now) {}

  /** Items per second over the last ~10 s of samples. */
  private rate(done: number | undefined): number {
    if (done === undefined) return 0;
    const at = this.now();
    this.samples.push({ at, done });
    this.samples = this.samples.filter((s) => at - s.at <= 10_000);
    const first = this.samples[0];
    return at > first.at ? ((done - first.done) * 1000) / (at - first.at) : 0;
  }

  update(state: ProgressState): void {
    const line = progressLine(state, this.rate(state.done));
    if (this.out.isTTY) {
      const width = Math.max(20, (this.out.columns ?? 100) - 1);
      this.out.write(`\r${line.slice(0, width)}\x1b[K`);
      this.drawn = true;
      return;
    }
    const key = `${state.label} ${state.status} ${state.step ?? ""}`;
    if (key !== this.lastPlain) {
      this.lastPlain = key;
      this.out.write(`${line}\n`);
    }
  }

  /** Ends the live line so whatever follows starts on its own. */
  finish(): void {
    if (this.drawn) this.out.write("\n");
    this.drawn = false;
  }
}

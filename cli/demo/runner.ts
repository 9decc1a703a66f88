// Runs a walkthrough: for each step, who does it and why, then each CLI command exactly as a
// reader would type it (and its output), then a check through the API that the step did what
// it says. The first command that exits otherwise than expected, or the first check that fails,
// stops the walkthrough: runDemo reports which step. With `pause`, it waits after each step.

export interface DemoCommand {
  /** The arguments after `keyward`. */
  argv: string[];
  /** The exit code that means the step went as it says (default 0; 1 for a refusal the step shows). */
  expectExit?: number;
}

export interface DemoStep<S> {
  /** Who does it in the reference: "Key vault admin", "Platform admin", "Data user". */
  actor: string;
  title: string;
  /** A line or two on what happens and why. */
  explain?: string[];
  /** The commands, decided when the step runs (they use what earlier checks found). */
  commands(state: S): DemoCommand[];
  /** Verifies the outcome through the API (never the commands' output); resolves to what it saw, throws if it is not so. */
  check(state: S): Promise<string>;
}

export interface RunnerIo {
  print(text: string): void;
  /** Runs `keyward <argv>` as a user would; resolves to its exit code. */
  runCli(argv: string[]): Promise<number>;
  /** How the command line is shown to the reader. */
  commandLine(argv: string[]): string;
  /** When set, called between steps (e.g. to wait for Enter). */
  pause?(done: number, total: number): Promise<void>;
}

export interface DemoOutcome {
  ok: boolean;
  /** 1-based number of the step that failed. */
  failedStep?: number;
  reason?: string;
}

export async function runDemo<S>(steps: DemoStep<S>[], state: S, io: RunnerIo): Promise<DemoOutcome> {
  const total = steps.length;
  for (const [i, step] of steps.entries()) {
    const n = i + 1;
    io.print(`\n== Step ${n}/${total}. ${step.actor}: ${step.title}`);
    for (const line of step.explain ?? []) io.print(`   ${line}`);
    let reason: string | undefined;
    try {
      for (const command of step.commands(state)) {
        io.print(`\n$ ${io.commandLine(command.argv)}`);
        const code = await io.runCli(command.argv);
        const expected = command.expectExit ?? 0;
        if (code !== expected) {
          reason = `'${io.commandLine(command.argv)}' exited ${code}, expected ${expected}`;
          break;
        }
      }
      if (!reason) io.print(`   ok: ${await step.check(state)}`);
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    if (reason) {
      io.print(`\nFAILED at step ${n}/${total} (${step.title}): ${reason}`);
      return { ok: false, failedStep: n, reason };
    }
    if (io.pause && n < total) await io.pause(n, total);
  }
  io.print(`\nAll ${total} steps did what they said.`);
  return { ok: true };
}

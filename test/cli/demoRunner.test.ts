// The walkthrough's runner without a server: it shows each command as typed, stops at the first
// command that exits otherwise than expected or the first check that fails (naming the step),
// runs nothing after it, and pauses between steps only. And the shell quoting of what it shows.
import { describe, expect, it } from "vitest";
import { runDemo, type DemoStep, type RunnerIo } from "../../cli/demo/runner";
import { commandLine, shellQuote } from "../../cli/demo/shellQuote";

interface Log {
  printed: string[];
  ran: string[][];
  pauses: string[];
}

function io(exitCodes: Record<string, number> = {}): { io: RunnerIo; log: Log } {
  const log: Log = { printed: [], ran: [], pauses: [] };
  return {
    log,
    io: {
      print: (t) => log.printed.push(t),
      commandLine: (argv) => commandLine("npx keyward", argv),
      runCli: async (argv) => { log.ran.push(argv); return exitCodes[argv[0]] ?? 0; },
      pause: async (done, total) => { log.pauses.push(`${done}/${total}`); },
    },
  };
}

const step = (name: string, check: () => Promise<string> = async () => `${name} checked`, expectExit?: number): DemoStep<{ seen: string[] }> => ({
  actor: "Someone", title: name,
  commands: (s) => { s.seen.push(name); return [{ argv: [name, "--flag", "two words"], expectExit }]; },
  check,
});

describe("demo runner", () => {
  it("runs every step's commands, then its check, and pauses between steps", async () => {
    const { io: runner, log } = io({ refused: 1 });
    const state = { seen: [] as string[] };
    const outcome = await runDemo([step("first"), step("refused", undefined, 1), step("last")], state, runner);
    expect(outcome).toEqual({ ok: true });
    expect(log.ran.map((a) => a[0])).toEqual(["first", "refused", "last"]);
    expect(log.printed).toContain("\n$ npx keyward first --flag 'two words'");
    expect(log.printed).toContain("   ok: refused checked");
    expect(log.pauses).toEqual(["1/3", "2/3"]);
    expect(log.printed.at(-1)).toBe("\nAll 3 steps did what they said.");
  });

  it("stops at a command that exits otherwise than expected, without checking it or running what follows", async () => {
    const { io: runner, log } = io({ second: 3 });
    let checked = false;
    const outcome = await runDemo([step("first"), step("second", async () => { checked = true; return "no"; }), step("third")], { seen: [] }, runner);
    expect(outcome).toEqual({ ok: false, failedStep: 2, reason: "'npx keyward second --flag 'two words'' exited 3, expected 0" });
    expect(checked).toBe(false);
    expect(log.ran.map((a) => a[0])).toEqual(["first", "second"]);
    expect(log.printed.at(-1)).toBe("\nFAILED at step 2/3 (second): 'npx keyward second --flag 'two words'' exited 3, expected 0");
  });

  it("stops at a check that fails although its command succeeded", async () => {
    const { io: runner, log } = io();
    const state = { seen: [] as string[] };
    const outcome = await runDemo([step("first", async () => { throw new Error("the environment is still Enabled"); }), step("second")], state, runner);
    expect(outcome).toMatchObject({ ok: false, failedStep: 1, reason: "the environment is still Enabled" });
    expect(state.seen).toEqual(["first"]);
    expect(log.pauses).toEqual([]);
  });

  it("quotes what a shell would split or expand", () => {
    expect(shellQuote("contoso-kv-1a2b")).toBe("contoso-kv-1a2b");
    expect(shellQuote("/subscriptions/x/resourceGroups/y")).toBe("/subscriptions/x/resourceGroups/y");
    expect(shellQuote("Key Vault Crypto Service Encryption User")).toBe("'Key Vault Crypto Service Encryption User'");
    expect(shellQuote('{"n": 1}')).toBe(`'{"n": 1}'`);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("$HOME")).toBe("'$HOME'");
  });
});

// Holds a running operation at a chosen point: activities whose input `when` picks wait, before
// they run, until the test opens the gate. The local runtime looks a function up in the process's
// function registry at each invocation, so wrapping the registered callback holds exactly the
// invocations picked (the activity itself is untouched and runs once opened). Test-only.
import { registry } from "../../../local/functionsCore";

export interface ActivityGate {
  /** Resolves with the first held input. */
  entered: Promise<unknown>;
  /** Lets every held invocation (and every later one) run, and unwraps the activities. */
  open(): void;
}

export function holdActivities(names: string[], when: (input: any) => boolean): ActivityGate {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let enter!: (input: unknown) => void;
  const entered = new Promise<unknown>((r) => (enter = r));
  const originals = names.map((name) => {
    const f = registry.functions.get(name);
    if (!f) throw new Error(`no function '${name}' is registered`);
    registry.functions.set(name, {
      ...f,
      callback: async (input: unknown, ...rest: unknown[]) => {
        if (when(input)) {
          enter(input);
          await gate;
        }
        return f.callback(input, ...rest);
      },
    });
    return f;
  });
  return {
    entered,
    open: () => {
      for (const f of originals) registry.functions.set(f.name, f);
      open();
    },
  };
}

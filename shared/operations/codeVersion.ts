// The orchestration code version: stamped into every orchestration's input when it starts, and
// checked each time the orchestration replays. Durable Functions replays an orchestration's whole
// history on whatever code is deployed now; code that changed since the start may schedule other
// work at the same history positions and diverge silently. Where the stamp differs, the
// orchestration fails at once with a message that says so, rather than replaying. Pure: the
// version itself is computed at the edge (codeVersionOfFolder) and set here at start-up.

/** The input property that carries the stamp (kept beside the typed input; orchestrations ignore it). */
export const CODE_VERSION_PROPERTY = "keywardCodeVersion";

let current: string | undefined;

/** Set once at start-up by the app's entry point; unset (tests' own orchestrations) means no stamp and no check. */
export function setCodeVersion(version: string | undefined): void {
  current = version;
}

export function codeVersion(): string | undefined {
  return current;
}

/** The input with the current code version stamped (unchanged when none is set or the input is no object). */
export function stampCodeVersion<T>(input: T): T {
  if (!current || typeof input !== "object" || input === null || Array.isArray(input)) return input;
  return { ...input, [CODE_VERSION_PROPERTY]: current };
}

/** The version an input was stamped with, if any. */
export function stampedCodeVersion(input: unknown): string | undefined {
  const v = typeof input === "object" && input !== null ? (input as Record<string, unknown>)[CODE_VERSION_PROPERTY] : undefined;
  return typeof v === "string" ? v : undefined;
}

/** Thrown (and so failing the orchestration) when an instance started on other code replays here. */
export class CodeVersionMismatch extends Error {
  override readonly name = "CodeVersionMismatch";
}

/** Refuses to replay an instance stamped with another version than the running code's. */
export function refuseOtherCodeVersion(orchestration: string, input: unknown): void {
  const stamped = stampedCodeVersion(input);
  if (!stamped || !current || stamped === current) return;
  throw new CodeVersionMismatch(
    `${orchestration} was started by keyward code version ${stamped} and this deployment runs ${current}: ` +
    "its history is not replayed on changed orchestration code. Run the operation again to resume it on this version " +
    "(its finished work is kept); to avoid this, let running operations end before deploying, or deploy to a new task hub (KEYWARD_TASK_HUB) — README, Deploying a new version.",
  );
}

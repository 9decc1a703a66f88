// Types of connectPlatformEvents.mjs, for the tests that import it.
export declare class ConnectError extends Error {}
export declare function waitForHost(apiBase: string, options: { timeoutMs: number; pollMs: number; log: (line: string) => void }): Promise<number>;
export declare function connectPlatformEvents(options: {
  env: Record<string, string | undefined>;
  run?: (command: string, args: string[]) => number;
  log?: (line: string) => void;
  timeoutMs?: number;
  pollMs?: number;
}): Promise<"already-connected" | "connected">;

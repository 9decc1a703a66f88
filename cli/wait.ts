// --wait: poll an operation (GET /operations/{id}) and the environment it changes until it ends,
// drawing the progress line meanwhile. A key rotation is an operation of a policy (no
// environment): its line is labelled with the policy and counts environments.
import type { ApiClient } from "./client";
import { ProgressReporter, type Output } from "./progress";

export interface WaitOptions {
  pollMs: number;
  timeoutMs: number;
  progress?: Output;
  sleep?: (ms: number) => Promise<void>;
}

export class WaitTimeout extends Error {}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface OperationView {
  operationId: string;
  environmentId: string | null;
  policy?: string;
  operation: string;
  status: "Running" | "Succeeded" | "Failed";
  steps: { name: string; status: string }[];
  progress: { done: number; total: number; unit: string } | null;
  error: { code: string; message: string } | null;
}

/** Waits for one operation to end; returns its final view. */
export async function waitForOperation(client: ApiClient, operationId: string, options: WaitOptions): Promise<OperationView> {
  const sleep = options.sleep ?? defaultSleep;
  const reporter = options.progress ? new ProgressReporter(options.progress) : undefined;
  const deadline = Date.now() + options.timeoutMs;
  try {
    for (;;) {
      const op = (await client.request<OperationView>("Platform.Admin", "GET", `operations/${encodeURIComponent(operationId)}`)).body;
      if (reporter) {
        // The environment's encryption status (Encrypting, EncryptingOnline...) says more than Running.
        const env = op.status === "Running" && op.environmentId
          ? (await client.request("Platform.Admin", "GET", `environments/${encodeURIComponent(op.environmentId)}`).catch(() => undefined))?.body
          : undefined;
        const running = [...op.steps].reverse().find((s) => s.status === "Running");
        reporter.update({
          label: op.environmentId ?? op.policy ?? op.operationId, status: op.status === "Running" ? env?.encryption?.status ?? op.status : op.status,
          step: running?.name, done: op.progress?.done, total: op.progress?.total, unit: op.progress?.unit,
        });
      }
      if (op.status !== "Running") return op;
      if (Date.now() > deadline) throw new WaitTimeout(`Operation ${operationId} is still running after ${Math.round(options.timeoutMs / 1000)} s; it goes on. Check it with 'keyward operations show ${operationId}'.`);
      await sleep(options.pollMs);
    }
  } finally {
    reporter?.finish();
  }
}

// --wait: poll an operation (GET /operations/{id}) and the environment it changes until it ends,
// drawing the progress line meanwhile. A key rotation has no operation record of its own: it is
// done when every environment on the policy carries the new key version.
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
  environmentId: string;
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
        const env = op.status === "Running"
          ? (await client.request("Platform.Admin", "GET", `environments/${encodeURIComponent(op.environmentId)}`).catch(() => undefined))?.body
          : undefined;
        const running = [...op.steps].reverse().find((s) => s.status === "Running");
        reporter.update({
          label: op.environmentId, status: op.status === "Running" ? env?.encryption?.status ?? op.status : op.status,
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

/** Waits until every environment on the policy is on `keyId`; returns those that are not (locked ones stop the wait). */
export async function waitForRotation(client: ApiClient, policy: string, keyId: string, options: WaitOptions): Promise<{ done: string[]; stuck: string[] }> {
  const sleep = options.sleep ?? defaultSleep;
  const reporter = options.progress ? new ProgressReporter(options.progress) : undefined;
  const deadline = Date.now() + options.timeoutMs;
  try {
    for (;;) {
      const envs = ((await client.request("Keys.Admin", "GET", `environments?policy=${encodeURIComponent(policy)}`)).body?.value ?? []) as
        { id: string; state: string; encryption: { keyType: string; keyId: string | null } }[];
      const onKey = envs.filter((e) => e.encryption.keyType === "CustomerManaged");
      const done = onKey.filter((e) => e.encryption.keyId === keyId).map((e) => e.id);
      const stuck = onKey.filter((e) => e.encryption.keyId !== keyId && e.state === "Locked").map((e) => e.id);
      reporter?.update({ label: policy, status: "Rotating", done: done.length, total: onKey.length, unit: "environments" });
      if (done.length + stuck.length === onKey.length) return { done, stuck };
      if (Date.now() > deadline) {
        throw new WaitTimeout(`${onKey.length - done.length} environment(s) on ${policy} are not yet on ${keyId} after ${Math.round(options.timeoutMs / 1000)} s.`);
      }
      await sleep(options.pollMs);
    }
  } finally {
    reporter?.finish();
  }
}

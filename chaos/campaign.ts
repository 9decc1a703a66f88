// One chaos campaign: a whole keyward in a child process on its own Azurite (one local vault,
// inside keyward's process as under `npm start`), two tenants with customer policies and
// environments, a steady data workload, random operations and random faults for `minutes`; then
// every fault cleared, every operation followed (and rerun) to its end, and the invariants
// checked (invariants.ts). Returns the counts and the violations; run.ts prints them.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Api } from "./api";
import { Counters } from "./counters";
import { FaultInjector } from "./faults";
import { checkInvariants } from "./invariants";
import { Operations } from "./operations";
import { AzuriteProcess, KeywardProcess } from "./processes";
import { Rng } from "./rng";
import { buildWorld } from "./world";
import { Worker } from "./workload";

export interface CampaignOptions {
  seed: number;
  minutes: number;
  /** dist/local/cli/start.js of a build. */
  cli: string;
  policiesPerTenant?: number;
  environmentsPerTenant?: number;
  recordsPerEnvironment?: number;
  /** Seconds between random operations (at most `maxOperationsInFlight` at once). */
  operationGapSeconds?: [number, number];
  maxOperationsInFlight?: number;
  /** How long the environments get to settle after the faults are cleared. */
  settleSeconds?: number;
  /** Keep the data folder (Azurite, vault, keyward's log) for a post-mortem. */
  keep?: boolean;
  log?: (line: string) => void;
}

export interface CampaignResult {
  seed: number;
  counters: Counters;
  durationMs: number;
  dataDir: string;
  keywardLog: string;
}

/** The app settings of the campaign's keyward: short caches and probes so locks, unlocks and resets happen within a campaign. */
const KEYWARD_SETTINGS: Record<string, string> = {
  KEYWARD_DEK_CACHE_TTL_SECONDS: "5",
  KEYWARD_KEY_HEALTH_PROBE_SCHEDULE: "*/5 * * * * *",
  KEYWARD_ACTIVITY_FIRST_RETRY_MS: "500",
  KEYWARD_REENCRYPT_PAGE_SIZE: "10",
  KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS: "2",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const rng = new Rng(options.seed);
  const counters = new Counters();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `keyward-chaos-${options.seed}-`));
  const azurite = new AzuriteProcess(path.join(dataDir, "azurite"));
  const namespace = `chaos${randomBytes(3).toString("hex")}`;
  const keyward = new KeywardProcess(options.cli, path.join(dataDir, "keyward"), namespace, () => azurite.connectionString, KEYWARD_SETTINGS);
  fs.mkdirSync(keyward.dataDir, { recursive: true });
  const api = new Api(keyward);
  let faults: FaultInjector | undefined;
  try {
    await azurite.start();
    await keyward.start();
    log(`keyward up (namespace ${namespace}, data ${dataDir})`);
    const world = await buildWorld(keyward, api, {
      policiesPerTenant: options.policiesPerTenant ?? 2, environmentsPerTenant: options.environmentsPerTenant ?? 3, runId: randomBytes(4).toString("hex"),
    });
    log(`world: ${world.tenants.length} tenants, ${world.policies.length} policies, ${world.environments.length} environments`);
    const recordIds = Array.from({ length: options.recordsPerEnvironment ?? 12 }, (_, i) => `r${i}`);
    const violation = (what: string) => { counters.violation(what); log(`VIOLATION ${what}`); };
    const workers = new Map(world.environments.map((e) => [e.name, new Worker(e, api, keyward, rng.fork(`worker-${e.name}`), counters, recordIds, violation)]));
    const operations = new Operations(world, workers, api, rng.fork("operations"), counters, options.maxOperationsInFlight ?? 3);
    faults = new FaultInjector(world, api, keyward, azurite, rng.fork("faults"), counters, log);

    const end = Date.now() + options.minutes * 60_000;
    const over = () => Date.now() >= end;
    const running = [...workers.values()].map((w) => w.run());
    const faulting = faults.run(over);
    const opRng = rng.fork("operation-gaps");
    const [gapMin, gapMax] = options.operationGapSeconds ?? [1, 4];
    while (!over()) {
      await operations.startOne().catch((err: unknown) => log(`operation start failed: ${String(err)}`));
      await sleep(opRng.int(gapMin * 1000, gapMax * 1000));
    }
    log("campaign time is up: clearing the faults");
    await faulting;
    await faults.clearAll();
    operations.finalPhase = true;
    const settleMs = (options.settleSeconds ?? 180) * 1000;
    const drained = operations.drain();
    const progress = setInterval(() => log(`final phase: ${operations.inFlight} operation(s) still being followed or rerun`), 30_000);
    await Promise.race([drained, sleep(settleMs)]);
    clearInterval(progress);
    operations.stopping = true;
    await drained;
    for (const w of workers.values()) await w.stop();
    await Promise.all(running);
    log("checking the invariants");
    await checkInvariants({ world, api, operations, workers, counters, storage: azurite.connectionString, namespace, settleMs });
    for (const exit of keyward.unexpectedExits) counters.violation(exit);
    counters.bump("writes.checked", counters.get("reads.checked") + counters.get("final.records.checked"));
  } finally {
    if (faults) faults.stopping = true;
    const keywardLog = keyward.output;
    await keyward.stop().catch(() => undefined);
    await azurite.stop().catch(() => undefined);
    fs.writeFileSync(path.join(dataDir, "keyward.log"), keywardLog);
    if (!options.keep && counters.violations.length === 0) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return { seed: options.seed, counters, durationMs: Date.now() - started, dataDir, keywardLog: keyward.output };
}

/** The printed summary: operations, faults by kind, writes checked, violations. */
export function summary(result: CampaignResult): string {
  const c = result.counters;
  const lines = [
    `chaos campaign, seed ${result.seed}, ${(result.durationMs / 60_000).toFixed(1)} min`,
    `operations started: ${c.sum("operations.") ? c.entries("operations.").filter(([k]) => /\.(started)$/.test(k)).reduce((s, [, n]) => s + n, 0) : 0}, reruns: ${c.entries("operations.").filter(([k]) => k.endsWith(".rerun")).reduce((s, [, n]) => s + n, 0)}`,
    ...c.entries("operations.").map(([k, n]) => `  ${k}: ${n}`),
    `faults: ${c.entries("faults.").filter(([k]) => k.split(".").length === 2).reduce((s, [, n]) => s + n, 0)}`,
    ...c.entries("faults.").map(([k, n]) => `  ${k}: ${n}`),
    `writes acknowledged: ${c.get("writes.acknowledged")}, deletes acknowledged: ${c.get("deletes.acknowledged")}, reads checked during the run: ${c.get("reads.checked")}, records checked at the end: ${c.get("final.records.checked")}`,
    ...c.entries("writes.unacknowledged").concat(c.entries("deletes.unacknowledged"), c.entries("reads.error")).map(([k, n]) => `  ${k}: ${n}`),
    `storage scanned for plaintext: ${c.get("final.plaintextScan.entities")} entities, ${c.get("final.plaintextScan.blobs")} blobs; stored items checked for their DEK: ${c.get("final.deks.itemsChecked")}`,
    `violations: ${c.violations.length}`,
    ...c.violations.slice(0, 50).map((v) => `  - ${v}`),
  ];
  if (c.violations.length) lines.push(`FAILED: rerun with --seed ${result.seed} (data kept in ${result.dataDir})`);
  return lines.join("\n");
}

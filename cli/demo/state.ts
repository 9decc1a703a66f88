// What one run of the walkthrough knows: the names it uses, the principals of the embedded
// default, its sample data, how it observes keyward, and what earlier steps' checks found.
import type { Observer } from "./observer";
import type { SampleRecord } from "./sampleData";

export interface DemoNames {
  vault: string;
  key: string;
  key2: string;
  policy: string;
  policy2: string;
  environment: string;
  region: string;
}

export interface DemoState {
  names: DemoNames;
  principals: { keysAdmin: string; platformAdmin: string; dataUser: string };
  /** The sample data file, as the reader would name it, and what it holds. */
  sampleFile: string;
  sample: SampleRecord[];
  platformKeyId: string;
  observer: Observer;
  // Found by the checks, used by later steps.
  vaultId?: string;
  policyPrincipal?: string;
  policy2Principal?: string;
  keyIdAfterAdd?: string;
}

/** Names for one run: the same prefix twice would find the first run's vault and stop at step 1. */
export function demoNames(suffix: string): DemoNames {
  return {
    vault: `contoso-kv-${suffix}`, key: "contoso-key", key2: "contoso-key-2",
    policy: `contoso-cmk-${suffix}`, policy2: `contoso-cmk2-${suffix}`, environment: `contoso-prod-${suffix}`, region: "europe",
  };
}

import { services } from "../services";
import type { Environment } from "./environment";

/** Environments on the policy, or being added to or removed from it. */
export async function environmentsOnPolicy(policy: string): Promise<Environment[]> {
  return (await services().state.listEnvironments()).filter((e) => e.encryption.policy === policy);
}

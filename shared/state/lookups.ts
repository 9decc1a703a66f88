// Fetch-or-404 helpers shared by the routes and activities, so every "not found" reads the same.
import { notFound } from "../errors";
import { policiesInUse, type Environment } from "../domain/environment";
import type { EnterprisePolicy } from "../domain/policy";
import type { TenantState } from "./stateStore";

/** Lookups go through one tenant's state: another tenant's name is not found, as a missing one is. */
type Reads = Pick<TenantState, "getEnvironment" | "getPolicy">;

export async function requireEnvironment(state: Reads, id: string, target = "id"): Promise<Environment> {
  const env = await state.getEnvironment(id);
  if (!env) throw notFound("EnvironmentNotFound", `There is no environment '${id}'.`, target);
  return env;
}

export async function requirePolicy(state: Reads, name: string, target = "name"): Promise<EnterprisePolicy> {
  const policy = await state.getPolicy(name);
  if (!policy) throw notFound("PolicyNotFound", `There is no enterprise policy '${name}'.`, target);
  return policy;
}

/**
 * Environments on the policy, being added to or removed from it, or being moved to it by a running
 * change of policy (from the moment the change was accepted, before the environment names it).
 */
export async function environmentsOnPolicy(state: Pick<TenantState, "listEnvironments">, policy: string): Promise<Environment[]> {
  return (await state.listEnvironments()).filter((e) => policiesInUse(e).includes(policy));
}

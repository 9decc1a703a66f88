// Fetch-or-404 helpers shared by the routes, so every "not found" reads the same.
import { notFound } from "../errors";
import { services } from "../services";
import type { Environment } from "./environment";
import type { EnterprisePolicy } from "./policy";

export async function requireEnvironment(id: string): Promise<Environment> {
  const env = await services().state.getEnvironment(id);
  if (!env) throw notFound("EnvironmentNotFound", `There is no environment '${id}'.`, "id");
  return env;
}

export async function requirePolicy(name: string): Promise<EnterprisePolicy> {
  const policy = await services().state.getPolicy(name);
  if (!policy) throw notFound("PolicyNotFound", `There is no enterprise policy '${name}'.`, "name");
  return policy;
}

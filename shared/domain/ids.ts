// The id rules of keyward's resources, one per kind of id. Pure.
import { invalid } from "../errors";

/** Environment ids: letters, digits and hyphens, 1 to 64, starting with a letter or digit (GUIDs fit). */
export const ENVIRONMENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
export const ENVIRONMENT_ID_HELP = "1 to 64 letters, digits and hyphens, starting with a letter or digit";

export const POLICY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const POLICY_NAME_HELP = "1 to 64 letters, digits, '-' and '_', starting with a letter or digit";

/** Key Vault key names: 1-127 letters, digits and hyphens. */
export const KEY_NAME_PATTERN = /^[0-9A-Za-z-]{1,127}$/;

/** Entra object ids are GUIDs. */
export const OBJECT_ID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Operation ids: GUIDs, or a rotation's instance id. */
export const OPERATION_ID_PATTERN = /^[A-Za-z0-9-]{1,100}$/;

export function checkEnvironmentId(id: unknown, target = "id"): string {
  if (typeof id !== "string" || !ENVIRONMENT_ID_PATTERN.test(id)) {
    throw invalid("InvalidEnvironmentId", `Environment ids are ${ENVIRONMENT_ID_HELP}.`, target);
  }
  return id;
}

export function checkPolicyName(name: unknown, target = "name"): string {
  if (typeof name !== "string" || !POLICY_NAME_PATTERN.test(name)) {
    throw invalid("InvalidPolicyName", `Enterprise policy names are ${POLICY_NAME_HELP}.`, target);
  }
  return name;
}

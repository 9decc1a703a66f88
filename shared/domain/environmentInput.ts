// Validation of the environment create/update body: every refusal names its field.
import { badRequest } from "../errors";
import { optionalBoolean, optionalString, requiredString } from "../http/body";
import { ENVIRONMENT_ID_PATTERN, ENVIRONMENT_TYPES, isEnvironmentType, type EnvironmentType, type KeyType } from "./environment";
import { isRegion, REGIONS, type Region } from "./regions";

export interface EnvironmentInput {
  displayName: string;
  region: Region;
  type: EnvironmentType;
  managed: boolean;
  /** "Byok" only for environments migrated from the legacy bring-your-own-key feature. */
  keyType: Extract<KeyType, "PlatformManaged" | "Byok">;
}

export function checkEnvironmentId(id: string | undefined): string {
  if (!id || !ENVIRONMENT_ID_PATTERN.test(id)) {
    throw badRequest("InvalidEnvironmentId", "Environment ids are 1 to 64 letters, digits and hyphens, starting with a letter or digit.", "id");
  }
  return id;
}

export function parseEnvironmentInput(body: Record<string, unknown>): EnvironmentInput {
  const displayName = requiredString(body, "displayName");
  if (displayName.length > 200 || /[\u0000-\u001f]/.test(displayName)) {
    throw badRequest("InvalidField", "'displayName' must be at most 200 characters with no control characters.", "displayName");
  }
  const region = requiredString(body, "region");
  if (!isRegion(region)) throw badRequest("InvalidRegion", `'region' must be one of ${REGIONS.join(", ")}.`, "region");
  const type = requiredString(body, "type");
  if (!isEnvironmentType(type)) throw badRequest("InvalidEnvironmentType", `'type' must be one of ${ENVIRONMENT_TYPES.join(", ")}.`, "type");
  const managed = optionalBoolean(body, "managed") ?? false;
  const keyType = optionalString(body, "keyType") ?? "PlatformManaged";
  if (keyType !== "PlatformManaged" && keyType !== "Byok") {
    throw badRequest("InvalidKeyType", "'keyType' may only be PlatformManaged, or Byok for an environment migrated from the legacy bring-your-own-key feature.", "keyType");
  }
  const known = new Set(["displayName", "region", "type", "managed", "keyType"]);
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (unknown.length) throw badRequest("UnknownField", `Unknown field(s): ${unknown.join(", ")}.`, unknown[0]);
  return { displayName, region, type, managed, keyType };
}

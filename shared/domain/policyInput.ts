// Validation of the enterprise policy body, in the ARM shape of the reference's template.
// Every refusal has its own code and names the field, so the key vault admin knows what to fix.
import { badRequest } from "../errors";
import { requiredObject, requiredString } from "../http/body";
import { parseVaultResourceId } from "../keyvault/vaultResource";
import { isRegion, REGIONS, type Region } from "./regions";
import { KEY_NAME_PATTERN, POLICY_NAME_PATTERN } from "./policy";

export interface PolicyInput {
  location: Region;
  keyVaultId: string;
  keyName: string;
}

export function checkPolicyName(name: string | undefined): string {
  if (!name || !POLICY_NAME_PATTERN.test(name)) {
    throw badRequest("InvalidPolicyName", "Enterprise policy names are 1 to 64 letters, digits, '-' and '_', starting with a letter or digit.", "name");
  }
  return name;
}

export function parsePolicyInput(body: Record<string, unknown>): PolicyInput {
  const location = requiredString(body, "location");
  if (!isRegion(location)) throw badRequest("InvalidLocation", `'location' must be one of the enterprise policy locations: ${REGIONS.join(", ")}.`, "location");
  const kind = body.kind ?? "Encryption";
  if (kind !== "Encryption") throw badRequest("InvalidKind", "'kind' must be \"Encryption\": keyward manages encryption policies only.", "kind");
  if (body.identity !== undefined) {
    const identity = requiredObject(body, "identity");
    if (identity.type !== "SystemAssigned") {
      throw badRequest("InvalidIdentityType", "'identity.type' must be \"SystemAssigned\": keyward creates the policy's identity.", "identity.type");
    }
  }
  const properties = requiredObject(body, "properties");
  const encryption = requiredObject(properties, "encryption", "properties.encryption");
  if ((encryption.state ?? "Enabled") !== "Enabled") {
    throw badRequest("InvalidEncryptionState", "'properties.encryption.state' must be \"Enabled\".", "properties.encryption.state");
  }
  const keyVault = requiredObject(encryption, "keyVault", "properties.encryption.keyVault");
  const vault = parseVaultResourceId(requiredString(keyVault, "id", "properties.encryption.keyVault.id"));
  const key = requiredObject(keyVault, "key", "properties.encryption.keyVault.key");
  const keyName = requiredString(key, "name", "properties.encryption.keyVault.key.name");
  if (!KEY_NAME_PATTERN.test(keyName)) {
    throw badRequest("InvalidKeyName", "'properties.encryption.keyVault.key.name' must be 1 to 127 letters, digits and hyphens.", "properties.encryption.keyVault.key.name");
  }
  return { location, keyVaultId: vault.id, keyName };
}

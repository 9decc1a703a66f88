// The fields keyward's routes accept, declared once: path parameters and request bodies. Each
// declaration is the validation (codes and messages an admin can act on), the OpenAPI schema and
// the CLI's help.
import { flag, list, literal, object, optional, text, type Field, type Parsed } from "./fields";
import { ENVIRONMENT_ID_HELP, ENVIRONMENT_ID_PATTERN, KEY_NAME_PATTERN, OBJECT_ID_PATTERN, OPERATION_ID_PATTERN, POLICY_NAME_HELP, POLICY_NAME_PATTERN } from "../domain/ids";
import { REGIONS } from "../domain/regions";
import { ENVIRONMENT_TYPES } from "../domain/environment";
import { parseVaultResourceId } from "../keyvault/vaultResource";
import { BACKUP_ID_PATTERN } from "../dataOperations/layout";

// ---- path parameters ----

export const environmentIdField = (description = "The environment's id.") => text({
  description, pattern: ENVIRONMENT_ID_PATTERN, patternHelp: ENVIRONMENT_ID_HELP,
  code: "InvalidEnvironmentId", message: `Environment ids are ${ENVIRONMENT_ID_HELP}.`,
});

export const policyNameField = (description = "The enterprise policy's name.") => text({
  description, pattern: POLICY_NAME_PATTERN, patternHelp: POLICY_NAME_HELP,
  code: "InvalidPolicyName", message: `Enterprise policy names are ${POLICY_NAME_HELP}.`,
});

export const objectIdField = (description: string) => text({
  description, pattern: OBJECT_ID_PATTERN, patternHelp: "an Entra object id (a GUID)",
  code: "InvalidObjectId", message: "The principal must be an Entra object id (a GUID).", normalize: (v) => v.toLowerCase(),
});

export const operationIdField = text({
  description: "The operation id an accepted (202) request returned.", pattern: OPERATION_ID_PATTERN, patternHelp: "letters, digits and hyphens",
  code: "InvalidOperationId", message: "Operation ids are letters, digits and hyphens.",
});

export const backupIdField = text({
  description: "The backup id POST .../backups returned (a lower-case GUID).", pattern: BACKUP_ID_PATTERN,
  code: "InvalidBackupId", message: "Backup ids are the lower-case GUIDs POST .../backups returned.",
});

/** Data-path names are checked by the data layer itself (its own codes and rules); declared here for the document and the help. */
export const dataNameField = (description: string): Field<string> => ({
  schema: { type: "string", description }, optional: false,
  parse: (value) => (typeof value === "string" ? value : ""),
});

// ---- bodies ----

/** PUT /api/enterprisePolicies/{name}: the ARM shape of the reference's enterprise policy template. */
export const policyBody = object({
  location: text({
    description: "The enterprise policy location; an environment can join only a policy in its own region.", enum: REGIONS,
    code: "InvalidLocation", message: `'location' must be one of the enterprise policy locations: ${REGIONS.join(", ")}.`,
  }),
  kind: optional(literal("Encryption", { description: "Always \"Encryption\".", code: "InvalidKind", message: "'kind' must be \"Encryption\": keyward manages encryption policies only." }), "Encryption"),
  identity: optional(object({
    type: literal("SystemAssigned", { description: "keyward creates the policy's identity.", code: "InvalidIdentityType", message: "'identity.type' must be \"SystemAssigned\": keyward creates the policy's identity." }),
  }, { description: "The policy's identity: keyward creates it and returns its principalId.", unknownFields: "ignore" })),
  properties: object({
    encryption: object({
      state: optional(literal("Enabled", { description: "Always \"Enabled\".", code: "InvalidEncryptionState", message: "'properties.encryption.state' must be \"Enabled\"." }), "Enabled"),
      keyVault: object({
        id: text({
          description: "The vault's ARM resource id: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{vault} (or managedHSMs/{hsm}).",
          check: (v) => void parseVaultResourceId(v), normalize: (v) => parseVaultResourceId(v).id,
        }),
        tenantId: optional(text({
          description: "The vault's Entra tenant, when it is not keyward's own: keyward then reaches the key as its multi-tenant app's service principal in that tenant (consent to the app first; grant that principal on the key).",
          pattern: OBJECT_ID_PATTERN, patternHelp: "an Entra tenant id (a GUID)",
          code: "InvalidTenantId", message: "'properties.encryption.keyVault.tenantId' must be an Entra tenant id (a GUID).", normalize: (v) => v.toLowerCase(),
        })),
        key: object({
          name: text({
            description: "The key's name in the vault (RSA or RSA-HSM, 2048 or 3072 bits).", pattern: KEY_NAME_PATTERN,
            code: "InvalidKeyName", message: "'properties.encryption.keyVault.key.name' must be 1 to 127 letters, digits and hyphens.",
          }),
        }, { description: "The key.", unknownFields: "ignore" }),
      }, { description: "The vault and key.", unknownFields: "ignore" }),
    }, { description: "The encryption settings.", unknownFields: "ignore" }),
  }, { description: "The policy's properties.", unknownFields: "ignore" }),
}, { description: "An enterprise policy in the ARM shape (Microsoft.PowerPlatform/enterprisePolicies).", unknownFields: "ignore" });

export type PolicyBody = Parsed<typeof policyBody>;

/** PUT /api/environments/{id}. */
export const environmentBody = object({
  displayName: text({ description: "The environment's display name.", maxLength: 200, printable: true,
    message: "'displayName' must be at most 200 characters with no control characters." }),
  region: text({ description: "The environment's region (an enterprise policy location).", enum: REGIONS, code: "InvalidRegion",
    message: `'region' must be one of ${REGIONS.join(", ")}.` }),
  type: text({ description: "The environment type; Trial and Teams environments can't be added to an enterprise policy.", enum: ENVIRONMENT_TYPES,
    code: "InvalidEnvironmentType", message: `'type' must be one of ${ENVIRONMENT_TYPES.join(", ")}.` }),
  managed: optional(flag({ description: "Managed Environments: required before the environment can join an enterprise policy." }), false),
  keyType: optional(text({
    description: "PlatformManaged (the default), or Byok to create it on the legacy BYOK tenant key: the starting point of a BYOK migration (add it to a policy afterwards).",
    enum: ["PlatformManaged", "Byok"] as const, code: "InvalidKeyType",
    message: "'keyType' may only be PlatformManaged, or Byok for an environment migrated from the legacy bring-your-own-key feature.",
  }), "PlatformManaged"),
}, { description: "An environment: created on the platform-managed key; display name and Managed flag can change later, region and type never." });

export type EnvironmentBody = Parsed<typeof environmentBody>;

/**
 * "none": the environment serves reads and writes throughout the re-key (its status is
 * EncryptingOnline / RevertingOnline from the start); "reference" (the default): the core store
 * is re-encrypted in a downtime, as the reference product does.
 */
export const downtimeField = optional(text({
  description: "\"none\": no downtime, the environment stays online throughout (status EncryptingOnline / RevertingOnline from the start); \"reference\" (the default): the core data is re-encrypted offline, as the reference product does.",
  enum: ["none", "reference"] as const, code: "InvalidDowntime", message: "'downtime' must be \"none\" or \"reference\".",
}), "reference");

export const addEnvironmentsBody = object({
  environmentIds: list(environmentIdField("An environment to add."), {
    description: "The environments to add, one operation each.", max: 100,
    unique: { code: "DuplicateEnvironment", message: "'environmentIds' lists an environment twice." },
  }),
  downtime: downtimeField,
}, { description: "The environments to add to the policy." });

export const changePolicyBody = object({
  policy: policyNameField("The enterprise policy to move the environment to."),
  downtime: downtimeField,
}, { description: "The new policy." });

export const restoreBody = object({
  sourceEnvironmentId: environmentIdField("The environment the backup was taken from."),
  backupId: backupIdField,
}, { description: "The backup to restore." });

export const copyBody = object({
  sourceEnvironmentId: environmentIdField("The environment whose data is copied into this one."),
}, { description: "The environment to copy from." });

export const licensesBody = object({
  subscriptions: list(text({ description: "A subscription name, e.g. Microsoft 365 E5.", maxLength: 200 }), {
    description: "The tenant's subscriptions; one that entitles it to customer-managed keys is needed to add environments to a policy.", min: 0, max: 100,
  }),
}, { description: "The tenant's subscriptions." });

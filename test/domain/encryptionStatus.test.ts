// The status lists other code uses are derived from the one status machine: a status added there
// reaches the OpenAPI enum and the progress writer without a second list to edit.
import { describe, expect, it } from "vitest";
import { ENCRYPTION_STATUSES, REKEYING_STATUSES, REKEY_STATUSES, STATUS_MEANINGS, isDowntime } from "../../shared/domain/encryptionStatus";
import { environmentSchema } from "../../shared/http/schemas";

describe("encryption status lists", () => {
  it("every status once, in the declared order", () => {
    expect(ENCRYPTION_STATUSES).toEqual(["Encrypting", "EncryptingOnline", "Encrypted", "Reverting", "RevertingOnline", "PlatformManaged", "Failed", "Warning"]);
    expect(ENCRYPTION_STATUSES).toEqual(Object.keys(STATUS_MEANINGS));
  });

  it("a re-key under way is each target's downtime and online status, and no final one", () => {
    expect([...REKEYING_STATUSES].sort()).toEqual(["Encrypting", "EncryptingOnline", "Reverting", "RevertingOnline"]);
    for (const target of Object.values(REKEY_STATUSES)) expect(REKEYING_STATUSES).not.toContain(target.done);
    expect(REKEYING_STATUSES.filter(isDowntime).sort()).toEqual(["Encrypting", "Reverting"]);
  });

  it("the OpenAPI environment schema's status enum is the domain's list", () => {
    const encryption = (environmentSchema.properties as Record<string, { properties: Record<string, { enum?: unknown[] }> }>).encryption;
    expect(encryption.properties.status.enum).toEqual([...ENCRYPTION_STATUSES]);
  });
});

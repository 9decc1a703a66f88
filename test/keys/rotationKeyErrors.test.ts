// What POST /rotate answers when reading the policy key's latest version fails: a vault that did
// not answer is a 503 to retry; a key the policy cannot read is a 409 that says so.
import { describe, expect, it } from "vitest";
import { KeyAccessError } from "../../shared/keyvault/classify";
import { keyErrorFor } from "../../shared/keys/keyErrors";

describe("rotation's key errors", () => {
  it("a transient vault failure (dropped connection, throttling) is 503 KeyVaultUnavailable with Retry-After", () => {
    for (const code of ["ECONNRESET", "Throttled"]) {
      const err = keyErrorFor(new KeyAccessError("Transient", code, `getKey: ${code}`, { operation: "getKey" }), { use: "rotation" });
      expect(err).toMatchObject({ code: "KeyVaultUnavailable", status: 503, retryAfterSeconds: 10 });
      expect(err.message).toContain(code);
    }
  });

  it("a key taken away is 409 KeyNotAccessible", () => {
    const err = keyErrorFor(new KeyAccessError("AccessLost", "ForbiddenByRbac", "getKey: forbidden", { operation: "getKey" }), { use: "rotation" });
    expect(err).toMatchObject({ code: "KeyNotAccessible", status: 409 });
  });
});

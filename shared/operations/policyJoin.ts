// A policy's delete or re-point must be atomic with respect to an add: each first finds no
// environment on the policy, then writes the policy row with If-Match. An add, after it has
// claimed its environment (so the environment now names the policy), bumps the policy's revision
// with If-Match on the row it checked its rules against. Whichever writes second sees the
// other: a delete or re-point that read the row before the bump fails its If-Match and looks
// again (and finds the environment); an add whose bump finds the row gone or re-pointed gives its
// claim back and is refused.
// Reader is what lets a platform admin add an environment to a policy (the reference: only admins
// granted Reader on the policy can add environments to it), so a revoke is ordered the same way: a
// revoke (written with If-Match too) that lands before the add's bump refuses the add; one that
// lands after it finds the environment already added, as a revoke after any accepted add does.
import { conflict, contention, notFound, refused } from "../errors";
import type { EnterprisePolicy } from "../domain/policy";
import type { TenantState } from "../state/stateStore";

const ATTEMPTS = 20;

/** The policy's key and location: what a re-point changes, and what an add was checked against. */
const sameBinding = (a: EnterprisePolicy, b: EnterprisePolicy) =>
  a.location === b.location && a.keyVaultId.toLowerCase() === b.keyVaultId.toLowerCase() && a.keyName === b.keyName &&
  (a.keyVaultTenantId ?? "") === (b.keyVaultTenantId ?? "");

/**
 * Bumps the policy's revision, starting from the row `checked` was read as (`etag`), which the
 * caller was checked to be a Reader of. A concurrent add's bump (or another Reader grant) is
 * harmless: retried on the fresh row. A delete or re-point is not: 409 PolicyChanged; nor is
 * `reader`'s Reader revoked: 403 PolicyReaderRequired.
 */
export async function confirmPolicyUnchanged(state: TenantState, checked: EnterprisePolicy, etag: string, reader: string): Promise<void> {
  let current = { doc: checked, etag };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await state.replacePolicyIfMatch({ ...current.doc, revision: (current.doc.revision ?? 0) + 1 }, current.etag)) return;
    const fresh = await state.getPolicyWithEtag(checked.name);
    if (!fresh || !sameBinding(fresh.doc, checked)) {
      throw conflict("PolicyChanged", `Enterprise policy '${checked.name}' was ${fresh ? "pointed at another key" : "deleted"} while the environment was being added; nothing was started. Check the policy and try again.`, "name");
    }
    if (!fresh.doc.readers.includes(reader.toLowerCase())) {
      throw refused("PolicyReaderRequired", `Your Reader on enterprise policy '${checked.name}' was revoked while the environment was being added; nothing was started. ` +
        `Ask the key vault administrator to grant your object id (${reader}) Reader on it again.`, "name");
    }
    current = fresh;
  }
  throw contention("PolicyContention", `Enterprise policy '${checked.name}' kept changing; retry.`, "name", 1);
}

/**
 * Writes `next(current)` (or deletes the policy, for null) only if no environment uses the policy
 * at the moment of the write: looks for environments on it, then writes with If-Match, and on a
 * concurrent change looks again. `inUse` refuses (throws) when some environment uses it.
 */
export async function changeUnusedPolicy(
  state: TenantState, name: string,
  inUse: (policy: EnterprisePolicy) => Promise<void>,
  next: (policy: EnterprisePolicy) => EnterprisePolicy | null | undefined,
): Promise<EnterprisePolicy | undefined> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await state.getPolicyWithEtag(name);
    if (!current) throw notFound("PolicyNotFound", `There is no enterprise policy '${name}'.`, "name");
    const wanted = next(current.doc);
    if (wanted === undefined) return current.doc;
    await inUse(current.doc);
    const written = wanted === null ? await state.deletePolicyIfMatch(name, current.etag) : await state.replacePolicyIfMatch(wanted, current.etag);
    if (written) return wanted ?? undefined;
  }
  throw contention("PolicyContention", `Enterprise policy '${name}' kept changing; retry.`, "name", 1);
}

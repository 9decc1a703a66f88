// A role change reaches the local vault's data plane `rolePropagationSeconds` after the
// management API (the stand-in for ARM) accepts it, as in Azure, where it can take minutes: a key
// created right after a grant would get 403. So the `keyward local` commands that write or delete
// role assignments wait until the vault applies the change (a note on stderr while they do, and
// how long it took), unless --no-wait. The wait is bounded by the vault's own delay plus headroom.
import type { CommandContext } from "../command";
import { WaitTimeout } from "../wait";
import type { LocalDefault } from "./localDefault";
import { vaultCall } from "./vaultErrors";

/** The --no-wait flag's help, shared by the commands that wait. */
export const NO_WAIT = { "no-wait": "return once the change is accepted, without waiting for the vault to apply it (a grant then works only some seconds later)" };

const POLL_MS = 200;
/** Beyond the vault's delay: a loaded machine answers late. */
const HEADROOM_MS = 30_000;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Resolves once every assignment in `ids` is applied on the data plane (written: honoured;
 * deleted: no longer honoured). `what` names the change in the notes ("the grant").
 */
export async function awaitRoleChanges(ctx: CommandContext, local: LocalDefault, ids: readonly string[], what: string, sleep = defaultSleep): Promise<void> {
  const where = local.file.vault.managementUrl;
  const { rolePropagationSeconds: seconds } = await vaultCall(where, () => local.management.behaviour());
  if (ctx.args.flags.has("no-wait")) {
    if (seconds > 0) ctx.note(`Not waiting (--no-wait): the local vault applies ${what} ${seconds} s from now, as Azure RBAC applies role changes late.`);
    return;
  }
  const pending = async () => (await Promise.all(ids.map((id) => vaultCall(where, () => local.management.rolePropagation(id)))))
    .filter((p) => p.state === "propagating" || p.state === "revoking");
  if (!(await pending()).length) return;
  const started = Date.now();
  const deadline = started + seconds * 1000 + HEADROOM_MS;
  ctx.note(`Waiting for ${what} to take effect: the local vault applies role changes ${seconds} s late, as Azure RBAC does (up to 10 minutes there; --no-wait returns at once)...`);
  for (;;) {
    await sleep(POLL_MS);
    const left = await pending();
    if (!left.length) break;
    if (Date.now() > deadline) {
      throw new WaitTimeout(`${what} is still ${left[0].state} ${Math.round((Date.now() - started) / 1000)} s later (the vault's delay is ${seconds} s). ` +
        "It is recorded; check with 'keyward local role assignment list' and try again shortly.");
    }
  }
  ctx.note(`${what[0].toUpperCase()}${what.slice(1)} is in effect (after ${((Date.now() - started) / 1000).toFixed(1)} s).`);
}

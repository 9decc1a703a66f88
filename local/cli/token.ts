// `npm run token -- --oid <id> --roles <Role,Role> [--tid <tenant>] [--audience <aud>] [--lifetime <seconds>]`:
// prints a token the running local issuer signed, for any principal of any tenant (the local
// tenant by default, local.json's tenantId). The default audience is the app's; use --audience
// https://vault.azure.net for the local vault.
import { readLocalFile } from "./localFile";

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const oid = arg(argv, "oid");
  if (!oid) throw new Error("usage: npm run token -- --oid <object id> [--roles Keys.Admin,Platform.Admin] [--tid <tenant id>] [--audience <aud>] [--lifetime <seconds>]");
  const local = readLocalFile();
  const roles = (arg(argv, "roles") ?? "").split(",").map((r) => r.trim()).filter(Boolean);
  const audience = arg(argv, "audience") ?? local.audience;
  const lifetimeSeconds = Number(arg(argv, "lifetime") ?? 3600);
  const tid = arg(argv, "tid") ?? local.tenantId;
  const res = await fetch(local.tokenEndpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ oid, tid, roles, audience, lifetimeSeconds }) })
    .catch(() => { throw new Error(`the local issuer at ${local.tokenEndpoint} does not answer: is 'npm start' running?`); });
  if (!res.ok) throw new Error(`the local issuer refused: ${res.status} ${await res.text()}`);
  console.log(((await res.json()) as { access_token: string }).access_token);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});

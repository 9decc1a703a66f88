// `keyward alerts`, `audit`, `licenses show|set` and `records put|get|import` against an
// in-process embedded keyward, each outcome read back through the API: an expiring key (made
// with `keyward local keyvault key create --expires`) raises the alert the CLI lists; the audit
// filters are the API's; licences decide entitlement; records land in the environment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Keyward, KEYS_ADMIN, PLATFORM_ADMIN } from "../support/keyward";
import { enterprisePolicyBody } from "../../local/embeddedApi";
import { cli, json, localFileFor, writeLocalFile } from "./support/cliAgainst";

let kw: Keyward;
let localFile: string;
let dir: string;

beforeAll(async () => {
  kw = await Keyward.start();
  localFile = writeLocalFile(await localFileFor(kw));
  dir = path.dirname(localFile);
});
afterAll(async () => {
  await kw?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const run = (argv: string[]) => cli(argv, { localFile });

describe("keyward alerts", () => {
  it("lists the alert keyward raises for a key that expires soon", async () => {
    const none = await run(["alerts"]);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe("No alerts.\n");

    const vault = `kv${randomBytes(5).toString("hex")}`;
    const created = await run(["local", "keyvault", "create", "--name", vault, "--enable-purge-protection"]);
    expect(created.code, created.stderr).toBe(0);
    const expires = new Date(Date.now() + 10 * 86_400_000);
    expires.setUTCMilliseconds(0);
    const key = await run(["local", "keyvault", "key", "create", "--vault-name", vault, "--name", "cmk", "--ops", "wrapKey", "unwrapKey", "--expires", expires.toISOString()]);
    expect(key.code, key.stderr).toBe(0);
    const policy = `p${randomBytes(4).toString("hex")}`;
    await kw.api.expect(201, "PUT", `enterprisePolicies/${policy}`, { oid: KEYS_ADMIN, roles: ["Keys.Admin"] }, enterprisePolicyBody(json(created).id, "cmk"));
    // The vault's expiry scan sends KeyNearExpiry (within its 30-day window) to keyward's Event Grid function.
    await kw.management.scanExpiry();
    await kw.until("the KeyNearExpiry alert", () => kw.keysAdmin("GET", "alerts"), (r) => r.body.value.some((a: any) => a.kind === "KeyNearExpiry" && a.policy === policy));

    const listed = await run(["alerts"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(/^RAISED\s+SEVERITY\s+KIND\s+POLICY\s+ENVIRONMENT\s+DUE\s+MESSAGE$/);
    expect(listed.stdout).toMatch(new RegExp(`Warning\\s+KeyNearExpiry\\s+${policy}\\s+-\\s+${expires.toISOString().replace(/\./g, "\\.")}`));
    const asJson = json(await run(["alerts", "--json"]));
    expect(asJson.value).toContainEqual(expect.objectContaining({ kind: "KeyNearExpiry", policy, dueAt: expires.toISOString() }));
    // Either admin role may read them.
    expect((await run(["alerts", "--as", "Platform.Admin"])).code).toBe(0);
  });
});

describe("keyward audit", () => {
  it("lists admin calls newest first, filtered by --top, --since and --caller as the API does", async () => {
    const env = await kw.environment();
    const top = json(await run(["audit", "--top", "3", "--json"]));
    expect(top.value).toHaveLength(3);
    const all = json(await run(["audit", "--json"]));
    expect(all.value.some((a: any) => a.operation === "putEnvironment" && a.target === `environments/${env}` && a.callerOid === PLATFORM_ADMIN)).toBe(true);
    const times = all.value.map((a: any) => a.at);
    expect([...times].sort().reverse()).toEqual(times);

    const mine = json(await run(["audit", "--caller", PLATFORM_ADMIN, "--json"]));
    expect(mine.value.length).toBeGreaterThan(0);
    expect(mine.value.every((a: any) => a.callerOid === PLATFORM_ADMIN)).toBe(true);
    const future = json(await run(["audit", "--since", new Date(Date.now() + 3_600_000).toISOString(), "--json"]));
    expect(future.value).toEqual([]);

    const table = await run(["audit", "--top", "5"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^AT\s+CALLER\s+ROLES\s+OPERATION\s+METHOD\s+TARGET\s+STATUS\s+RESULT$/);
    const bad = await run(["audit", "--top", "0"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("error: InvalidQuery: 'top' must be a whole number from 1 to 1000. (target: top)\n");
    expect((await run(["audit", "--since", "yesterday"])).stderr).toContain("error: InvalidQuery: 'since' must be an ISO 8601 date.");
  });
});

describe("keyward licenses", () => {
  it("records the tenant's subscriptions and says whether they entitle it to customer-managed keys", async () => {
    const unentitled = await run(["licenses", "set", "Office 365 E3"]);
    expect(unentitled.code, unentitled.stderr).toBe(0);
    expect(unentitled.stdout).toBe("Recorded 1 subscription(s); entitled to customer-managed keys: no.\n");
    expect(unentitled.stderr).toContain("None of these entitles the tenant to customer-managed keys");
    expect((await kw.platformAdmin("GET", "tenant/licenses")).body).toMatchObject({ subscriptions: ["Office 365 E3"], entitledToCustomerManagedKey: false });
    expect((await run(["licenses", "show"])).stdout).toContain("entitled to customer-managed keys: no");

    const entitled = await run(["licenses", "set", "Office 365 E3", "Microsoft 365 E5"]);
    expect(entitled.code).toBe(0);
    expect(entitled.stderr).toBe("");
    expect((await kw.platformAdmin("GET", "tenant/licenses")).body).toMatchObject({ subscriptions: ["Office 365 E3", "Microsoft 365 E5"], entitledToCustomerManagedKey: true });
    const shown = await run(["licenses", "show"]);
    expect(shown.stdout).toContain("subscriptions: Office 365 E3, Microsoft 365 E5\nentitled to customer-managed keys: yes (Microsoft 365 E5)\n");
    expect(json(await run(["licenses", "show", "--json"]))).toMatchObject({ entitlingSubscriptions: ["Microsoft 365 E5"] });
    expect((await run(["licenses", "set"])).code).toBe(2);
  });
});

describe("keyward records", () => {
  it("puts, gets and imports records as the data user", async () => {
    const env = await kw.environment();
    const put = await run(["records", "put", env, "accounts", "a1", '{"name": "Fabrikam", "balance": 10}']);
    expect(put.code, put.stderr).toBe(0);
    expect((await kw.user("GET", `environments/${env}/records/accounts/a1`)).body.value).toEqual({ name: "Fabrikam", balance: 10 });
    const got = await run(["records", "get", env, "accounts", "a1"]);
    expect(got.stdout).toBe('{"name":"Fabrikam","balance":10}\n');
    expect((await run(["records", "put", env, "accounts", "a2", "{not json"])).stderr).toContain("the value must be JSON");

    const file = path.join(dir, "records.jsonl");
    const lines = Array.from({ length: 30 }, (_, i) => ({ table: i % 2 ? "contacts" : "accounts", id: `r${i}`, value: { n: i, tags: ["x", i] } }));
    fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n\n");
    const imported = await run(["records", "import", env, file]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toBe(`Imported 30 records into ${env} (tables: accounts, contacts).\n`);
    for (const l of lines) expect((await kw.user("GET", `environments/${env}/records/${l.table}/${l.id}`)).body.value).toEqual(l.value);

    const badFile = path.join(dir, "bad.jsonl");
    fs.writeFileSync(badFile, `${JSON.stringify(lines[0])}\n{"table": "t", "value": 1}\n`);
    const bad = await run(["records", "import", env, badFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${badFile} line 2 needs {"table": "<name>", "id": "<record id>", "value": <JSON>}`);
    const missingEnv = await run(["records", "import", "no-such-environment", file]);
    expect(missingEnv.code).toBe(1);
    expect(missingEnv.stderr).toMatch(/^error: \w+: /);
    expect((await run(["records", "get", env, "accounts", "nope"])).stderr).toMatch(/^error: \w*NotFound: /);
  });
});

describe("keyward environments members", () => {
  it("adds, lists and removes a member; the data API follows at once", async () => {
    const env = await kw.environment({ members: [] });
    const reader = "eeeeeeee-0000-4000-8000-000000000005";
    const readerToken = { as: { oid: reader, roles: ["Environment.User"] } };
    expect((await kw.call("GET", `environments/${env}/records/t/r`, readerToken)).status).toBe(403);

    const added = await run(["environments", "members", "add", env, reader, "--access", "Read"]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe(`${reader} may now use environment ${env}'s data (Read).\n`);
    expect((await kw.call("GET", `environments/${env}/records/t/r`, readerToken)).status).toBe(404);
    expect((await kw.call("PUT", `environments/${env}/records/t/r`, { ...readerToken, body: { x: 1 } })).status).toBe(403);

    const listed = await run(["environments", "members", "list", env, "--json"]);
    expect(json(listed).value).toEqual([expect.objectContaining({ objectId: reader, access: "Read", grantedBy: PLATFORM_ADMIN })]);
    expect((await run(["environments", "members", "add", env, reader, "--access", "Owner"])).code).toBe(2);

    const removed = await run(["environments", "members", "remove", env, reader]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await kw.call("GET", `environments/${env}/records/t/r`, readerToken)).status).toBe(403);
    const again = await run(["environments", "members", "remove", env, reader]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("MemberNotFound");
  });
});

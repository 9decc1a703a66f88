// The reference's walkthrough (the customer-managed key documentation keyward implements), step by
// step, as the CLI commands each administrator would run on the embedded default, and for each
// what the API must show afterwards. The key vault admin's steps use `keyward local`, shaped like
// the `az` commands they would run in Azure.
import { CheckFailed, expectThat } from "./observer";
import type { DemoStep } from "./runner";
import type { DemoState } from "./state";
import { checkGranted, checkOnPolicy, checkPolicy, checkReader, checkRsaKey, environment, envPath, KEY_SIZE, keyScope, sampleReadsBack } from "./checks";

const ENCRYPTION_ROLE = "Key Vault Crypto Service Encryption User";
const LICENCE = "Microsoft 365 E5";

export function demoSteps(): DemoStep<DemoState>[] {
  return [
    {
      actor: "Key vault admin", title: "create a key vault with soft delete and purge protection",
      explain: ["The reference requires both, so a deleted key can be recovered. Like 'az keyvault create', it grants you Crypto Officer on it.",
        "Role changes take effect some seconds late, as in Azure: the 'keyward local' commands wait until they do, so the next step can use them."],
      commands: (s) => [{ argv: ["local", "keyvault", "create", "--name", s.names.vault, "--enable-purge-protection", "--retention-days", "90"] }],
      async check(s) {
        const v = await s.observer.local.management.getVault(s.names.vault);
        expectThat(v.properties.softDelete && v.properties.purgeProtection && v.properties.retentionDays === 90, `vault ${s.names.vault} has ${JSON.stringify(v.properties)}`);
        s.vaultId = v.id;
        return `vault ${v.id} has soft delete and purge protection (90 days)`;
      },
    },
    {
      actor: "Key vault admin", title: `create an RSA ${KEY_SIZE} key`,
      explain: ["Customer-managed keys are RSA (or RSA-HSM), 2048 or 3072 bits; keyward only needs wrapKey and unwrapKey."],
      commands: (s) => [{ argv: ["local", "keyvault", "key", "create", "--vault-name", s.names.vault, "--name", s.names.key, "--kty", "RSA", "--size", KEY_SIZE, "--ops", "wrapKey", "unwrapKey"] }],
      check: (s) => checkRsaKey(s, s.names.key),
    },
    {
      actor: "Key vault admin", title: "create the enterprise policy for the key",
      explain: ["The policy binds the key to the platform and gets an identity of its own: the principal to grant on the key."],
      commands: (s) => [{ argv: ["policies", "create", s.names.policy, "--vault-id", s.vaultId!, "--key", s.names.key, "--location", s.names.region] }],
      async check(s) {
        s.policyPrincipal = await checkPolicy(s, s.names.policy, s.names.key);
        return `policy ${s.names.policy} is on ${s.names.key}; its identity is ${s.policyPrincipal}`;
      },
    },
    {
      actor: "Key vault admin", title: `grant the policy's identity "${ENCRYPTION_ROLE}" on the key`,
      explain: ["The command returns once the vault applies the grant; keyward's probe (wrap and unwrap as the policy's identity) then succeeds."],
      commands: (s) => [{ argv: ["local", "role", "assignment", "create", "--assignee", s.policyPrincipal!, "--role", ENCRYPTION_ROLE, "--scope", keyScope(s, s.names.key)] }],
      check: (s) => checkGranted(s, s.names.policy),
    },
    {
      actor: "Key vault admin", title: "grant the platform admin Reader on the policy",
      explain: ["Only a platform admin who can read the policy may add environments to it."],
      commands: (s) => [{ argv: ["policies", "grant-reader", s.names.policy, s.principals.platformAdmin] }],
      check: (s) => checkReader(s, s.names.policy),
    },
    {
      actor: "Platform admin", title: "record the tenant's licences",
      explain: ["Customer-managed keys need one of the reference's subscriptions (Microsoft 365 E5 among them)."],
      commands: () => [{ argv: ["licenses", "set", LICENCE] }],
      async check(s) {
        const l = await s.observer.get("Platform.Admin", "tenant/licenses");
        expectThat(l.entitledToCustomerManagedKey && l.subscriptions.includes(LICENCE), `the tenant's licences are ${JSON.stringify(l)}`);
        return `the tenant is entitled to customer-managed keys (${l.entitlingSubscriptions.join(", ")})`;
      },
    },
    {
      actor: "Platform admin", title: "create a Managed environment in the policy's region",
      explain: ["Only Managed Environments in the policy's region can be added; it starts on the platform's key."],
      commands: (s) => [{ argv: ["environments", "create", s.names.environment, "--region", s.names.region, "--type", "Production", "--managed", "--display-name", "Contoso production"] }],
      async check(s) {
        const env = await environment(s);
        expectThat(env.managed && env.region === s.names.region && env.encryption.keyType === "PlatformManaged", `${s.names.environment} is ${JSON.stringify(env)}`);
        return `${s.names.environment} is a Managed environment on the platform key`;
      },
    },
    {
      actor: "Platform admin", title: "let the data user in: ReadWrite on the environment",
      explain: ["Environment.User is the role; membership says where. Admins administer: the platform admin is not a member itself."],
      commands: (s) => [{ argv: ["environments", "members", "add", s.names.environment, s.principals.dataUser, "--access", "ReadWrite"] }],
      async check(s) {
        const members = await s.observer.get("Platform.Admin", `${envPath(s)}/members`);
        expectThat(members.value.some((m: { objectId: string; access: string }) => m.objectId === s.principals.dataUser && m.access === "ReadWrite"), "the data user is not a ReadWrite member");
        return "the data user may read and write the environment's data";
      },
    },
    {
      actor: "Data user", title: "write sample data",
      explain: ["Every record is stored as AES-256-GCM ciphertext under a DEK that the platform key wraps."],
      commands: (s) => [{ argv: ["records", "import", s.names.environment, s.sampleFile] }],
      async check(s) {
        await sampleReadsBack(s);
        return `all ${s.sample.length} records read back`;
      },
    },
    {
      actor: "Platform admin", title: "add the environment to the policy",
      explain: ["Its data is re-encrypted under a new DEK wrapped by the customer's key: Encrypting (downtime), EncryptingOnline, Encrypted."],
      commands: (s) => [{ argv: ["add", s.names.policy, s.names.environment, "--wait"] }],
      async check(s) {
        const seen = await checkOnPolicy(s, s.names.policy, s.names.key);
        s.keyIdAfterAdd = (await environment(s)).encryption.keyId;
        return seen;
      },
    },
    {
      actor: "Key vault admin", title: "rotate the key (a new key version)",
      explain: ["keyward hears of the new version from the vault's event and re-wraps the DEKs under it: no data rewritten, no downtime.",
        "'keyward rotate --wait' follows that re-wrap (or starts it) to its end."],
      commands: (s) => [
        { argv: ["local", "keyvault", "key", "rotate", "--vault-name", s.names.vault, "--name", s.names.key] },
        { argv: ["rotate", s.names.policy, "--wait"] },
      ],
      async check(s) {
        const latest = (await s.observer.key(s.names.vault, s.names.key)).id!;
        expectThat(latest !== s.keyIdAfterAdd, `the key's latest version is still ${latest}`);
        const env = await s.observer.waitFor(`${s.names.environment} following the new version`, () => environment(s), (x) => x.encryption.keyId === latest, 60_000);
        expectThat(env.state === "Enabled" && env.encryption.status === "Encrypted", `${s.names.environment} is ${env.state} ${env.encryption.status}`);
        await sampleReadsBack(s);
        return `${s.names.environment} is on the new version ${latest} (was ${s.keyIdAfterAdd}); its data reads back`;
      },
    },
    {
      actor: "Key vault admin", title: "revoke the policy's access to the key",
      explain: ["keyward re-probes the key when the role assignment is deleted and locks every environment on the policy: its data answers 423."],
      commands: (s) => [
        { argv: ["local", "role", "assignment", "delete", "--assignee", s.policyPrincipal!, "--role", ENCRYPTION_ROLE, "--scope", keyScope(s, s.names.key)] },
      ],
      async check(s) {
        await s.observer.waitFor(`${s.names.environment} locking`, () => environment(s), (x) => x.state === "Locked");
        const refused = await s.observer.refusal("Environment.User", `${envPath(s)}/records/${s.sample[0].table}/${s.sample[0].id}`);
        expectThat(refused?.status === 423 && refused.code === "EnvironmentLocked", `reading data answered ${refused ? `${refused.status} ${refused.code}` : "200"}, not 423 EnvironmentLocked`);
        const alerts = await s.observer.get("Keys.Admin", "alerts");
        expectThat(alerts.value.some((a: any) => a.kind === "EnvironmentLocked" && a.environmentId === s.names.environment), `no EnvironmentLocked alert for ${s.names.environment}`);
        return `${s.names.environment} is Locked: its data answers 423 EnvironmentLocked, and an EnvironmentLocked alert is raised`;
      },
    },
    {
      actor: "Data user, then either admin", title: "see it: the data is refused, the admins are alerted",
      commands: (s) => [
        { argv: ["records", "get", s.names.environment, s.sample[0].table, s.sample[0].id], expectExit: 1 },
        { argv: ["alerts"] },
      ],
      async check(s) {
        const env = await environment(s);
        expectThat(env.state === "Locked", `${s.names.environment} is ${env.state}`);
        return `${s.names.environment} stays Locked (${env.encryption.lockedReason})`;
      },
    },
    {
      actor: "Key vault admin", title: "restore the policy's access",
      explain: ["keyward re-probes on the new role assignment and unlocks; the grant is in effect when the command returns, so 'keyward policies health' probes it now."],
      commands: (s) => [
        { argv: ["local", "role", "assignment", "create", "--assignee", s.policyPrincipal!, "--role", ENCRYPTION_ROLE, "--scope", keyScope(s, s.names.key)] },
        { argv: ["policies", "health", s.names.policy] },
      ],
      async check(s) {
        await s.observer.waitFor(`${s.names.environment} unlocking`, () => environment(s), (x) => x.state === "Enabled");
        await sampleReadsBack(s);
        return `${s.names.environment} is Enabled again; all ${s.sample.length} records read back`;
      },
    },
    {
      actor: "Key vault admin", title: "change the key: create a second key and a policy for it",
      explain: ["To change keys, the reference creates a new key and a new enterprise policy, grants them as before, then moves the environment."],
      commands: (s) => [
        { argv: ["local", "keyvault", "key", "create", "--vault-name", s.names.vault, "--name", s.names.key2, "--kty", "RSA", "--size", KEY_SIZE, "--ops", "wrapKey", "unwrapKey"] },
        { argv: ["policies", "create", s.names.policy2, "--vault-id", s.vaultId!, "--key", s.names.key2, "--location", s.names.region] },
      ],
      async check(s) {
        const key = await checkRsaKey(s, s.names.key2);
        s.policy2Principal = await checkPolicy(s, s.names.policy2, s.names.key2);
        return `${key}; policy ${s.names.policy2} is on it, its identity ${s.policy2Principal}`;
      },
    },
    {
      actor: "Key vault admin", title: "grant the new policy on the new key, and Reader to the platform admin",
      commands: (s) => [
        { argv: ["local", "role", "assignment", "create", "--assignee", s.policy2Principal!, "--role", ENCRYPTION_ROLE, "--scope", keyScope(s, s.names.key2)] },
        { argv: ["policies", "grant-reader", s.names.policy2, s.principals.platformAdmin] },
      ],
      async check(s) {
        return `${await checkGranted(s, s.names.policy2)}; ${await checkReader(s, s.names.policy2)}`;
      },
    },
    {
      actor: "Platform admin", title: "move the environment to the new policy",
      explain: ["Remove from the old policy, then add to the new one: two short downtimes."],
      commands: (s) => [{ argv: ["change-policy", s.names.environment, s.names.policy2, "--wait"] }],
      check: (s) => checkOnPolicy(s, s.names.policy2, s.names.key2),
    },
    {
      actor: "Platform admin", title: "remove the environment from its policy",
      explain: ["Its data returns to the platform's key (Reverting, RevertingOnline, PlatformManaged)."],
      commands: (s) => [{ argv: ["remove", s.names.policy2, s.names.environment, "--wait"] }],
      async check(s) {
        const env = await environment(s);
        const platformKey = s.platformKeyId.toLowerCase().replace(/\/+$/, "");
        expectThat(env.encryption.keyType === "PlatformManaged" && env.encryption.status === "PlatformManaged" && !env.encryption.policy,
          `${s.names.environment} is ${env.encryption.keyType} ${env.encryption.status} on ${env.encryption.policy}`);
        expectThat(env.encryption.keyId.toLowerCase().startsWith(`${platformKey}/`), `${s.names.environment}'s key is ${env.encryption.keyId}, not the platform key's`);
        await sampleReadsBack(s);
        return `${s.names.environment} is back on the platform key; all ${s.sample.length} records read back`;
      },
    },
    {
      actor: "Either admin", title: "review: the environment's history and the audit log",
      commands: (s) => [
        { argv: ["environments", "history", s.names.environment] },
        { argv: ["audit", "--top", "10"] },
      ],
      async check(s) {
        const history = await s.observer.get("Platform.Admin", `${envPath(s)}/history`);
        const failed = history.value.filter((h: any) => h.status !== "Succeeded");
        // add, the rotation, the change (remove and add) and the remove
        if (history.value.length < 4 || failed.length) throw new CheckFailed(`${s.names.environment}'s history is ${JSON.stringify(history.value.map((h: any) => `${h.operation} ${h.status}`))}`);
        return `${history.value.length} operations in ${s.names.environment}'s history, every one Succeeded`;
      },
    },
  ];
}

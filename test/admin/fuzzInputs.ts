// The input generator of the admin API fuzz test (fuzz.test.ts): from a seed, a reproducible list
// of requests against the admin routes, each with odd path segments, a malformed body, a random
// query string and random headers. Every request is built so that a correct keyward refuses it
// or only reads: bodies always break a rule of their route, and a path naming things that exist
// is used only where that cannot make the call succeed (e.g. DELETE of a policy in use).
import type { RouteSpec } from "../../shared/http/route";

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  constructor(readonly next: () => number) {}
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]; }
  chance(p: number): boolean { return this.next() < p; }
  string(max: number, alphabet = ODD_CHARS): string {
    const n = this.int(max + 1);
    let s = "";
    for (let i = 0; i < n; i++) s += this.pick(alphabet);
    return s;
  }
}

const ODD_CHARS = [..."abcXYZ019-_.~ !\"#$%&'()*+,/:;<=>?@[\\]^`{|}", "\u0000", "\n", "\t", "\u007f", "é", "ß", "日", "😀", "\u202e", "\ufeff", "\u00a0"];

/** What the fixture holds, so the generator can name existing things where that is safe. */
export interface FuzzFixture {
  /** A compliant policy with `environmentOnPolicy` on it (so it cannot be deleted). */
  policy: string;
  /** Managed, Encrypted on `policy`. */
  environmentOnPolicy: string;
  /** Unmanaged, on no policy. */
  environmentAlone: string;
  /** The finished operation that added environmentOnPolicy. */
  operationId: string;
  /** Already a reader of `policy`. */
  readerOid: string;
  vaultId: string;
}

export interface FuzzRequest {
  index: number;
  route: string;
  method: string;
  /** Raw request target: /api/... with the query. */
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** The role whose token is sent. */
  role: string;
  /** True when only a 4xx is right; otherwise (a read with nothing malformed) 2xx is right too. */
  mustRefuse: boolean;
  /** A dot segment in the path: URL parsing may resolve it onto another (even a non-admin) route. */
  reroutes: boolean;
  /** Send the body chunked (no Content-Length). */
  chunked: boolean;
  /** How the request was made, for the failure report. */
  why: string[];
}

// ---- path segments -----------------------------------------------------------------------------

const ODD_SEGMENTS = [
  " ", "a b", "..", ".", "...", "%", "%zz", "%2", "a/b", "a\\b", "a?b", "a#b", "a;b", "a:b", "a'b", "a\"b", "x') or true or ('",
  "\u0000", "\n", "\r\n", "é", "日本語", "😀", "\u202eabc", "\ufeffabc", "a\u00a0b", "-leading-hyphen", "_underscore", "trailing-",
  "con", "nul", "__proto__", "constructor", "toString", "hasOwnProperty", "$metadata", "Tables", "*", "~", "()", "null", "undefined",
  "true", "0", "-1", "1e309", "NaN", "%00", "%2F", "%252F", "%c0%af", "%ef%bb%bf", "..%2F..%2F", "%u0041", "+", "a+b", "{name}", "{*path}",
  "policy/environments", "environments", "readers", "<script>", "${jndi:x}", "a".repeat(65), "a".repeat(300), "b".repeat(4000),
  "00000000-0000-0000-0000-00000000000g", "0B0B0B0B-0000-4000-8000-00000000000B-extra",
];

/** Turns a raw value into path text, in one of several ways a client (or an attacker) might. */
function segmentText(rng: Rng, raw: string): { text: string; how: string } {
  const encoded = safeEncode(raw);
  switch (rng.int(5)) {
    case 0: return { text: encodeURIComponent(encoded), how: "double-encoded" };
    case 1: {
      // As typed: only what a request line can carry (bytes 0x21-0xff); the rest encoded.
      let text = "";
      for (const ch of raw) text += /^[\u0021-\u007e]$/.test(ch) && ch !== "?" && ch !== "#" ? ch : safeEncode(ch);
      return { text, how: "raw" };
    }
    default: return { text: encoded, how: "encoded" };
  }
}

function isDotSegment(text: string): boolean {
  return ["", ".", ".."].includes(text.replace(/%2e/gi, "."));
}

/** encodeURIComponent that survives lone surrogates (it throws on them). */
function safeEncode(raw: string): string {
  try {
    return encodeURIComponent(raw);
  } catch {
    return [...Buffer.from(raw, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join("");
  }
}

// ---- bodies ------------------------------------------------------------------------------------

function randomJson(rng: Rng, depth = 0): unknown {
  const kind = rng.int(depth > 3 ? 5 : 8);
  switch (kind) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 53]);
    case 3: return rng.string(20);
    case 4: return rng.pick(["", " ", "europe", "Encryption", "SystemAssigned", "\ud800", "a".repeat(5000)]);
    case 5: return Array.from({ length: rng.int(5) }, () => randomJson(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(5); i > 0; i--) o[rng.pick(["x", "__proto__", "constructor", "prototype", "", " ", "a.b", "$type", rng.string(8)])] = randomJson(rng, depth + 1);
      return o;
    }
  }
}

/** A body that is no valid request for any route: bad JSON, not an object, or an object missing every required field. */
function junkBody(rng: Rng): { body: Buffer; how: string } {
  const text = (s: string, how: string) => ({ body: Buffer.from(s, "utf8"), how });
  switch (rng.int(14)) {
    case 0: return { body: Buffer.alloc(0), how: "empty" };
    case 1: return text(rng.pick(["{", "}", "{\"a\":}", "{'a': 1}", "nul", "tru", "[1,]", "{\"a\":1,}", "// c\n{}", "{\"a\":NaN}", "{\"a\":1e99999}", "\"unterminated"]), "invalid JSON");
    case 2: return text(JSON.stringify(randomJson(rng)).slice(0, -1 - rng.int(3)), "truncated JSON");
    case 3: return text(rng.pick(["[]", "[{}]", "1", "-0", "\"string\"", "null", "true", "false", "1e400"]), "JSON not an object");
    case 4: return { body: Buffer.from(Array.from({ length: 1 + rng.int(300) }, () => rng.int(256))), how: "random bytes" };
    case 5: return { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("{\"x\":1}")]), how: "BOM" };
    case 6: return { body: Buffer.from("{\"x\":1}", "utf16le"), how: "UTF-16" };
    case 7: { const n = 2000 + rng.int(200_000); return text("[".repeat(n) + "]".repeat(n), `nested ${n}`); }
    case 8: { const n = 2000 + rng.int(50_000); return text("{\"a\":".repeat(n) + "1" + "}".repeat(n), `nested objects ${n}`); }
    case 9: return text(JSON.stringify({ x: "y".repeat(1024 * 1024 + rng.int(1000)) }), "over 1 MiB");
    case 10: return text("{\"__proto__\": {\"location\": \"europe\", \"subscriptions\": [\"Microsoft 365 E5\"], \"environmentIds\": [\"a\"], \"displayName\": \"x\"}}", "__proto__ keys");
    case 11: return text(JSON.stringify({ constructor: { prototype: { policy: "x" } } }), "constructor key");
    case 12: return text("{\"a\":\"\\ud800\",\"b\":\"\\u0000\"}", "lone surrogate");
    default: {
      const o: Record<string, unknown> = {};
      for (let i = 1 + rng.int(6); i > 0; i--) o[`k${rng.string(6, [..."abcdef"])}`] = randomJson(rng);
      return text(JSON.stringify(o), "random object");
    }
  }
}

type Mutation = [string, (b: any) => void];

function withMutation(rng: Rng, template: Record<string, unknown>, mutations: Mutation[]): { body: Buffer; how: string } {
  const body = structuredClone(template);
  const [how, apply] = rng.pick(mutations);
  apply(body);
  return { body: Buffer.from(JSON.stringify(body), "utf8"), how: `mutated: ${how}` };
}

const oddString = (rng: Rng) => rng.pick(["", " ", "\u0000", "a".repeat(300), "日本", "😀", "../..", "x') or ('1'='1", rng.string(30)]);

function policyMutations(rng: Rng): Mutation[] {
  return [
    ["location missing", (b) => delete b.location],
    ["location", (b) => (b.location = rng.pick([null, 42, "", "Europe", "westeurope", " europe", ["europe"], {}, "europe\u0000", oddString(rng)]))],
    ["kind", (b) => (b.kind = rng.pick(["", "encryption", "Lockbox", 1, false, [], {}]))],
    ["identity", (b) => (b.identity = rng.pick([null, "SystemAssigned", {}, { type: "UserAssigned" }, { type: null }, [], 5]))],
    ["properties", (b) => (b.properties = rng.pick([undefined, null, [], "x", {}, { encryption: null }, { encryption: {} }, { encryption: [] }]))],
    ["state", (b) => (b.properties.encryption.state = rng.pick(["Disabled", "", 1, false, "enabled"]))],
    ["keyVault", (b) => (b.properties.encryption.keyVault = rng.pick([null, "x", [], { key: { name: "cmk" } }]))],
    ["vault id", (b) => (b.properties.encryption.keyVault.id = rng.pick([null, 1, "", oddString(rng),
      "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v1",
      `${b.properties.encryption.keyVault.id}/keys/cmk`, b.properties.encryption.keyVault.id.replace("vaults", "storageAccounts"),
      b.properties.encryption.keyVault.id.replace(/[^/]+$/, "a--b"), b.properties.encryption.keyVault.id.replace(/[^/]+$/, "x".repeat(30)),
      `//${b.properties.encryption.keyVault.id}`, `https://management.azure.com${b.properties.encryption.keyVault.id}`,
      b.properties.encryption.keyVault.id.repeat(10)]))],
    ["key", (b) => (b.properties.encryption.keyVault.key = rng.pick([null, "cmk", [], {}]))],
    ["key name", (b) => (b.properties.encryption.keyVault.key.name = rng.pick(["", "a_b", "a b", "k".repeat(128), 1, null, "é", "../cmk", "cmk/versions"]))],
  ];
}

function environmentMutations(rng: Rng, existingRegion: boolean): Mutation[] {
  const m: Mutation[] = [
    ["displayName missing", (b) => delete b.displayName],
    ["displayName", (b) => (b.displayName = rng.pick(["", "   ", "d".repeat(201), "a\u0001b", "a\nb", 5, null, [], {}]))],
    ["region", (b) => (b.region = rng.pick([undefined, "mars", "Europe", "", 1, null, ["europe"]]))],
    ["type", (b) => (b.type = rng.pick([undefined, "Prod", "", "trial", "production", 1, null]))],
    ["managed", (b) => (b.managed = rng.pick(["true", 1, "yes", {}, [], "false"]))],
    ["keyType", (b) => (b.keyType = rng.pick(["CustomerManaged", "", 1, "byok", "platformmanaged", [], true]))],
    ["unknown field", (b) => (b[rng.pick(["state", "encryption", "id", "createdBy", "policy", "x"])] = rng.pick(["Locked", { keyType: "CustomerManaged" }, "other", 1]))],
  ];
  // Only for an existing environment: region and type can't change (409).
  if (existingRegion) m.push(["region changed", (b) => (b.region = "uk")], ["type changed", (b) => (b.type = "Sandbox")]);
  return m;
}

// ---- the routes --------------------------------------------------------------------------------

type ParamKind = "existing" | "missing" | "odd";

interface RouteFuzz {
  /** Existing values per parameter, only where naming them cannot make the call succeed. */
  existing?: Record<string, string[]>;
  /** A complete choice of kinds that is unsafe (would succeed and change state); re-drawn. */
  unsafe?: (kinds: Record<string, ParamKind>) => boolean;
  /** A body that breaks this route's rules (the request is then refused whatever the path). */
  body?: (rng: Rng, kinds: Record<string, ParamKind>) => { body: Buffer; how: string };
  /** Query parameters the route reads, with values it must refuse. */
  badQuery?: Record<string, string[]>;
}

function routeFuzz(f: FuzzFixture): Record<string, RouteFuzz> {
  const policyTemplate = {
    location: "europe", kind: "Encryption", identity: { type: "SystemAssigned" },
    properties: { encryption: { state: "Enabled", keyVault: { id: f.vaultId, key: { name: "cmk" } } } },
  };
  const envTemplate = { displayName: "Fuzz", region: "europe", type: "Production", managed: true };
  return {
    putEnterprisePolicy: { existing: { name: [f.policy] }, body: (rng) => withMutation(rng, policyTemplate, policyMutations(rng)) },
    getEnterprisePolicy: { existing: { name: [f.policy] } },
    getEnterprisePolicyHealth: { existing: { name: [f.policy] } },
    deleteEnterprisePolicy: { existing: { name: [f.policy] } }, // in use: 409
    grantPolicyReader: { existing: { name: [f.policy] }, unsafe: (k) => k.name === "existing" && k.objectId !== "odd" },
    revokePolicyReader: { existing: { name: [f.policy] } }, // a missing reader: 404
    addEnvironmentsToPolicy: {
      existing: { name: [f.policy] },
      body: (rng) => withMutation(rng, { environmentIds: ["x"] }, [
        ["environmentIds", (b) => (b.environmentIds = rng.pick([undefined, null, [], "x", [1], [""], [null], [{}], [oddString(rng) || " "],
          Array.from({ length: 101 }, (_, i) => `env-${i}`), ["missing-env", "missing-env"], ["missing-env"], [f.environmentOnPolicy],
          [f.environmentOnPolicy, f.environmentOnPolicy], ["a".repeat(65)]]))],
      ]),
    },
    removePolicyEnvironment: { existing: { name: [f.policy], environmentId: [f.environmentAlone] } }, // not on the policy: 404
    rotateEnterprisePolicyKey: {},
    getEnvironment: { existing: { id: [f.environmentOnPolicy, f.environmentAlone] } },
    getEnvironmentHistory: { existing: { id: [f.environmentOnPolicy, f.environmentAlone] } },
    getOperation: { existing: { operationId: [f.operationId] } },
    enableManagedEnvironment: {},
    putEnvironment: {
      existing: { id: [f.environmentOnPolicy, f.environmentAlone] },
      body: (rng, k) => withMutation(rng, envTemplate, environmentMutations(rng, k.id === "existing")),
    },
    changeEnvironmentPolicy: {
      existing: { id: [f.environmentOnPolicy, f.environmentAlone] },
      body: (rng) => withMutation(rng, { policy: "x" }, [
        ["policy", (b) => (b.policy = rng.pick([undefined, null, "", 1, [], {}, oddString(rng) || " ", "missing-policy", f.policy, "a".repeat(65)]))],
      ]),
    },
    unlockEnvironment: { existing: { id: [f.environmentOnPolicy, f.environmentAlone] } }, // not locked: 409
    putTenantLicenses: {
      body: (rng) => withMutation(rng, { subscriptions: ["Microsoft 365 E5"] }, [
        ["subscriptions", (b) => (b.subscriptions = rng.pick([undefined, null, "Microsoft 365 E5", {}, [1], [""], ["  "], [null], ["s".repeat(201)],
          Array.from({ length: 101 }, (_, i) => `Sub ${i}`), [["Microsoft 365 E5"]]]))],
        ["unknown field", (b) => (b[rng.pick(["entitled", "updatedBy", "x", "Subscriptions"])] = true)],
      ]),
    },
    getEnterprisePolicyKeyUsage: { existing: { name: [f.policy] } },
    listBackups: { existing: { id: [f.environmentOnPolicy, f.environmentAlone] } },
    createBackup: {},
    resetEnvironment: {},
    restoreEnvironment: {
      existing: { id: [f.environmentOnPolicy, f.environmentAlone] },
      // There are no backups: a well-formed source and backup id is a 404.
      body: (rng) => withMutation(rng, { sourceEnvironmentId: f.environmentOnPolicy, backupId: "0b0b0b0b-0000-4000-8000-00000000000b" }, [
        ["sourceEnvironmentId", (b) => (b.sourceEnvironmentId = rng.pick([undefined, null, "", 1, [], oddString(rng) || " ", "a".repeat(65)]))],
        ["backupId", (b) => (b.backupId = rng.pick([undefined, null, "", 1, "x", "0B0B0B0B-0000-4000-8000-00000000000B", "../backups", oddString(rng)]))],
        ["no such backup", (b) => (b.backupId = `0b0b0b0b-0000-4000-8000-${String(rng.int(1e12)).padStart(12, "0")}`)],
      ]),
    },
    copyEnvironment: {
      existing: { id: [f.environmentOnPolicy, f.environmentAlone] },
      // The two existing environments are on different keys (409 KeyMismatch), or the same one (400).
      body: (rng) => withMutation(rng, { sourceEnvironmentId: "x" }, [
        ["sourceEnvironmentId", (b) => (b.sourceEnvironmentId = rng.pick([undefined, null, "", 1, [], {}, oddString(rng) || " ", "missing-env",
          f.environmentOnPolicy, f.environmentAlone, "a".repeat(65)]))],
      ]),
    },
    listEnvironments: { badQuery: { policy: ["", " ", "missing-policy", "x'y", "a/b", "a\\b", "a#b", "a?b", "\u0000", "日本", "a".repeat(300), "%zz", "..", "'", "*"] } },
    getAudit: { badQuery: { top: ["0", "-1", "1001", "abc", "1.5", "", " ", "1e3x", "Infinity", "NaN", "0x10", "99999999999999999999"], since: ["yesterday", "", "2024-13-45", "x", "+275760-09-13T00:00:01Z"] } },
  };
}

const QUERY_KEYS = ["top", "since", "caller", "policy", "api-version", "$filter", "$top", "x", "", "%", "a[b]", "__proto__"];

const HEADERS: Array<[string, () => string | string[]]> = [
  ["content-type", () => "text/plain"],
  ["content-type", () => "application/json; charset=utf-16"],
  ["content-type", () => "multipart/form-data; boundary=x"],
  ["content-type", () => ["application/json", "text/xml"]],
  ["accept", () => "application/xml"],
  ["accept-encoding", () => "gzip, br"],
  ["content-encoding", () => "gzip"],
  ["x-ms-client-request-id", () => "client-id-\u00e9"],
  ["x-ms-request-id", () => "spoofed-request-id"],
  ["x-http-method-override", () => "DELETE"],
  ["x-forwarded-for", () => "1.2.3.4, 5.6.7.8"],
  ["x-forwarded-host", () => "evil.example"],
  ["cookie", () => "a=b; session=x"],
  ["if-match", () => "*"],
  ["if-none-match", () => "\"etag\""],
  ["range", () => "bytes=0-1"],
  ["x-long", () => "v".repeat(6000)],
  ["x-latin1", () => "caf\u00e9 \u00ff"],
  ["origin", () => "null"],
];

export interface GenerateOptions {
  seed: number;
  count: number;
  routes: readonly RouteSpec[];
  fixture: FuzzFixture;
  /** A valid role for the route (the test signs a token per role). */
  role: (spec: RouteSpec, rng: Rng) => string;
}

export function generateRequests(o: GenerateOptions): FuzzRequest[] {
  const rng = new Rng(prng(o.seed));
  const config = routeFuzz(o.fixture);
  const out: FuzzRequest[] = [];
  for (let index = 0; index < o.count; index++) {
    const spec = rng.pick(o.routes);
    const f = config[spec.name] ?? {};
    const params = [...spec.route.matchAll(/\{\*?(\w+)[^}]*\}/g)].map((m) => m[1]);
    const why: string[] = [];
    let mustRefuse = spec.method !== "GET";
    let reroutes = false;

    // Path parameters: existing where safe, missing (well-formed, not there) or odd.
    let kinds: Record<string, ParamKind> = {};
    for (let attempt = 0; attempt < 50; attempt++) {
      kinds = {};
      for (const p of params) {
        const canExist = (f.existing?.[p]?.length ?? 0) > 0;
        const r = rng.next();
        kinds[p] = canExist && r < 0.4 ? "existing" : r < 0.6 ? "missing" : "odd";
      }
      if (!f.unsafe?.(kinds)) break;
    }
    let path = spec.route;
    for (const p of params) {
      let raw: string;
      if (kinds[p] === "existing") raw = rng.pick(f.existing![p]);
      else if (kinds[p] === "missing") raw = p === "objectId" ? `0b0b0b0b-0000-4000-8000-${String(rng.int(1e12)).padStart(12, "0")}` : `missing-${rng.int(1e6)}`;
      else raw = rng.chance(0.3) ? rng.string(40) : rng.pick(ODD_SEGMENTS);
      const { text, how } = kinds[p] === "odd" ? segmentText(rng, raw) : { text: encodeURIComponent(raw), how: "plain" };
      // A dot segment ("", ".", "..", "%2e") is resolved away by URL parsing, so the request may
      // land on another route (GET enterprisePolicies/. is the list): not a malformed id then.
      if (isDotSegment(text)) reroutes = true;
      else if (kinds[p] !== "existing") mustRefuse = true;
      why.push(`${p}=${kinds[p]}(${how}) ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}...(${raw.length})` : raw)}`);
      path = path.replace(new RegExp(`\\{\\*?${p}[^}]*\\}`), text);
    }

    // Body: the route's own breaking mutations or junk; GET and body-less routes get junk too sometimes.
    let body: Buffer | undefined;
    if (f.body && rng.chance(0.6)) {
      const b = f.body(rng, kinds);
      body = b.body;
      why.push(`body ${b.how}`);
    } else if (spec.method !== "GET" || rng.chance(0.1)) {
      if (spec.method !== "GET" || rng.chance(0.5)) {
        const b = junkBody(rng);
        body = b.body;
        why.push(`body ${b.how} (${b.body.length} bytes)`);
      }
    }
    if (spec.body?.kind === "json" && body === undefined) why.push("no body");

    // Query: random pairs, and now and then a value the route must refuse.
    const pairs: string[] = [];
    for (let i = rng.chance(0.5) ? rng.int(4) : 0; i > 0; i--) pairs.push(`${safeEncode(rng.pick(QUERY_KEYS))}=${segmentText(rng, rng.string(12)).text}`);
    if (f.badQuery && rng.chance(0.5)) {
      const key = rng.pick(Object.keys(f.badQuery));
      const value = rng.pick(f.badQuery[key]);
      // First occurrence is what URLSearchParams.get returns.
      pairs.unshift(`${key}=${safeEncode(value)}`);
      mustRefuse = true;
      why.push(`query ${key}=${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`);
    }
    const query = pairs.length ? `?${pairs.join("&")}` : rng.chance(0.05) ? "?" : "";
    if (query) why.push(`query ${query.slice(0, 80)}`);

    const headers: Record<string, string | string[]> = {};
    for (let i = rng.int(4); i > 0; i--) {
      const [name, value] = rng.pick(HEADERS);
      headers[name] = value();
    }
    if (Object.keys(headers).length) why.push(`headers ${Object.keys(headers).join(",")}`);

    out.push({ index, route: `${spec.method} ${spec.route}`, method: spec.method, path: `/api/${path}${query}`, headers, body, role: o.role(spec, rng), mustRefuse, reroutes, chunked: body !== undefined && rng.chance(0.2), why });
  }
  return out;
}

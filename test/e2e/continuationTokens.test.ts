// What a client sees of a listing's position: a sealed token. It names no storage key (no blind
// index, no row key), it continues only the listing that issued it (same tenant, environment and
// table), and any change to it is refused with 400 InvalidContinuationToken.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { services } from "../../shared/services";
import { allEntities } from "../data/support/raw";

let kw: Keyward;
let envA: string;
let envB: string;

const list = (env: string, table: string, query: string) => kw.user("GET", `environments/${env}/records/${table}?${query}`);
const tokenQuery = (token: string) => `top=2&continuationToken=${encodeURIComponent(token)}`;

beforeAll(async () => {
  kw = await Keyward.start();
  [envA, envB] = await Promise.all([kw.environment(), kw.environment()]);
  for (const env of [envA, envB]) {
    for (let i = 0; i < 5; i++) expect((await kw.user("PUT", `environments/${env}/records/orders/o${i}`, { i })).status).toBe(201);
    expect((await kw.user("PUT", `environments/${env}/records/other/x`, { x: 1 })).status).toBe(201);
  }
});
afterAll(async () => kw?.stop());

async function firstToken(env: string, table = "orders"): Promise<string> {
  const page = await list(env, table, "top=2");
  expect(page.status).toBe(200);
  expect(page.body.continuationToken).toEqual(expect.any(String));
  return page.body.continuationToken as string;
}

describe("continuation tokens", () => {
  it("page through every record once, and carry no storage key in any form", async () => {
    const rows = await allEntities(services().dataContext.naming.recordTable(await kw.dataIdOf(envA)));
    const storageKeys = rows.flatMap((r) => [String(r.rowKey), ...(typeof r.tx === "string" ? [r.tx] : [])]);
    expect(storageKeys.length).toBeGreaterThan(0);
    const seen: number[] = [];
    let query = "top=2";
    for (let pages = 0; pages < 10; pages++) {
      const page = await list(envA, "orders", query);
      expect(page.status).toBe(200);
      seen.push(...page.body.value.map((r: { value: { i: number } }) => r.value.i));
      const token: string | undefined = page.body.continuationToken;
      if (!token) break;
      const decoded = Buffer.from(token, "base64url");
      for (const key of storageKeys) {
        // Neither the key, nor a prefix long enough to find it, in the token or its decoding.
        for (const text of [token, decoded.toString("latin1"), decoded.toString("hex")]) expect(text).not.toContain(key.slice(0, 16));
      }
      expect(page.body.nextLink).toContain(encodeURIComponent(token));
      query = tokenQuery(token);
    }
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it("refuses a token of another environment, even for a table of the same name", async () => {
    const res = await list(envB, "orders", tokenQuery(await firstToken(envA)));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("InvalidContinuationToken");
    expect(JSON.stringify(res.body)).not.toMatch(/[0-9a-f]{32}/);
  });

  it("refuses a token of another table of the same environment", async () => {
    const res = await list(envA, "other", tokenQuery(await firstToken(envA)));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("InvalidContinuationToken");
  });

  it("refuses a token changed in any single character, truncated, or made up", async () => {
    const token = await firstToken(envA);
    // Not the last character: its low bits may be padding that decoding ignores.
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    const forged = [flip(token, 0), flip(token, 5), flip(token, Math.floor(token.length / 2)), flip(token, token.length - 2), token.slice(0, -4),
      Buffer.from(JSON.stringify({ v: 1, c: "x" })).toString("base64url"), "not a token"];
    for (const bad of forged) {
      const res = await list(envA, "orders", tokenQuery(bad));
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe("InvalidContinuationToken");
    }
    // The genuine token still works.
    expect((await list(envA, "orders", tokenQuery(token))).status).toBe(200);
  });
});

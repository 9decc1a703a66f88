import { inject } from "vitest";
import { randomBytes } from "node:crypto";

/** The connection string of the Azurite that test/support/globalSetup.ts started for this run. */
export function testStorage(): string {
  return inject("storageConnectionString");
}

/** A name prefix unique to one test, valid for tables (alphanumeric) and containers (lowercase). */
export function uniquePrefix(label = "t"): string {
  return `${label.replace(/[^a-z0-9]/gi, "").toLowerCase()}${randomBytes(4).toString("hex")}`;
}

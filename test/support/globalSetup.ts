// Starts one in-memory Azurite for the whole test run and hands its connection string to every
// test file through vitest's provide/inject.
import type { TestProject } from "vitest/node";
import { startAzurite, type RunningAzurite } from "../../local/azurite";

let azurite: RunningAzurite | undefined;

export async function setup(project: TestProject): Promise<void> {
  azurite = await startAzurite();
  project.provide("storageConnectionString", azurite.connectionString);
  process.env.KEYWARD_TEST_STORAGE = azurite.connectionString;
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    storageConnectionString: string;
  }
}

// The orchestration unit tests on their own, without the root config's global setup (which starts
// Azurite for the integration tests): they need no storage, no vault and no durable host.
//   npx vitest run --config test/orchestrations/vitest.config.mts
// `npx vitest run test/orchestrations` runs the same files under the root config (Azurite included).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/orchestrations/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    // The flows and the driver hold no state between files: one module load per worker, not per file.
    isolate: false,
  },
});

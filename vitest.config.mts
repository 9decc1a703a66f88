import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One Azurite for the whole run; each test file uses its own tables/containers (unique names).
    globalSetup: ["test/support/globalSetup.ts"],
    pool: "forks",
    // Integration tests talk to real servers over loopback; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
    // The harness defaults of the local vault (also for keyward started as `npm start` in a child
    // process, which would otherwise apply role changes 5 s late): role changes at once.
    env: { KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS: "0" },
  },
});

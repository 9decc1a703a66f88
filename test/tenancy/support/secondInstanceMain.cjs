// A second keyward instance, in its own process: the compiled app (dist/, built by `npm test`)
// on the runtime alone, with the first instance's app settings (its storage and state prefix,
// its token issuer, its vault), as a second Functions instance of one app shares them in Azure.
// Its task hub is its own (KEYWARD_TASK_HUB) so that only the first instance runs orchestrations.
// Prints {"apiBaseUrl"} on one line once it listens; exits on SIGTERM.
const path = require("node:path");
const root = path.resolve(__dirname, "../../..");
const settings = JSON.parse(process.env.KEYWARD_SECOND_INSTANCE_SETTINGS || "{}");
Object.assign(process.env, settings);
require(path.join(root, "dist/local/functionsCore.js"));
require(path.join(root, "dist/app.js"));
const { startRuntime } = require(path.join(root, "dist/local/runtime.js"));

startRuntime({ storageConnectionString: settings.AzureWebJobsStorage, taskHub: settings.KEYWARD_TASK_HUB, port: 0, timers: false, log: () => undefined })
  .then((runtime) => {
    process.stdout.write(`${JSON.stringify({ apiBaseUrl: runtime.apiBaseUrl })}\n`);
    process.on("SIGTERM", () => runtime.stop().finally(() => process.exit(0)));
  })
  .catch((err) => {
    process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  });

// The Functions app's entry point (package.json "main"): the Azure Functions host and keyward's
// embedded runtime both load this file. HTTP, Event Grid and timer functions register themselves
// on import; orchestrations and activities are registered from their tables, the activities with
// the composition root (shared/services.ts), which builds the services each call gets.
import { app } from "@azure/functions";
import { services } from "./shared/services";
import { activities, registerActivities } from "./activities";
import { registerOrchestrations } from "./orchestrations";
import { HTTP_STREAMING } from "./shared/http/streaming";
import path from "node:path";
import { setCodeVersion } from "./shared/operations/codeVersion";
import { codeVersionOfFolder } from "./shared/operations/codeVersionOfFolder";

app.setup({ enableHttpStream: HTTP_STREAMING });

import "./functions/index";
// Every orchestration starts stamped with this deployment's orchestration code version, and one
// stamped with another fails at its next replay instead of diverging (shared/operations/codeVersion.ts).
setCodeVersion(codeVersionOfFolder(path.join(__dirname, "orchestrations"), __dirname));
registerOrchestrations();
registerActivities(activities, services);

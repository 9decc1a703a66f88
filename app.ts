// The Functions app's entry point (package.json "main"): the Azure Functions host and keyward's
// embedded runtime both load this file. HTTP, Event Grid and timer functions register themselves
// on import; orchestrations and activities are registered from their tables, the activities with
// the composition root (shared/services.ts), which builds the services each call gets.
import { app } from "@azure/functions";
import { services } from "./shared/services";
import { activities, registerActivities } from "./activities";
import { registerOrchestrations } from "./orchestrations";
import { HTTP_STREAMING } from "./shared/http/streaming";

app.setup({ enableHttpStream: HTTP_STREAMING });

import "./functions/index";
registerOrchestrations();
registerActivities(activities, services);

// The Functions app's entry point (package.json "main"): the Azure Functions host and keyward's
// embedded runtime both load this file, and every function registers itself on import.
import { app } from "@azure/functions";

app.setup({ enableHttpStream: false });

import "./functions/index";
import "./orchestrations/index";
import "./activities/index";

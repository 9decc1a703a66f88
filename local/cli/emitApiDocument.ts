// `npm run build` writes dist/openapi.json: the OpenAPI document the app serves, built from the
// route catalog the same way, so the CLI's help can show each command's route, parameters and
// body fields from the routes' own declarations without a running keyward.
import "../functionsCore"; // before the app registers anything, as the runtime does
import fs from "node:fs";
import path from "node:path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
require("../../app");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { currentApiDocument } = require("../../functions/openapi") as typeof import("../../functions/openapi");

const out = path.resolve(__dirname, "../../openapi.json"); // dist/openapi.json
fs.writeFileSync(out, `${JSON.stringify(currentApiDocument(), null, 2)}\n`);

// The file local/azurite.ts preloads (`node --require`) into the Azurite Tables process: it
// installs the partition index (azuriteTableIndex.ts) into the Azurite that process runs.
import path from "node:path";
import { installPartitionIndex } from "./azuriteTableIndex";

installPartitionIndex(path.dirname(require.resolve("azurite/package.json")));

// Every HTTP, Event Grid and timer function. Importing a file registers its functions.
import "./health";
import "./policies/putPolicy";
import "./policies/getPolicies";
import "./policies/deletePolicy";
import "./policies/readers";
import "./environments/getEnvironment";
import "./environments/listEnvironments";
import "./environments/getHistory";
import "./environments/getOperation";
import "./environments/enableManaged";
import "./tenant/licenses";
import "./audit/getAudit";

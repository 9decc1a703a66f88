// The durableClient input binding value (OrchestrationClientInputData) the extension hands to
// client functions. durable-functions' DurableClient sends every call to `rpcBaseUrl`; the
// management URLs are what createCheckStatusResponse returns to callers.
const INSTANCE_PLACEHOLDER = "INSTANCEID";

export interface DurableClientData {
  taskHubName: string;
  creationUrls: { createNewInstancePostUri: string; createAndWaitOnNewInstancePostUri: string };
  managementUrls: ManagementUrls;
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl: string;
  httpBaseUrl: string;
}

export interface ManagementUrls {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  rewindPostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

/** Path prefixes under which the durable HTTP API is served. */
export const DURABLE_WEBHOOK_PREFIX = "/runtime/webhooks/durabletask/";
export const DURABLE_RPC_PREFIX = "/durabletask/";

/** `systemKey`: the durabletask_extension key the webhooks need, added as `code=` as the extension does. */
export function buildClientData(origin: string, taskHub: string, options: { rpcOrigin?: string; systemKey?: string } = {}): DurableClientData {
  const base = `${origin}${DURABLE_WEBHOOK_PREFIX.slice(0, -1)}`;
  const query = `taskHub=${taskHub}&connection=Storage${options.systemKey ? `&code=${encodeURIComponent(options.systemKey)}` : ""}`;
  return {
    taskHubName: taskHub,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${query}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
    },
    managementUrls: managementUrlsFor(origin, taskHub, INSTANCE_PLACEHOLDER, options.systemKey),
    baseUrl: base,
    requiredQueryStringParameters: query,
    rpcBaseUrl: `${options.rpcOrigin ?? origin}${DURABLE_RPC_PREFIX}`,
    httpBaseUrl: base,
  };
}

export function managementUrlsFor(origin: string, taskHub: string, instanceId: string, systemKey?: string): ManagementUrls {
  const instance = `${origin}${DURABLE_WEBHOOK_PREFIX}instances/${instanceId === INSTANCE_PLACEHOLDER ? instanceId : encodeURIComponent(instanceId)}`;
  const query = `taskHub=${taskHub}&connection=Storage${systemKey ? `&code=${encodeURIComponent(systemKey)}` : ""}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${instance}?${query}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${instance}?${query}`,
    restartPostUri: `${instance}/restart?${query}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
    resumePostUri: `${instance}/resume?reason={text}&${query}`,
  };
}

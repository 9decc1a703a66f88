// Event Grid delivery the way the Functions host takes it: POST
// /runtime/webhooks/eventgrid?functionName=<name> with an array of Event Grid schema events, or
// CloudEvents (one, or a batch array). The named app.eventGrid function runs once per event.
// The subscription validation handshakes are answered here, never passed to the function:
// Event Grid schema -> {validationResponse}; CloudEvents -> OPTIONS with WebHook-Allowed-Origin.
import { getFunction } from "../functionsCore";
import { createInvocationContext, type InvocationEnvironment } from "../invocation";

export const EVENT_GRID_PATH = "/runtime/webhooks/eventgrid";
const VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent";
const SUBSCRIPTION_DELETED_EVENT = "Microsoft.EventGrid.SubscriptionDeletedEvent";

export interface EventGridCall {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
}

export interface EventGridReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The type of an event in either schema. */
function typeOf(event: Record<string, unknown>): unknown {
  return event.specversion !== undefined ? event.type : event.eventType;
}

export async function handleEventGrid(call: EventGridCall, env: InvocationEnvironment): Promise<EventGridReply> {
  if (call.method === "OPTIONS") {
    // CloudEvents abuse protection: echo the origin to allow deliveries from it.
    const origin = call.headers["webhook-request-origin"];
    return origin ? { status: 200, headers: { "WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*" } } : { status: 400, body: { error: "missing WebHook-Request-Origin" } };
  }
  if (call.method !== "POST") return { status: 405, body: { error: "Event Grid deliveries are POSTs" } };
  const functionName = call.url.searchParams.get("functionName");
  if (!functionName) return { status: 400, body: { error: "the functionName query parameter is required" } };
  const fn = getFunction(functionName);
  if (!fn || fn.trigger.type !== "eventGridTrigger") return { status: 404, body: { error: `no Event Grid function named '${functionName}'` } };

  let parsed: unknown;
  try {
    parsed = JSON.parse(call.body.toString("utf8"));
  } catch {
    return { status: 400, body: { error: "the body is not JSON" } };
  }
  const events = (Array.isArray(parsed) ? parsed : [parsed]).filter(isRecord);
  if (events.length === 0) return { status: 400, body: { error: "no events in the body" } };

  const validation = events.find((e) => typeOf(e) === VALIDATION_EVENT);
  if (validation) {
    const data = isRecord(validation.data) ? validation.data : {};
    env.log(`[eventgrid] subscription validation for ${functionName}`);
    return { status: 200, body: { validationResponse: data.validationCode } };
  }

  for (const event of events) {
    if (typeOf(event) === SUBSCRIPTION_DELETED_EVENT) continue;
    const context = createInvocationContext(fn, env, { ...event });
    await fn.callback(event, context); // a throw becomes a 500, so Event Grid would redeliver
  }
  return { status: 202 };
}

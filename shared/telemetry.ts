// Telemetry through applicationinsights, off unless APPLICATIONINSIGHTS_CONNECTION_STRING is set.
// Only names, counts and statuses go out: never a key, a DEK, a token or a record value.
import type { TelemetryClient } from "applicationinsights";

let client: TelemetryClient | null | undefined;

function telemetry(): TelemetryClient | null {
  if (client !== undefined) return client;
  const connectionString = process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (!connectionString) return (client = null);
  // Loaded only when configured: it starts OpenTelemetry instrumentation on import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const appInsights = require("applicationinsights") as typeof import("applicationinsights");
  appInsights.setup(connectionString).setAutoCollectConsole(false).start();
  return (client = appInsights.defaultClient);
}

export function trackEvent(name: string, properties: Record<string, string | number | boolean> = {}): void {
  telemetry()?.trackEvent({ name, properties });
}

export function trackMetric(name: string, value: number, properties: Record<string, string> = {}): void {
  telemetry()?.trackMetric({ name, value, properties });
}

// The items keyward's telemetry sends: events, metrics, requests and dependencies.

export type TelemetryProperties = Record<string, string | number | boolean>;

export type TelemetryItem =
  | { kind: "event"; name: string; properties: TelemetryProperties }
  | { kind: "metric"; name: string; value: number; properties: TelemetryProperties }
  | { kind: "request"; id: string; name: string; url: string; durationMs: number; resultCode: string; success: boolean; properties: TelemetryProperties }
  | { kind: "dependency"; type: string; name: string; target: string; data: string; durationMs: number; resultCode: string; success: boolean };

/** Receives every item instead of Application Insights (tests). */
export type TelemetrySink = (item: TelemetryItem) => void;

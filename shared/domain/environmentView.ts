// The environment as the API returns it (the OpenAPI document's Environment schema).
import type { Environment } from "./environment";

export function environmentView(e: Environment): Record<string, unknown> {
  const enc = e.encryption;
  return {
    id: e.id,
    displayName: e.displayName,
    region: e.region,
    type: e.type,
    managed: e.managed,
    state: e.state,
    ...(e.dataOperation ? { dataOperation: e.dataOperation } : {}),
    encryption: {
      keyType: enc.keyType,
      policy: enc.policy ?? null,
      keyId: enc.keyId ?? null,
      status: enc.status,
      progress: enc.progress ?? null,
      lockedReason: enc.lockedReason ?? null,
      ...(enc.warning ? { warning: enc.warning } : {}),
      ...(enc.activeOperationId ? { activeOperationId: enc.activeOperationId } : {}),
    },
    createdAt: e.createdAt,
  };
}

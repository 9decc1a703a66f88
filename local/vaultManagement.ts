// A client for the local vault's management API (the local stand-in for ARM and the portal):
// vaults, role assignments, faults, event subscriptions. It speaks HTTPS to a self-signed CA, so
// it trusts that CA explicitly rather than turning verification off.
import https from "node:https";

export interface VaultManagementTarget {
  managementUrl: string;
  caCertPem: string;
}

export async function manage<T = unknown>(target: VaultManagementTarget, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const url = new URL(`${target.managementUrl.replace(/\/$/, "")}/${path.replace(/^\//, "")}`);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method, ca: target.caCertPem,
      headers: payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {},
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown = text;
        try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, body: parsed as T });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** Like manage(), but throws unless the answer is 2xx. */
export async function manageOk<T = unknown>(target: VaultManagementTarget, method: string, path: string, body?: unknown): Promise<T> {
  const res = await manage<T>(target, method, path, body);
  if (res.status < 200 || res.status > 299) throw new Error(`local vault ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface LocalVaultInfo {
  name: string;
  id: string;
  vaultUri: string;
}

export function createVault(target: VaultManagementTarget, name: string, properties: { softDelete?: boolean; purgeProtection?: boolean; retentionDays?: number; kind?: "vault" | "managedHsm" } = {}) {
  return manageOk<LocalVaultInfo>(target, "PUT", `/vaults/${name}`, { softDelete: true, purgeProtection: true, retentionDays: 90, ...properties });
}

export function assignRole(target: VaultManagementTarget, id: string, assignment: { principalId: string; roleDefinitionName: string; scope: string }) {
  return manageOk(target, "PUT", `/roleAssignments/${id}`, assignment);
}

export function deleteRoleAssignment(target: VaultManagementTarget, id: string) {
  return manageOk(target, "DELETE", `/roleAssignments/${id}`);
}

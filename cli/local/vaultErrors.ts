// The local vault's failures in the CLI's terms: a refusal by the vault (Key Vault's
// {"error": {"code", "message"}}, through the SDK or the management API) becomes an ApiCallError,
// printed as `error: <code>: <message>`, exit 1; a vault that does not answer says to start it.
import { ApiCallError } from "../client";
import { ConfigError } from "../errors";
import { LocalVaultManagementError } from "../../local/keyvault/managementClient";

interface SdkError {
  statusCode?: number;
  code?: string;
  message?: string;
}

export function toCliError(err: unknown, where: string): unknown {
  if (err instanceof ApiCallError || err instanceof ConfigError) return err;
  if (err instanceof LocalVaultManagementError) {
    const e = (err.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    return new ApiCallError(err.status, e?.code ?? `Http${err.status}`, e?.message ?? err.message);
  }
  const sdk = err as SdkError;
  if (typeof sdk?.statusCode === "number") {
    // The SDK's message for a service error is the service's own message.
    return new ApiCallError(sdk.statusCode, sdk.code ?? `Http${sdk.statusCode}`, sdk.message ?? "");
  }
  const code = sdk?.code ?? (err as { cause?: { code?: string } })?.cause?.code;
  // The local agent answers a vault name it does not host as DNS would.
  if (code === "ENOTFOUND") {
    return new ApiCallError(404, "VaultNotFound", `There is no vault ${where} in the local Key Vault ('keyward local keyvault create --name <vault>' makes one).`);
  }
  if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) {
    return new ConfigError(`The local Key Vault (${where}) does not answer (${code}): is 'npm start' running?`);
  }
  return err;
}

/** Runs a call to the local vault, turning its failures into the CLI's. */
export async function vaultCall<T>(where: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toCliError(err, where);
  }
}

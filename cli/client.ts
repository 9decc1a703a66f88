// The CLI's HTTP client: the API base URL and a bearer token per role, from the environment
// (KEYWARD_API, KEYWARD_TOKEN) or, for the embedded default, from .keyward/local.json that
// `npm start` writes (a token per role there, so each command uses the role it needs). Errors
// come back as ApiCallError with the API's code and message.
import { LOCAL_FILE, type LocalFile } from "../local/cli/localFile";
import { readLocalFileIfPresent } from "./localFileReader";
import { ConfigError } from "./errors";

export { ConfigError };

export type Role = "Keys.Admin" | "Platform.Admin" | "Environment.User";
export const ROLES: readonly Role[] = ["Keys.Admin", "Platform.Admin", "Environment.User"];

export interface CliEnvironment {
  KEYWARD_API?: string;
  KEYWARD_TOKEN?: string;
  [name: string]: string | undefined;
}

export class ApiCallError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly target?: string) {
    super(message);
    this.name = "ApiCallError";
  }
}


export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ClientOptions {
  env: CliEnvironment;
  /** --api overrides KEYWARD_API and the local file. */
  api?: string;
  /** --as: use this role's token from the local file instead of each command's own. */
  as?: Role;
  fetch?: typeof fetch;
  /** Where `npm start` wrote its endpoints and tokens (default .keyward/local.json). */
  localFilePath?: string;
}

export class ApiClient {
  private local: LocalFile | undefined | null = null;
  readonly baseUrl: string;

  constructor(private readonly options: ClientOptions) {
    const base = options.api ?? options.env.KEYWARD_API ?? this.localFile()?.apiBaseUrl;
    if (!base) throw new ConfigError(`No API address: set KEYWARD_API (e.g. https://<app>.azurewebsites.net/api), pass --api, or start the local one with 'npm start' (which writes ${this.localFilePath}).`);
    this.baseUrl = base.replace(/\/+$/, "");
  }

  private get localFilePath(): string {
    return this.options.localFilePath ?? LOCAL_FILE;
  }

  private localFile(): LocalFile | undefined {
    if (this.local === null) this.local = readLocalFileIfPresent(this.localFilePath);
    return this.local;
  }

  /** KEYWARD_TOKEN when set (the caller chose the principal); else the local file's token for the role. */
  token(role: Role): string {
    if (this.options.env.KEYWARD_TOKEN) return this.options.env.KEYWARD_TOKEN;
    const local = this.localFile();
    const token = local?.tokens[this.options.as ?? role];
    if (!token) throw new ConfigError(`No token: set KEYWARD_TOKEN to a bearer token with the ${role} role, or start the local keyward with 'npm start' (which writes ${this.localFilePath}).`);
    return token;
  }

  async request<T = any>(role: Role, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token(role)}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const url = `${this.baseUrl}/${path.replace(/^\/+/, "")}`;
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiCallError(0, "ConnectionFailed", `Cannot reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    if (text && (res.headers.get("content-type") ?? "").includes("json")) {
      try { parsed = JSON.parse(text); } catch { /* keep the text */ }
    }
    if (res.status >= 400) throw toApiError(res.status, parsed, text);
    return { status: res.status, body: (text ? parsed : undefined) as T, headers: res.headers };
  }
}

/** The API's `{"error": {"code", "message", "target"}}`, or the best the answer allows. */
function toApiError(status: number, body: unknown, text: string): ApiCallError {
  const error = (body as { error?: unknown } | null)?.error;
  if (error && typeof error === "object") {
    const e = error as { code?: unknown; message?: unknown; target?: unknown };
    return new ApiCallError(status, String(e.code ?? `Http${status}`), String(e.message ?? ""), typeof e.target === "string" ? e.target : undefined);
  }
  const message = typeof (body as { message?: unknown } | null)?.message === "string" ? (body as { message: string }).message : text.slice(0, 300);
  const code = typeof error === "string" ? error.replace(/\s+/g, "") : `Http${status}`;
  return new ApiCallError(status, code, message || `The API answered ${status}.`);
}

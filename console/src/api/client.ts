// Calls the API with the signed-in user's bearer token. Every failure becomes an ApiFailure that
// names what was tried (method and path) with the API's own code and message; nothing is retried
// here: the page that asked shows the failure and the user decides.
import type { ApiErrorBody } from "./types";

export type TokenSource = () => Promise<string>;

export class ApiFailure extends Error {
  constructor(
    /** What was tried, e.g. "POST /api/enterprisePolicies/p/environments". */
    readonly attempted: string,
    /** HTTP status, or 0 when the API could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  return typeof body === "object" && body !== null && typeof (body as ApiErrorBody).error?.code === "string";
}

export class ApiClient {
  constructor(private readonly token: TokenSource, private readonly base = "/api") {}

  async call<T>(method: "GET" | "PUT" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
    const url = `${this.base}/${path.replace(/^\//, "")}`;
    const attempted = `${method} ${url}`;
    let res: Response;
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${await this.token()}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiFailure(attempted, 0, "NetworkError", `The API did not answer: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      if (isErrorBody(parsed)) throw new ApiFailure(attempted, res.status, parsed.error.code, parsed.error.message);
      throw new ApiFailure(attempted, res.status, `Http${res.status}`, text.slice(0, 300) || res.statusText);
    }
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }
}

/** A name in a path, escaped. */
export const seg = (value: string) => encodeURIComponent(value);

// The one error type the HTTP layer maps to `{"error": {"code", "message", "target"}}`.
// Throw it for anything a caller can act on; anything else becomes a 500 with no details.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  toBody(): { error: { code: string; message: string; target?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.target ? { target: this.target } : {}) } };
  }
}

export const badRequest = (code: string, message: string, target?: string) => new ApiError(400, code, message, target);
export const notFound = (code: string, message: string, target?: string) => new ApiError(404, code, message, target);
export const conflict = (code: string, message: string, target?: string) => new ApiError(409, code, message, target);
export const forbidden = (code: string, message: string, target?: string) => new ApiError(403, code, message, target);

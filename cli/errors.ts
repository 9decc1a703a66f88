// The CLI's own errors (the API's come back as ApiCallError in client.ts). main.ts turns each into
// a message and an exit code.

/** The CLI is not set up to reach what it needs (no API address, no token, no local file). */
export class ConfigError extends Error {}

/**
 * A `keyward local` command was pointed at something that is not the embedded default's local
 * vault (an Azure vault URL, a remote KEYWARD_API, a scope outside the local vaults). Nothing was changed.
 */
export class NotLocalError extends Error {}

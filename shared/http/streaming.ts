// Whether HTTP functions get their request bodies as a stream (app.setup's enableHttpStream,
// Functions host 4.28+). On: a body past its limit is refused (413) as soon as the limit is
// passed, while the client is still sending, instead of after the host has buffered all of it
// (up to the host's 100 MB). The embedded runtime (local/http/server.ts) reads the same flag, so
// it streams exactly when Azure would.
export const HTTP_STREAMING = true;

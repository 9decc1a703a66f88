// A mistake in a test or in the fake itself (a missing stub, an unsupported context method, a
// flow that never ends). It aborts the run: it is never thrown into the generator, where a flow's
// catch would turn it into an ordinary failure and hide it.
export class DriverError extends Error {
  override name = "DriverError";
}

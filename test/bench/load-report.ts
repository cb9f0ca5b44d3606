/** What one load-generator run sent and how Faultline responded. */
export interface LoadReport {
  durationMs: number;
  concurrency: number;
  /** Export calls that completed with OK. */
  requestsSent: number;
  /** Spans in OK calls minus the spans the responses' `partial_success` rejected. */
  acceptedSpans: number;
  /** Traces in OK calls. Each request contains whole traces. */
  tracesSent: number;
  /** Traces in OK calls that carry a failure. */
  failingTracesSent: number;
  /** Spans `partial_success` rejected. */
  rejectedSpans: number;
  /** UNAVAILABLE responses that were retried after the pushback. */
  backPressureRetries: number;
  /** Time spent waiting for pushbacks, summed over all concurrent senders, in ms. */
  backPressureWaitMs: number;
  /** The generator's own CPU time over the run's wall time, in percent of one core. */
  cpuPercent: number;
  /** Failed calls other than back-pressure (UNAVAILABLE with a pushback), by gRPC status name. */
  errorsByCode: Record<string, number>;
}

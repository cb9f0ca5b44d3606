import { status } from '@grpc/grpc-js';

/** Errors of one control call. The engine retries only `retryable` failures. */

/** gRPC codes worth another attempt: the server was unreachable, too slow or overloaded. */
const RETRYABLE_CODES: ReadonlySet<status> = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED]);

/** gRPC codes that count against a target's circuit breaker: the server is failing, not the request. */
const BREAKER_CODES: ReadonlySet<status> = new Set([...RETRYABLE_CODES, status.INTERNAL, status.UNKNOWN]);

/** The call ended with a gRPC status other than OK. */
export class ControlCallError extends Error {
  override readonly name = 'ControlCallError';

  constructor(
    readonly code: status,
    readonly endpoint: string,
    details: string,
    /** The server's `grpc-retry-pushback-ms` trailer: a wait before the next attempt, negative for "do not retry". */
    readonly pushbackMs: number | undefined,
    options?: ErrorOptions,
  ) {
    super(`control call to ${endpoint} failed with ${status[code]}: ${details}`, options);
  }

  /** True when another attempt may succeed and the server did not ask to stop retrying. */
  get retryable(): boolean {
    if (this.pushbackMs !== undefined && this.pushbackMs < 0) return false;
    return RETRYABLE_CODES.has(this.code);
  }

  /** True when the failure shows the target is unhealthy, so it counts toward opening the breaker. */
  get countsAgainstTarget(): boolean {
    return BREAKER_CODES.has(this.code);
  }
}

/** The server returned OUTCOME_REJECTED or OUTCOME_UNSPECIFIED, so a retry would fail the same way. */
export class ActionRejectedError extends Error {
  override readonly name = 'ActionRejectedError';

  constructor(
    readonly endpoint: string,
    readonly serverMessage: string,
  ) {
    super(`control endpoint ${endpoint} rejected the action: ${serverMessage}`);
  }
}

/** Health checks found no serving endpoint of the target, so no call was made. */
export class NoHealthyEndpointError extends Error {
  override readonly name = 'NoHealthyEndpointError';

  constructor(readonly target: string) {
    super(`target ${target} has no healthy endpoint`);
  }
}

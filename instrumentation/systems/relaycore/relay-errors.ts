/**
 * Errors of a routed request. Each carries the HTTP status RelayCore responds with, and marks
 * whether the provider could not be reached, because only that opens a provider's circuit.
 */
export abstract class RelayError extends Error {
  abstract readonly httpStatus: number;
  /** True when the provider could not be reached or refused service. */
  readonly providerUnavailable: boolean = false;
}

/** A route names a provider that RelayCore does not have: the routing table is wrong. */
export class RoutingError extends RelayError {
  readonly httpStatus = 500;

  constructor(model: string, provider: string) {
    super(`route for model ${model} names provider ${JSON.stringify(provider)}, which is not configured`);
    this.name = 'RoutingError';
  }
}

/** The provider could not be reached or refused service. */
export class ProviderUnavailableError extends RelayError {
  readonly httpStatus = 503;
  override readonly providerUnavailable = true;

  constructor(provider: string, detail: string, options?: ErrorOptions) {
    super(`provider ${provider} is unavailable: ${detail}`, options);
    this.name = 'ProviderUnavailableError';
  }
}

/** The provider's circuit is open after repeated unavailability, so the request failed without calling it. */
export class CircuitOpenError extends RelayError {
  readonly httpStatus = 503;

  constructor(provider: string) {
    super(`provider ${provider} is unavailable: its circuit is open after repeated failures`);
    this.name = 'CircuitOpenError';
  }
}

/** The provider did not respond within RelayCore's deadline. */
export class ProviderTimeoutError extends RelayError {
  readonly httpStatus = 504;

  constructor(provider: string, deadlineMs: number, options?: ErrorOptions) {
    super(`provider ${provider} timed out after ${deadlineMs} ms`, options);
    this.name = 'ProviderTimeoutError';
  }
}

/** The provider responded with an error. */
export class ProviderCallError extends RelayError {
  readonly httpStatus = 502;

  constructor(provider: string, detail: string, options?: ErrorOptions) {
    super(`provider ${provider} failed: ${detail}`, options);
    this.name = 'ProviderCallError';
  }
}

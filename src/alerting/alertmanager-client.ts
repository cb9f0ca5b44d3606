import type { PostableAlert } from './incident-alert.js';

/** The path of Alertmanager's v2 API that takes alerts, below the configured base URL. */
export const ALERTS_PATH = 'api/v2/alerts';

/** The maximum number of characters of an error response body quoted in an error message. */
const MAX_QUOTED_BODY_CHARS = 200;

/**
 * A request to Alertmanager failed. `retryable` is true for connection errors, timeouts, 429
 * and 5xx responses, because those may succeed later. Other 4xx responses mean the request
 * itself is invalid, so they are not retried.
 */
export class AlertmanagerRequestError extends Error {
  override readonly name = 'AlertmanagerRequestError';

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly statusCode: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface AlertmanagerClientOptions {
  /** The Alertmanager base URL from the config. */
  endpoint: string;
  /** The deadline of each request. */
  timeoutMs: number;
  /** Headers sent with every request, such as Authorization. */
  headers: Record<string, string>;
}

/** Posts alerts to Alertmanager's `POST /api/v2/alerts`. */
export class AlertmanagerClient {
  /** The full URL alerts are posted to. */
  readonly alertsUrl: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;

  constructor(options: AlertmanagerClientOptions) {
    const base = options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`;
    this.alertsUrl = new URL(ALERTS_PATH, base).toString();
    this.timeoutMs = options.timeoutMs;
    this.headers = options.headers;
  }

  /**
   * Posts one batch of alerts. Resolves when Alertmanager accepted them (2xx). Throws
   * AlertmanagerRequestError otherwise; when `signal` aborts, the request stops and the error is
   * not retryable.
   */
  async postAlerts(alerts: readonly PostableAlert[], signal: AbortSignal): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new RequestTimeoutError(this.timeoutMs)), this.timeoutMs);
    const stop = (): void => controller.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();

    try {
      const response = await this.send(alerts, controller.signal);
      const body = await response.text();
      if (response.ok) return;
      throw new AlertmanagerRequestError(
        `alertmanager rejected ${alerts.length} alerts with HTTP ${response.status}: ${body.slice(0, MAX_QUOTED_BODY_CHARS)}`,
        response.status >= 500 || response.status === 429,
        response.status,
      );
    } catch (error) {
      throw this.describeFailure(error, controller.signal, signal);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
  }

  private async send(alerts: readonly PostableAlert[], signal: AbortSignal): Promise<Response> {
    return fetch(this.alertsUrl, {
      method: 'POST',
      headers: { ...this.headers, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(alerts),
      signal,
      redirect: 'error',
    });
  }

  private describeFailure(error: unknown, requestSignal: AbortSignal, callerSignal: AbortSignal): AlertmanagerRequestError {
    if (error instanceof AlertmanagerRequestError) return error;
    if (callerSignal.aborted) return new AlertmanagerRequestError(`request to ${this.alertsUrl} aborted`, false, undefined, { cause: error });
    if (requestSignal.reason instanceof RequestTimeoutError) {
      return new AlertmanagerRequestError(`request to ${this.alertsUrl} timed out after ${this.timeoutMs} ms`, true, undefined, { cause: error });
    }
    const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return new AlertmanagerRequestError(`request to ${this.alertsUrl} failed: ${reason}`, true, undefined, { cause: error });
  }
}

class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';

  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

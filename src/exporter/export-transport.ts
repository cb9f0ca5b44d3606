import type { SendResult } from './send-result.js';

/** Sends encoded `ExportTraceServiceRequest` bytes to one backend over one protocol. */
export interface ExportTransport {
  /** The destination of requests (`host:port` or a URL), for logs and the status. */
  readonly endpoint: string;
  /**
   * Sends one request within the exporter's `timeout`. Never rejects: every failure, an
   * aborted `signal` included, becomes a retryable or permanent result.
   */
  send(body: Uint8Array, signal: AbortSignal): Promise<SendResult>;
  /** Closes connections; `send` must not be called afterwards. */
  close(): void;
}

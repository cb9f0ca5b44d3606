import type { ApiClient } from './api-client.js';
import { UnauthorizedError } from './api-errors.js';
import { SseParser, type ServerSentEvent } from './sse-parser.js';

/** First reconnect delay; it doubles after each failed attempt up to the maximum. */
export const INITIAL_RECONNECT_DELAY_MS = 1_000;
export const MAX_RECONNECT_DELAY_MS = 30_000;

/**
 * The connection to `GET /api/v1/events`:
 * - `connecting`: a request is open and no response has arrived;
 * - `live`: the stream is open and events arrive;
 * - `waiting`: the stream ended or failed, and a reconnect is scheduled;
 * - `unauthorized`: the server rejected the token; nothing reconnects until a new token.
 */
export type StreamState = 'connecting' | 'live' | 'waiting' | 'unauthorized';

export interface EventStreamHandlers {
  /** Called each time the stream opens, including after a reconnect, so views can re-fetch what they missed. */
  onOpen(): void;
  onEvent(event: ServerSentEvent): void;
  onStateChange(state: StreamState): void;
}

/**
 * Reads the event stream with fetch(), so the Authorization header can be sent (EventSource
 * cannot send it), and reconnects with exponential backoff and jitter until closed.
 */
export class EventStream {
  private readonly abort = new AbortController();
  private delayMs = INITIAL_RECONNECT_DELAY_MS;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly handlers: EventStreamHandlers,
  ) {
    void this.connect();
  }

  close(): void {
    this.abort.abort();
    clearTimeout(this.timer);
  }

  private async connect(): Promise<void> {
    this.handlers.onStateChange('connecting');
    const parser = new SseParser();
    try {
      const response = await this.client.openEvents(this.abort.signal);
      if (response.body === null) throw new Error('the event stream response has no body');
      this.delayMs = INITIAL_RECONNECT_DELAY_MS;
      this.handlers.onStateChange('live');
      this.handlers.onOpen();
      await this.read(response.body, parser);
    } catch (error) {
      if (this.abort.signal.aborted) return;
      if (error instanceof UnauthorizedError) {
        this.handlers.onStateChange('unauthorized');
        return;
      }
    }
    if (this.abort.signal.aborted) return;
    this.scheduleReconnect(parser.retryMs);
  }

  private async read(body: ReadableStream<Uint8Array>, parser: SseParser): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      for (const event of parser.push(decoder.decode(value, { stream: true }))) this.handlers.onEvent(event);
    }
  }

  private scheduleReconnect(serverRetryMs: number | undefined): void {
    this.handlers.onStateChange('waiting');
    const baseMs = Math.max(this.delayMs, serverRetryMs ?? 0);
    // Jitter of up to a quarter spreads reconnects of many open dashboards after a restart.
    const waitMs = baseMs * (0.75 + Math.random() * 0.25);
    this.delayMs = Math.min(this.delayMs * 2, MAX_RECONNECT_DELAY_MS);
    this.timer = setTimeout(() => void this.connect(), waitMs);
  }
}

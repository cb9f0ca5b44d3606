import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ApiError } from './api-error.js';
import { toIncidentView } from './incident-view.js';
import { toJson } from './json-io.js';
import type { StatusEvent } from './status-events.js';
import type { StatusSource } from './status-source.js';

/** A comment line sent this often keeps proxies and clients from closing an idle stream. */
export const KEEPALIVE_INTERVAL_MS = 15_000;

/** Streams open at once; past it, new ones get 503. */
export const MAX_EVENT_STREAMS = 256;

/** A client that has this much unsent data is too slow to follow; its stream is closed. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

interface Subscriber {
  response: ServerResponse;
  /** Ends the stream when the token expires; undefined without auth. */
  expiryTimer: NodeJS.Timeout | undefined;
}

/**
 * `GET /api/v1/events`: Server-Sent Events for every incident change (`event: incident`) and
 * every recovery audit record (`event: recovery`), with a `: keepalive` comment every 15 s.
 * A stream opened with a token ends when the token expires, so the client must reconnect
 * with a fresh one.
 */
export class EventStreamHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly logger: Logger;
  private unsubscribe: (() => void) | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: StatusSource,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: 'status_events' });
  }

  /** Subscribes to the source and starts the keepalive timer. Idempotent. */
  start(): void {
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.source.subscribe((event) => this.broadcast(event));
    this.keepaliveTimer = setInterval(() => this.writeAll(': keepalive\n\n'), KEEPALIVE_INTERVAL_MS);
    this.keepaliveTimer.unref();
  }

  /** Ends every stream and unsubscribes. Idempotent. */
  shutdown(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.keepaliveTimer);
    for (const subscriber of [...this.subscribers]) this.close(subscriber);
  }

  /** Number of open streams. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Turns the response into an event stream until the client disconnects or `expiresAtMs` passes. */
  open(response: ServerResponse, expiresAtMs: number | undefined): void {
    if (this.subscribers.size >= MAX_EVENT_STREAMS) {
      throw new ApiError(503, `too many event streams open (maximum ${MAX_EVENT_STREAMS}); close one and retry`, { 'retry-after': '5' });
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    if (response.req.method === 'HEAD') {
      response.end();
      return;
    }
    response.write(': connected\n\n');

    const subscriber: Subscriber = { response, expiryTimer: undefined };
    if (expiresAtMs !== undefined) {
      subscriber.expiryTimer = setTimeout(() => this.close(subscriber), Math.max(0, expiresAtMs - Date.now()));
      subscriber.expiryTimer.unref();
    }
    this.subscribers.add(subscriber);
    response.on('close', () => this.remove(subscriber));
  }

  private broadcast(event: StatusEvent): void {
    if (this.subscribers.size === 0) return;
    this.writeAll(formatEvent(event, this.source));
  }

  private writeAll(text: string): void {
    for (const subscriber of this.subscribers) {
      if (subscriber.response.writableLength > MAX_BUFFERED_BYTES) {
        this.logger.warn({ bufferedBytes: subscriber.response.writableLength }, 'event stream client too slow; closing its stream');
        this.close(subscriber);
        continue;
      }
      subscriber.response.write(text);
    }
  }

  private close(subscriber: Subscriber): void {
    this.remove(subscriber);
    subscriber.response.end();
  }

  private remove(subscriber: Subscriber): void {
    clearTimeout(subscriber.expiryTimer);
    this.subscribers.delete(subscriber);
  }
}

/** Formats one event in the `text/event-stream` format; JSON data never contains a newline. */
function formatEvent(event: StatusEvent, source: StatusSource): string {
  if (event.kind === 'recovery') return `event: recovery\ndata: ${toJson(event.record)}\n\n`;
  const data = { type: event.change.type, incident: toIncidentView(event.change.incident, source) };
  return `event: incident\ndata: ${toJson(data)}\n\n`;
}

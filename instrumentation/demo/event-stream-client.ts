/**
 * Reader of Faultline's `GET /api/v1/events` Server-Sent Events stream: `event: incident` with an
 * incident change, `event: recovery` with one audit record. It reconnects after the stream
 * ends or fails, so the demo's timeline shows changes as they happen. The incident watcher's
 * polls still reconcile whatever the stream missed.
 */

/** How long the reader waits before it reconnects after the stream ended or failed. */
const RECONNECT_DELAY_MS = 1_000;

/** One event of the stream: its `event:` name and its `data:` lines, joined by newlines. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

export class EventStreamClient {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  /** True while a stream is open. */
  connected = false;

  /**
   * `url` is the stream's address, for example `http://127.0.0.1:4319/api/v1/events`;
   * `onEvent` receives every event in the order the server sent it.
   */
  constructor(
    private readonly url: string,
    private readonly onEvent: (event: ServerSentEvent) => void,
  ) {}

  /** Opens the stream and keeps it open until `stop`. Calling it again does nothing. */
  start(): void {
    this.running ??= this.run();
  }

  /** Closes the stream and waits for the reader to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.readOnce();
      } catch {
        // A refused or broken connection is retried below; the watcher's polls cover the gap.
      }
      this.connected = false;
      await delay(RECONNECT_DELAY_MS, this.abort.signal);
    }
  }

  private async readOnce(): Promise<void> {
    const response = await fetch(this.url, { headers: { accept: 'text/event-stream' }, signal: this.abort.signal });
    if (!response.ok || response.body === null) return;
    this.connected = true;

    const parser = new EventParser(this.onEvent);
    const decoder = new TextDecoder();
    for await (const chunk of response.body) parser.push(decoder.decode(chunk, { stream: true }));
  }
}

/**
 * Splits the text of an event stream into events, following the Server-Sent Events format of
 * the HTML standard. Lines end with LF, CRLF or CR, and a blank line ends an event. Lines that
 * start with `:` are comments, and one space after a field's colon is dropped.
 */
export class EventParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  constructor(private readonly onEvent: (event: ServerSentEvent) => void) {}

  /** Adds decoded text and emits every event it completes. */
  push(text: string): void {
    this.buffer += text;
    // A CR at the end may be the first half of a CRLF split across two chunks.
    const pendingCarriageReturn = this.buffer.endsWith('\r') ? '\r' : '';
    const lines = this.buffer.slice(0, this.buffer.length - pendingCarriageReturn.length).split(/\r\n|\r|\n/);
    this.buffer = (lines.pop() ?? '') + pendingCarriageReturn;
    for (const line of lines) this.readLine(line);
  }

  private readLine(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return;

    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    if (field === 'data') this.data.push(value);
  }

  private dispatch(): void {
    if (this.data.length > 0) this.onEvent({ event: this.event === '' ? 'message' : this.event, data: this.data.join('\n') });
    this.event = '';
    this.data = [];
  }
}

function delay(durationMs: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, durationMs);
    signal.addEventListener('abort', done, { once: true });
  });
}

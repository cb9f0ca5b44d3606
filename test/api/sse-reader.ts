/** One Server-Sent Event as read off the wire. */
export interface ReadEvent {
  event: string;
  data: unknown;
}

/**
 * Reads a `text/event-stream` response body and collects its events. Comment lines
 * (`: keepalive`) are skipped.
 */
export class SseReader {
  readonly events: ReadEvent[] = [];
  private buffered = '';
  private readonly done: Promise<void>;

  constructor(body: ReadableStream<Uint8Array>) {
    this.done = this.pump(body.getReader());
  }

  /** Waits until an event matches, or fails after `timeoutMs`. */
  async waitFor(what: string, matches: (event: ReadEvent) => boolean, timeoutMs = 5_000): Promise<ReadEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(matches);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.events)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  closed(): Promise<void> {
    return this.done;
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done === true || value === undefined) return;
      this.buffered += decoder.decode(value, { stream: true });
      this.parse();
    }
  }

  private parse(): void {
    for (let end = this.buffered.indexOf('\n\n'); end >= 0; end = this.buffered.indexOf('\n\n')) {
      const block = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 2);
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
      }
      const data = fields.get('data');
      if (fields.has('event') && data !== undefined) this.events.push({ event: fields.get('event') ?? '', data: JSON.parse(data) as unknown });
    }
  }
}

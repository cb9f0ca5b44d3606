/**
 * A parser for the `text/event-stream` format (HTML Living Standard, "Server-sent events"),
 * fed decoded text in chunks of any size.
 */

/** One dispatched event. `event` is `message` when the stream named none. */
export interface ServerSentEvent {
  event: string;
  data: string;
  id: string;
}

export class SseParser {
  private buffered = '';
  private eventName = '';
  private dataLines: string[] = [];
  private lastEventId = '';
  /** True when the last line ended with `\r`, so a `\n` that starts the next chunk belongs to it. */
  private afterCarriageReturn = false;
  /** The server's `retry:` field in milliseconds, when it sent one. */
  retryMs: number | undefined;

  /** Adds text and returns the events it completed, in order. */
  push(text: string): ServerSentEvent[] {
    this.buffered += this.afterCarriageReturn && text.startsWith('\n') ? text.slice(1) : text;
    this.afterCarriageReturn = false;
    const events: ServerSentEvent[] = [];

    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffered);
      if (match === null) break;
      const line = this.buffered.slice(0, match.index);
      this.buffered = this.buffered.slice(match.index + match[0].length);
      // A `\r` at the end of a chunk ends the line now; its `\n`, if any, comes with the next chunk.
      if (match[0] === '\r' && this.buffered === '') this.afterCarriageReturn = true;
      const event = this.processLine(line);
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  private processLine(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;

    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);

    switch (field) {
      case 'event':
        this.eventName = value;
        break;
      case 'data':
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        // The standard ignores unknown fields.
        break;
    }
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const hasData = this.dataLines.length > 0;
    const event = { event: this.eventName === '' ? 'message' : this.eventName, data: this.dataLines.join('\n'), id: this.lastEventId };
    this.eventName = '';
    this.dataLines = [];
    return hasData ? event : undefined;
  }
}

import { describe, expect, it } from 'vitest';
import { SseParser, type ServerSentEvent } from '../../dashboard/src/api/sse-parser.js';

function parseAll(chunks: string[]): { events: ServerSentEvent[]; parser: SseParser } {
  const parser = new SseParser();
  const events = chunks.flatMap((chunk) => parser.push(chunk));
  return { events, parser };
}

describe('SseParser', () => {
  it.each<[string, string[], ServerSentEvent[]]>([
    ['one named event', ['event: incident\ndata: {"a":1}\n\n'], [{ event: 'incident', data: '{"a":1}', id: '' }]],
    ['an unnamed event as message', ['data: x\n\n'], [{ event: 'message', data: 'x', id: '' }]],
    ['multi-line data joined by newlines', ['data: a\ndata: b\n\n'], [{ event: 'message', data: 'a\nb', id: '' }]],
    ['CRLF line ends', ['event: recovery\r\ndata: 1\r\n\r\n'], [{ event: 'recovery', data: '1', id: '' }]],
    ['CR line ends', ['data: 1\r\r'], [{ event: 'message', data: '1', id: '' }]],
    ['CR at the end of a chunk', ['data: 1\r', '\r'], [{ event: 'message', data: '1', id: '' }]],
    ['CRLF split between chunks', ['data: 1\r', '\n\r', '\n'], [{ event: 'message', data: '1', id: '' }]],
    ['a field split between chunks', ['ev', 'ent: inci', 'dent\nda', 'ta: 7\n', '\n'], [{ event: 'incident', data: '7', id: '' }]],
    ['comments such as keepalives ignored', [': keepalive\n\n', 'data: 2\n\n'], [{ event: 'message', data: '2', id: '' }]],
    ['a value without the space after the colon', ['data:raw\n\n'], [{ event: 'message', data: 'raw', id: '' }]],
    ['the last event id kept', ['id: 5\ndata: a\n\ndata: b\n\n'], [{ event: 'message', data: 'a', id: '5' }, { event: 'message', data: 'b', id: '5' }]],
    ['no event without data', ['event: incident\n\n'], []],
    ['no event before the blank line', ['data: pending\n'], []],
  ])('parses %s', (_name, chunks, expected) => {
    expect(parseAll(chunks).events).toEqual(expected);
  });

  it('resets the event name after each event', () => {
    const { events } = parseAll(['event: incident\ndata: 1\n\ndata: 2\n\n']);

    expect(events.map((event) => event.event)).toEqual(['incident', 'message']);
  });

  it.each([
    ['a number', 'retry: 2500\n', 2500],
    ['not a number', 'retry: soon\n', undefined],
  ])('reads retry when it is %s', (_name, text, expected) => {
    expect(parseAll([text]).parser.retryMs).toBe(expected);
  });
});

import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventParser, EventStreamClient, type ServerSentEvent } from '../../../instrumentation/demo/event-stream-client.js';

describe('EventParser', () => {
  it.each([
    { name: 'one event', chunks: ['event: incident\ndata: {"a":1}\n\n'], expected: [{ event: 'incident', data: '{"a":1}' }] },
    { name: 'event split across chunks', chunks: ['event: reco', 'very\ndata: {"id"', ':7}\n', '\n'], expected: [{ event: 'recovery', data: '{"id":7}' }] },
    { name: 'CRLF split across chunks', chunks: ['data: x\r', '\n\r', '\n'], expected: [{ event: 'message', data: 'x' }] },
    { name: 'comments skipped', chunks: [': connected\n\n: keepalive\n\nevent: incident\ndata: y\n\n'], expected: [{ event: 'incident', data: 'y' }] },
    { name: 'data lines joined', chunks: ['data: a\ndata:b\n\n'], expected: [{ event: 'message', data: 'a\nb' }] },
    { name: 'unfinished event held', chunks: ['event: incident\ndata: z\n'], expected: [] },
  ])('parses $name', ({ chunks, expected }) => {
    const events: ServerSentEvent[] = [];
    const parser = new EventParser((event) => events.push(event));

    for (const chunk of chunks) parser.push(chunk);

    expect(events).toEqual(expected);
  });
});

describe('EventStreamClient', () => {
  let server: Server | undefined;
  const responses: ServerResponse[] = [];

  afterEach(async () => {
    for (const response of responses.splice(0)) response.end();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  it('delivers events from a real stream', async () => {
    server = createServer((_request, response) => {
      responses.push(response);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(': connected\n\nevent: incident\ndata: {"type":"opened"}\n\n');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const events: ServerSentEvent[] = [];
    const client = new EventStreamClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/events`, (event) => events.push(event));

    client.start();
    await expect.poll(() => events, { timeout: 5_000 }).toEqual([{ event: 'incident', data: '{"type":"opened"}' }]);
    expect(client.connected).toBe(true);
    await client.stop();

    expect(client.connected).toBe(false);
  });
});

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stub received. */
export interface StubRequest {
  body: Record<string, unknown>;
  traceparent: string | undefined;
}

/**
 * A real HTTP server on 127.0.0.1 that replaces RelayCore's `POST /v1/route` in AutoMatrix
 * tests. Like RelayCore, it responds 400 to a body without a string prompt. Setting `failWith`
 * makes it respond with that error status instead.
 */
export class RelayCoreStub {
  readonly requests: StubRequest[] = [];
  /** A status to respond with instead of routing; undefined routes normally. */
  failWith: number | undefined;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((request, response) => {
      void readBody(request).then((body) => {
        this.requests.push({ body, traceparent: request.headers.traceparent as string | undefined });
        const [status, reply] = this.#reply(body);
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
      });
    });
  }

  /** Starts listening and returns the base URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #reply(body: Record<string, unknown>): [number, object] {
    if (this.failWith !== undefined) return [this.failWith, { error: 'provider simulated-a is unavailable: service outage' }];
    if (typeof body.prompt !== 'string') return [400, { error: 'invalid request: prompt must be a string, got undefined' }];
    return [200, { model: body.model, provider: 'stub-provider', servedBy: 'stub-provider', output: 'done' }];
  }
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

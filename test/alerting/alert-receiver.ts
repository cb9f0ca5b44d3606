import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PostableAlert } from '../../src/alerting/incident-alert.js';

/** One request the receiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  alerts: PostableAlert[];
}

/**
 * How the receiver responds to a request: with a status code, or not at all (the request hangs
 * until the client gives up).
 */
export type ReceiverResponse = { status: number; body?: string } | 'hang';

/**
 * A loopback HTTP server that plays Alertmanager's `POST /api/v2/alerts` in tests. It records
 * every request and responds from a script, then with 200 once the script runs out.
 */
export class AlertReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Responses for the next requests, in order. */
  readonly script: ReceiverResponse[] = [];
  private readonly server: Server;
  private readonly hanging = new Set<ServerResponse>();
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor() {
    this.server = createServer((request, response) => this.handle(request, response));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Resolves once `count` requests in all have arrived. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      this.requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        alerts: text === '' ? [] : (JSON.parse(text) as PostableAlert[]),
      });
      this.respond(response, this.script.shift() ?? { status: 200 });
      this.notifyWaiters();
    });
  }

  private respond(response: ServerResponse, planned: ReceiverResponse): void {
    if (planned === 'hang') {
      this.hanging.add(response);
      return;
    }
    response.writeHead(planned.status, { 'Content-Type': 'application/json' });
    response.end(planned.body ?? '');
  }

  private notifyWaiters(): void {
    const due = this.waiters.filter((waiter) => this.requests.length >= waiter.count);
    this.waiters = this.waiters.filter((waiter) => this.requests.length < waiter.count);
    for (const waiter of due) waiter.resolve();
  }
}

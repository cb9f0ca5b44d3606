import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { ServingStatus } from 'grpc-health-check';
import { loadControlService } from '../../src/recovery/control-protocol.js';
import type { ExecuteActionRequestMessage, ExecuteActionResponseMessage, ListActionsResponseMessage, WireOutcome } from '../../src/recovery/control-protocol.js';

/**
 * A real grpc-js `RecoveryControl` server on 127.0.0.1 for tests, with `grpc.health.v1.Health`.
 * Each ExecuteAction takes the next scripted reply, or the default reply once the script is
 * used up. Like a real system, it keeps the idempotency keys it applied and returns
 * OUTCOME_ALREADY_APPLIED for a repeated key.
 */

/**
 * One scripted reply:
 * - `apply`: the server's own bookkeeping decides APPLIED or ALREADY_APPLIED;
 * - `outcome`: this outcome, whatever the key;
 * - `error`: this gRPC status, with an optional `grpc-retry-pushback-ms` trailer;
 * - `hang`: never reply, so the client's deadline expires;
 * - `apply_and_hang`: apply the key, then never reply, as when a reply is lost.
 */
export type ScriptedReply =
  | { kind: 'apply' }
  | { kind: 'outcome'; outcome: WireOutcome; message?: string }
  | { kind: 'error'; code: grpc.status; details?: string; pushbackMs?: number }
  | { kind: 'hang' }
  | { kind: 'apply_and_hang' };

export interface ReceivedRequest {
  request: ExecuteActionRequestMessage;
  traceparent: string | undefined;
  /** `Date.now()` when the request arrived; fake timers move it. */
  atMs: number;
}

export interface ControlServerOptions {
  script?: ScriptedReply[];
  /** The reply once the script is used up. Default `apply`. */
  defaultReply?: ScriptedReply;
  health?: ServingStatus;
  /** Default plaintext. */
  credentials?: grpc.ServerCredentials;
}

const ACTIONS: ListActionsResponseMessage = {
  actions: [
    {
      name: 'restart_worker',
      description: 'Restarts one worker.',
      parameters: [{ name: 'grace_period', type: 'duration', required: false, description: 'How long the worker may finish its work.' }],
      idempotent: true,
    },
  ],
};

export class ControlServer {
  readonly requests: ReceivedRequest[] = [];
  readonly appliedKeys = new Set<string>();
  private readonly script: ScriptedReply[];
  private readonly hanging = new Set<grpc.sendUnaryData<ExecuteActionResponseMessage>>();
  private readonly health: HealthImplementation;

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
    options: ControlServerOptions,
    health: HealthImplementation,
  ) {
    this.script = [...(options.script ?? [])];
    this.defaultReply = options.defaultReply ?? { kind: 'apply' };
    this.health = health;
  }

  defaultReply: ScriptedReply;

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(options: ControlServerOptions = {}): Promise<ControlServer> {
    const server = new grpc.Server();
    const health = new HealthImplementation({ '': options.health ?? 'SERVING' });
    health.addToServer(server);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', options.credentials ?? grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
        if (error === null) resolve(boundPort);
        else reject(error);
      });
    });
    const controlServer = new ControlServer(server, port, options, health);
    server.addService(loadControlService(), {
      ListActions: (_call: unknown, callback: grpc.sendUnaryData<ListActionsResponseMessage>) => callback(null, ACTIONS),
      ExecuteAction: (call: grpc.ServerUnaryCall<ExecuteActionRequestMessage, ExecuteActionResponseMessage>, callback: grpc.sendUnaryData<ExecuteActionResponseMessage>) =>
        controlServer.execute(call, callback),
    });
    return controlServer;
  }

  /** Queues replies after the ones already scripted. */
  enqueue(...replies: ScriptedReply[]): void {
    this.script.push(...replies);
  }

  setHealth(status: ServingStatus): void {
    this.health.setStatus('', status);
  }

  /** ExecuteAction requests received with this idempotency key. */
  requestsWithKey(key: string): ReceivedRequest[] {
    return this.requests.filter((received) => received.request.idempotency_key === key);
  }

  /** Stops at once: hanging calls and open connections are cut. */
  stop(): Promise<void> {
    for (const callback of this.hanging) callback({ code: grpc.status.UNAVAILABLE, details: 'server stopping' });
    this.hanging.clear();
    this.server.forceShutdown();
    return Promise.resolve();
  }

  private execute(call: grpc.ServerUnaryCall<ExecuteActionRequestMessage, ExecuteActionResponseMessage>, callback: grpc.sendUnaryData<ExecuteActionResponseMessage>): void {
    const [traceparent] = call.metadata.get('traceparent');
    this.requests.push({ request: call.request, traceparent: typeof traceparent === 'string' ? traceparent : undefined, atMs: Date.now() });
    const reply = this.script.shift() ?? this.defaultReply;

    switch (reply.kind) {
      case 'apply':
        callback(null, this.applyOnce(call.request.idempotency_key));
        return;
      case 'outcome':
        callback(null, { outcome: reply.outcome, message: reply.message ?? '' });
        return;
      case 'error': {
        const trailers = new grpc.Metadata();
        if (reply.pushbackMs !== undefined) trailers.set('grpc-retry-pushback-ms', String(reply.pushbackMs));
        callback({ code: reply.code, details: reply.details ?? 'scripted error', metadata: trailers });
        return;
      }
      case 'apply_and_hang':
        this.applyOnce(call.request.idempotency_key);
        this.hanging.add(callback);
        call.on('cancelled', () => this.hanging.delete(callback));
        return;
      case 'hang':
        this.hanging.add(callback);
        call.on('cancelled', () => this.hanging.delete(callback));
        return;
    }
  }

  private applyOnce(key: string): ExecuteActionResponseMessage {
    if (this.appliedKeys.has(key)) return { outcome: 'OUTCOME_ALREADY_APPLIED', message: `key ${key} was applied before` };
    this.appliedKeys.add(key);
    return { outcome: 'OUTCOME_APPLIED', message: 'applied' };
  }
}

/** Returns a loopback port with nothing listening: a server is bound there and stopped at once. */
export async function closedPort(): Promise<number> {
  const server = await ControlServer.start();
  await server.stop();
  return server.port;
}

import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { ControlCallError } from './control-call-error.js';
import { loadControlService } from './control-protocol.js';
import type { ExecuteActionRequestMessage, ExecuteActionResponseMessage } from './control-protocol.js';

/**
 * One gRPC channel to one control endpoint. It carries both the control calls and the health
 * checks, and cancels the calls it still has open when closed.
 */

/** Channel options for every control channel: grpc-js's own retries are off so that only the engine retries. */
const CHANNEL_OPTIONS: grpc.ChannelOptions = { 'grpc.enable_retries': 0 };

export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

interface UnaryMethod<Request, Response> {
  path: string;
  requestSerialize: (value: Request) => Buffer;
  responseDeserialize: (bytes: Buffer) => Response;
}

const PUSHBACK_KEY = 'grpc-retry-pushback-ms';

export class EndpointChannel {
  private readonly client: grpc.Client;
  private readonly openCalls = new Set<grpc.ClientUnaryCall>();
  private readonly executeMethod: UnaryMethod<ExecuteActionRequestMessage, ExecuteActionResponseMessage>;
  private readonly healthMethod: UnaryMethod<{ service: string }, { status: HealthStatus }>;

  constructor(
    readonly address: string,
    credentials: grpc.ChannelCredentials,
  ) {
    this.client = new grpc.Client(address, credentials, CHANNEL_OPTIONS);
    this.executeMethod = loadControlService().ExecuteAction as unknown as UnaryMethod<ExecuteActionRequestMessage, ExecuteActionResponseMessage>;
    this.healthMethod = healthService.Check as unknown as UnaryMethod<{ service: string }, { status: HealthStatus }>;
  }

  /** Sends `ExecuteAction`; rejects with a ControlCallError on any status other than OK. */
  executeAction(request: ExecuteActionRequestMessage, headers: Record<string, string>, timeoutMs: number): Promise<ExecuteActionResponseMessage> {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
    return this.unary(this.executeMethod, request, metadata, timeoutMs);
  }

  /** Calls `grpc.health.v1.Health/Check` for the whole server (service ""). */
  async checkHealth(timeoutMs: number): Promise<HealthStatus> {
    const response = await this.unary(this.healthMethod, { service: '' }, new grpc.Metadata(), timeoutMs);
    return response.status;
  }

  /** Cancels open calls (they fail with CANCELLED) and closes the channel. */
  close(): void {
    for (const call of this.openCalls) call.cancel();
    this.openCalls.clear();
    this.client.close();
  }

  private unary<Request, Response>(method: UnaryMethod<Request, Response>, request: Request, metadata: grpc.Metadata, timeoutMs: number): Promise<Response> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + timeoutMs);
      const call = this.client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        metadata,
        { deadline },
        (error, response) => {
          this.openCalls.delete(call);
          if (error !== null || response === undefined) {
            reject(toControlCallError(error, this.address));
            return;
          }
          resolve(response);
        },
      );
      this.openCalls.add(call);
    });
  }
}

function toControlCallError(error: grpc.ServiceError | null, address: string): ControlCallError {
  if (error === null) return new ControlCallError(grpc.status.INTERNAL, address, 'empty response', undefined);
  return new ControlCallError(error.code, address, error.details, readPushbackMs(error.metadata), { cause: error });
}

/**
 * Reads `grpc-retry-pushback-ms`, undefined when absent. A value that is not an integer counts
 * as -1 (do not retry), which is how grpc-js 1.14's own retry code reads it.
 */
function readPushbackMs(trailers: grpc.Metadata | undefined): number | undefined {
  const values = trailers?.get(PUSHBACK_KEY) ?? [];
  if (values.length === 0) return undefined;
  const [value] = values;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value.trim())) return -1;
  return Number(value);
}

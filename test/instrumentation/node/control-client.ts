import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { loadControlService } from '../../../src/recovery/control-protocol.js';
import type { ExecuteActionRequestMessage, ExecuteActionResponseMessage, ListActionsResponseMessage } from '../../../src/recovery/control-protocol.js';

/** A plain grpc-js client of RecoveryControl and grpc.health.v1.Health for control-server tests. */

type UnaryMethod<Request, Response> = (request: Request, callback: (error: grpc.ServiceError | null, response?: Response) => void) => grpc.ClientUnaryCall;

interface ControlStub extends grpc.Client {
  ExecuteAction: UnaryMethod<Partial<ExecuteActionRequestMessage>, ExecuteActionResponseMessage>;
  ListActions: UnaryMethod<Record<string, never>, ListActionsResponseMessage>;
}

interface HealthStub extends grpc.Client {
  Check: UnaryMethod<{ service: string }, { status: string }>;
}

const ControlClientConstructor = grpc.makeGenericClientConstructor(loadControlService(), 'RecoveryControl');
const HealthClientConstructor = grpc.makeGenericClientConstructor(healthService, 'Health');

/** The outcome of one call: the response, or the gRPC error. */
export type CallResult<Response> = { ok: true; response: Response } | { ok: false; code: grpc.status; details: string };

export class ControlClient {
  private readonly control: ControlStub;
  private readonly health: HealthStub;

  constructor(address: string) {
    this.control = new ControlClientConstructor(address, grpc.credentials.createInsecure()) as unknown as ControlStub;
    this.health = new HealthClientConstructor(address, grpc.credentials.createInsecure()) as unknown as HealthStub;
  }

  execute(request: Partial<ExecuteActionRequestMessage>): Promise<CallResult<ExecuteActionResponseMessage>> {
    return settle((callback) => this.control.ExecuteAction(request, callback));
  }

  listActions(): Promise<CallResult<ListActionsResponseMessage>> {
    return settle((callback) => this.control.ListActions({}, callback));
  }

  /** Returns the health status of `service` ("" for the whole server), or the gRPC error. */
  checkHealth(service: string): Promise<CallResult<{ status: string }>> {
    return settle((callback) => this.health.Check({ service }, callback));
  }

  close(): void {
    this.control.close();
    this.health.close();
  }
}

function settle<Response>(call: (callback: (error: grpc.ServiceError | null, response?: Response) => void) => void): Promise<CallResult<Response>> {
  return new Promise((resolve) => {
    call((error, response) => {
      if (error !== null) resolve({ ok: false, code: error.code, details: error.details });
      else if (response === undefined) resolve({ ok: false, code: grpc.status.UNKNOWN, details: 'no response' });
      else resolve({ ok: true, response });
    });
  });
}

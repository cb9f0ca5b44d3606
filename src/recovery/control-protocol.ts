import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The control protocol's messages as grpc-js sends and receives them (proto field names, enums as names). */

export const CONTROL_PROTO_PATH = fileURLToPath(new URL('../../proto/faultline/control/v1/control.proto', import.meta.url));

export const CONTROL_SERVICE_NAME = 'faultline.control.v1.RecoveryControl';

export type WireOutcome = 'OUTCOME_UNSPECIFIED' | 'OUTCOME_APPLIED' | 'OUTCOME_ALREADY_APPLIED' | 'OUTCOME_REJECTED' | 'OUTCOME_IN_PROGRESS';

export interface IncidentContextMessage {
  id: string;
  root_cause_service: string;
  root_cause_system: string;
  error_kind: string;
  fingerprint: string;
  sample_trace_ids: string[];
}

export interface ExecuteActionRequestMessage {
  action: string;
  target_component: string;
  parameters: Record<string, string>;
  idempotency_key: string;
  incident: IncidentContextMessage;
  dry_run: boolean;
}

export interface ExecuteActionResponseMessage {
  outcome: WireOutcome;
  message: string;
}

export interface ActionParameterMessage {
  name: string;
  type: string;
  required: boolean;
  description: string;
}

export interface ActionDescriptorMessage {
  name: string;
  description: string;
  parameters: ActionParameterMessage[];
  idempotent: boolean;
}

export interface ListActionsResponseMessage {
  actions: ActionDescriptorMessage[];
}

let cachedDefinition: grpc.ServiceDefinition | undefined;

/** Loads the `RecoveryControl` service definition once, for clients and test servers alike. */
export function loadControlService(): grpc.ServiceDefinition {
  if (cachedDefinition !== undefined) return cachedDefinition;
  const packageDefinition = protoLoader.loadSync(CONTROL_PROTO_PATH, {
    keepCase: true,
    enums: String,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  const definition = packageDefinition[CONTROL_SERVICE_NAME];
  if (definition === undefined || !('ExecuteAction' in definition)) {
    throw new Error(`service ${CONTROL_SERVICE_NAME} not found in ${CONTROL_PROTO_PATH}`);
  }
  cachedDefinition = definition;
  return cachedDefinition;
}

import * as grpc from '@grpc/grpc-js';
import { SpanKind, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { CONTROL_SERVICE_NAME, loadControlService } from '../../src/recovery/control-protocol.js';
import type {
  ActionDescriptorMessage,
  ExecuteActionRequestMessage,
  ExecuteActionResponseMessage,
  IncidentContextMessage,
  ListActionsResponseMessage,
  WireOutcome,
} from '../../src/recovery/control-protocol.js';
import { findParameterProblem, validateActionDefinitions, wireParameterType } from './action-parameters.js';
import type { ActionIncident, ActionOutcome, ActionOutcomeKind, ActionRequest, ControlAction } from './control-action.js';
import { IdempotencyCache } from './idempotency-cache.js';
import type { KeyScope } from './idempotency-cache.js';
import { recordError } from './record-error.js';

export type { ActionIncident, ActionOutcome, ActionOutcomeKind, ActionParameterSpec, ActionParameterType, ActionRequest, ControlAction } from './control-action.js';
export { InvalidActionDefinitionError } from './action-parameters.js';

/**
 * A gRPC server that offers a service's recovery actions to Faultline. It serves
 * `faultline.control.v1.RecoveryControl` and `grpc.health.v1.Health` and validates each request.
 * A repeated idempotency key gets the first run's result. Each run is traced as an internal span
 * `control.execute <action>` under the gRPC server span.
 */

/** A request failed before or while its action ran; `code` is the gRPC status it gets. */
export class ControlRequestError extends Error {
  override readonly name = 'ControlRequestError';

  constructor(
    readonly code: grpc.status,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface ControlServer {
  /** `host:port` the server listens on, for Faultline's `recovery.targets.<name>.endpoints`. */
  readonly address: string;
  readonly port: number;
  /** Sets the health status of the server and of RecoveryControl to SERVING or NOT_SERVING. */
  setServing(serving: boolean): void;
  /** Reports NOT_SERVING, lets running calls finish for up to 5 s, then stops. Idempotent. */
  close(): Promise<void>;
}

export interface ControlServerOptions {
  /** The `service.name` of the service, used in log lines. */
  serviceName: string;
  actions: ControlAction[];
  /** Default 0, which picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** How many finished idempotency keys are remembered. Default 1000. */
  maxRememberedKeys?: number;
  /** Receives a line per failed action. Default none. */
  logger?: Logger;
}

const DEFAULT_HOST = '127.0.0.1';

/** How long close() lets running calls finish before it cuts them. */
const GRACEFUL_CLOSE_TIMEOUT_MS = 5000;

const TRACER_NAME = 'faultline-control-server';

const WIRE_OUTCOMES: Record<ActionOutcomeKind, WireOutcome> = {
  applied: 'OUTCOME_APPLIED',
  already_applied: 'OUTCOME_ALREADY_APPLIED',
  rejected: 'OUTCOME_REJECTED',
  in_progress: 'OUTCOME_IN_PROGRESS',
};

/**
 * The reply to a repeated idempotency key, by the first run's outcome. The protocol requires
 * ALREADY_APPLIED for a repeat of an applied action, because nothing ran again. A rejection and a
 * run still in progress are repeated as they were.
 */
const REPEAT_OUTCOMES: Record<ActionOutcomeKind, ActionOutcomeKind> = {
  applied: 'already_applied',
  already_applied: 'already_applied',
  rejected: 'rejected',
  in_progress: 'in_progress',
};

/** Starts a control server; resolves once it listens. */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  validateActionDefinitions(options.actions);

  const host = options.host ?? DEFAULT_HOST;
  const server = new grpc.Server();
  const health = new HealthImplementation({ '': 'SERVING', [CONTROL_SERVICE_NAME]: 'SERVING' });
  const executor = new ActionExecutor(options);
  health.addToServer(server);
  server.addService(loadControlService(), {
    ListActions: (_call: grpc.ServerUnaryCall<unknown, ListActionsResponseMessage>, callback: grpc.sendUnaryData<ListActionsResponseMessage>) => {
      callback(null, executor.listActions());
    },
    ExecuteAction: (
      call: grpc.ServerUnaryCall<ExecuteActionRequestMessage, ExecuteActionResponseMessage>,
      callback: grpc.sendUnaryData<ExecuteActionResponseMessage>,
    ) => {
      executor.execute(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServiceError(error)),
      );
    },
  });

  const port = await bind(server, host, options.port ?? 0);
  return new GrpcControlServer(server, health, formatAddress(host, port), port);
}

/** Validates, deduplicates, traces and runs ExecuteAction requests. */
class ActionExecutor {
  private readonly actions: Map<string, ControlAction>;
  private readonly cache: IdempotencyCache;

  constructor(private readonly options: ControlServerOptions) {
    this.actions = new Map(options.actions.map((action) => [action.name, action]));
    this.cache = new IdempotencyCache(options.maxRememberedKeys);
  }

  listActions(): ListActionsResponseMessage {
    return { actions: this.options.actions.map(describeAction) };
  }

  /** Runs one request inside a `control.execute <action>` span; rejects with ControlRequestError. */
  execute(message: ExecuteActionRequestMessage): Promise<ExecuteActionResponseMessage> {
    const action = this.actions.get(message.action);
    if (action === undefined) {
      const offered = [...this.actions.keys()].join(', ');
      this.options.logger?.warn({ service: this.options.serviceName, action: message.action, idempotencyKey: message.idempotency_key }, 'control request for unknown action');
      return Promise.reject(new ControlRequestError(grpc.status.UNIMPLEMENTED, `unknown action "${message.action}"; this service offers: ${offered}`));
    }

    const request = toActionRequest(message);
    const tracer = trace.getTracer(TRACER_NAME);
    return tracer.startActiveSpan(`control.execute ${action.name}`, { kind: SpanKind.INTERNAL, attributes: spanAttributes(request) }, async (span) => {
      try {
        const outcome = await this.run(action, request, span);
        span.setAttribute('faultline.outcome', outcome.outcome);
        return { outcome: WIRE_OUTCOMES[outcome.outcome], message: outcome.message };
      } catch (error) {
        recordError(span, error);
        this.options.logger?.warn({ service: this.options.serviceName, action: action.name, idempotencyKey: request.idempotencyKey, err: error }, 'control action failed');
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private async run(action: ControlAction, received: ActionRequest, span: Span): Promise<ActionOutcome> {
    const problem = findParameterProblem(action, received.parameters);
    if (problem !== undefined) throw new ControlRequestError(grpc.status.INVALID_ARGUMENT, problem);

    const request = { ...received, parameters: withoutEmptyValues(received.parameters) };
    if (request.dryRun) return describeDryRun(request);
    if (request.idempotencyKey === '') return runHandler(action, request);

    const scope: KeyScope = { action: request.action, targetComponent: request.targetComponent };
    const known = this.cache.get(request.idempotencyKey);
    if (known === undefined) {
      const done = runHandler(action, request);
      this.cache.track(request.idempotencyKey, scope, done);
      return done;
    }

    checkSameScope(request.idempotencyKey, known.scope, scope);
    span.setAttribute('faultline.idempotent_repeat', true);
    const first = known.state === 'finished' ? known.outcome : await known.done;
    return answerRepeat(first);
  }
}

class GrpcControlServer implements ControlServer {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: grpc.Server,
    private readonly health: HealthImplementation,
    readonly address: string,
    readonly port: number,
  ) {}

  setServing(serving: boolean): void {
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    this.health.setStatus('', status);
    this.health.setStatus(CONTROL_SERVICE_NAME, status);
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private shutDown(): Promise<void> {
    this.setServing(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.server.forceShutdown(), GRACEFUL_CLOSE_TIMEOUT_MS);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

async function runHandler(action: ControlAction, request: ActionRequest): Promise<ActionOutcome> {
  let outcome: ActionOutcome;
  try {
    outcome = await action.handler(request);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ControlRequestError(grpc.status.INTERNAL, `action ${action.name} failed: ${reason}`, { cause: error });
  }

  if (!isActionOutcome(outcome)) {
    throw new ControlRequestError(grpc.status.INTERNAL, `action ${action.name} returned an invalid outcome; expected applied, already_applied, rejected or in_progress`);
  }
  return outcome;
}

function isActionOutcome(value: unknown): value is ActionOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const { outcome, message } = value as Record<string, unknown>;
  return typeof outcome === 'string' && outcome in WIRE_OUTCOMES && typeof message === 'string';
}

function checkSameScope(key: string, first: KeyScope, current: KeyScope): void {
  if (first.action === current.action && first.targetComponent === current.targetComponent) return;
  throw new ControlRequestError(
    grpc.status.INVALID_ARGUMENT,
    `idempotency key "${key}" was first used for action ${first.action} on "${first.targetComponent}", not ${current.action} on "${current.targetComponent}"`,
  );
}

function answerRepeat(first: ActionOutcome): ActionOutcome {
  const outcome = REPEAT_OUTCOMES[first.outcome];
  if (outcome === first.outcome) return first;
  return { outcome, message: `already applied by an earlier request with this idempotency key: ${first.message}` };
}

function describeDryRun(request: ActionRequest): ActionOutcome {
  const target = request.targetComponent === '' ? 'the whole service' : `"${request.targetComponent}"`;
  const parameters = Object.entries(request.parameters).map(([name, value]) => `${name}=${value}`);
  const withParameters = parameters.length === 0 ? '' : ` with ${parameters.join(', ')}`;
  return { outcome: 'applied', message: `dry run: would run ${request.action} on ${target}${withParameters}` };
}

function describeAction(action: ControlAction): ActionDescriptorMessage {
  return {
    name: action.name,
    description: action.description,
    idempotent: action.idempotent,
    parameters: (action.parameters ?? []).map((parameter) => ({
      name: parameter.name,
      type: wireParameterType(parameter.type),
      required: parameter.required,
      description: parameter.description,
    })),
  };
}

function toActionRequest(message: ExecuteActionRequestMessage): ActionRequest {
  // proto-loader sets an absent message field to null, although the message type does not allow it.
  const incident = message.incident as IncidentContextMessage | null;
  return {
    action: message.action,
    targetComponent: message.target_component,
    parameters: { ...message.parameters },
    idempotencyKey: message.idempotency_key,
    incident: incident === null ? undefined : toActionIncident(incident),
    dryRun: message.dry_run,
  };
}

/** Drops parameters sent with an empty value; validation has already rejected an empty required one. */
function withoutEmptyValues(parameters: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(parameters).filter(([, value]) => value !== ''));
}

function toActionIncident(incident: IncidentContextMessage): ActionIncident {
  return {
    id: incident.id,
    rootCauseService: incident.root_cause_service,
    rootCauseSystem: incident.root_cause_system,
    errorKind: incident.error_kind,
    fingerprint: incident.fingerprint,
    sampleTraceIds: [...incident.sample_trace_ids],
  };
}

function spanAttributes(request: ActionRequest): Record<string, string | boolean> {
  const attributes: Record<string, string | boolean> = {
    'faultline.action': request.action,
    'faultline.idempotency_key': request.idempotencyKey,
    'faultline.target_component': request.targetComponent,
    'faultline.dry_run': request.dryRun,
  };
  if (request.incident !== undefined) attributes['faultline.incident.id'] = request.incident.id;
  return attributes;
}

function toServiceError(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof ControlRequestError) return { code: error.code, details: error.message };
  const reason = error instanceof Error ? error.message : String(error);
  return { code: grpc.status.INTERNAL, details: `control server failed: ${reason}` };
}

function bind(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(formatAddress(host, port), grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error === null) resolve(boundPort);
      else reject(new Error(`control server could not listen on ${formatAddress(host, port)}: ${error.message}`, { cause: error }));
    });
  });
}

function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

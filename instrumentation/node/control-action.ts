/**
 * The recovery actions a service offers through its control server, and what one run of an
 * action receives and returns. The names mirror `faultline.control.v1` in
 * proto/faultline/control/v1/control.proto, in camelCase.
 */

/**
 * The value type a parameter's string must parse as:
 * - `string`: any string;
 * - `number`: a finite decimal number such as `0.5` or `-3`;
 * - `int`: a whole number such as `3`;
 * - `boolean`: `true` or `false`;
 * - `duration`: a number with a unit `ms`, `s`, `m` or `h`, such as `500ms` or `30s`.
 */
export type ActionParameterType = 'string' | 'number' | 'int' | 'boolean' | 'duration';

/** One parameter an action accepts. Values travel as strings and are checked against `type`. */
export interface ActionParameterSpec {
  /** The key in the request's parameters, in snake_case. */
  name: string;
  type: ActionParameterType;
  /** True when a request without this parameter, or with an empty value, is rejected. */
  required: boolean;
  /** A sentence that describes what the parameter sets, with its unit. */
  description: string;
}

/** One action a service offers, with the code that runs it. */
export interface ControlAction {
  /** The action name in snake_case, for example `restart_worker`. */
  name: string;
  /** A sentence that describes what the action does. */
  description: string;
  /** True when running the action twice has the same effect as running it once. */
  idempotent: boolean;
  /** The parameters the action accepts; a request with any other parameter is rejected. Default none. */
  parameters?: ActionParameterSpec[];
  /**
   * Runs the action. It is not called for a dry run, for a request that failed validation, or
   * for a repeated idempotency key. A thrown error reaches the caller as gRPC INTERNAL.
   */
  handler(request: ActionRequest): Promise<ActionOutcome> | ActionOutcome;
}

/** The incident that a recovery action is meant to repair, as Faultline sends it. */
export interface ActionIncident {
  id: string;
  /** The `service.name` where the failures start. */
  rootCauseService: string;
  /** The `service.namespace` of the root-cause service; empty when unknown. */
  rootCauseSystem: string;
  /** The error kind Faultline assigned, for example `unavailable`. */
  errorKind: string;
  fingerprint: string;
  /** Ids of recent failing traces (32 lowercase hex digits), newest last. */
  sampleTraceIds: string[];
}

/** One validated request to run an action. */
export interface ActionRequest {
  action: string;
  /** The worker, provider or model the action applies to; empty for the whole service. */
  targetComponent: string;
  /** The parameters, each checked against its spec; optional ones may be absent. */
  parameters: Record<string, string>;
  /** The key that stays the same across retries of one recovery step; empty when the caller sent none. */
  idempotencyKey: string;
  /** Undefined when the caller sent no incident. */
  incident: ActionIncident | undefined;
  /** Always false in a request passed to a handler, because a dry run does not call the handler. */
  dryRun: boolean;
}

/**
 * The result of running an action:
 * - `applied`: the action ran and finished;
 * - `already_applied`: the change was already in place, so nothing was done;
 * - `rejected`: the service refused the action, and a retry would fail the same way;
 * - `in_progress`: the action started and continues in the background.
 */
export type ActionOutcomeKind = 'applied' | 'already_applied' | 'rejected' | 'in_progress';

export interface ActionOutcome {
  outcome: ActionOutcomeKind;
  /** A sentence for Faultline's audit log that explains the outcome. */
  message: string;
}

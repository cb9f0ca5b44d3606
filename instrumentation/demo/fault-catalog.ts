/**
 * The faults the reference systems can inject through `POST /faults`, with the system each
 * one breaks and what Faultline is expected to do about it.
 */

/** A `service.namespace` of the reference deployment. */
export type SystemName = 'AutoMatrix' | 'RelayCore' | 'NeuroWeaver';

export const SYSTEM_NAMES: readonly SystemName[] = ['AutoMatrix', 'RelayCore', 'NeuroWeaver'];

export const FAULT_NAMES = ['model_crash', 'slow_model', 'provider_outage', 'corrupted_route', 'worker_crash', 'step_timeout', 'client_bug'] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

/**
 * The response a fault should lead to:
 * - `recover`: an incident with the fault's system as root cause, resolved by recovery actions;
 * - `no_action`: an incident with the fault's system as root cause, and no control call, because
 *   the error kind is a client error that repairing the system would not fix.
 */
export type ExpectedResponse = 'recover' | 'no_action';

export interface FaultSpec {
  name: FaultName;
  /** The system whose admin endpoint injects the fault, and which Faultline should blame. */
  system: SystemName;
  expected: ExpectedResponse;
  /** One line for the timeline and `--help`. */
  description: string;
}

export const FAULTS: Readonly<Record<FaultName, FaultSpec>> = {
  model_crash: { name: 'model_crash', system: 'NeuroWeaver', expected: 'recover', description: 'the active model fails every inference' },
  slow_model: { name: 'slow_model', system: 'NeuroWeaver', expected: 'recover', description: 'the active model responds after its callers\' deadlines' },
  provider_outage: { name: 'provider_outage', system: 'RelayCore', expected: 'recover', description: 'a model provider is unavailable' },
  corrupted_route: { name: 'corrupted_route', system: 'RelayCore', expected: 'recover', description: 'the routing table points at a broken route' },
  worker_crash: { name: 'worker_crash', system: 'AutoMatrix', expected: 'recover', description: 'a workflow worker crashes and its runs fail' },
  step_timeout: { name: 'step_timeout', system: 'AutoMatrix', expected: 'recover', description: 'a workflow step exceeds its timeout' },
  client_bug: { name: 'client_bug', system: 'AutoMatrix', expected: 'no_action', description: 'AutoMatrix sends malformed requests' },
};

/** Tells whether `name` is a known fault name. */
export function isFaultName(name: string): name is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(name);
}

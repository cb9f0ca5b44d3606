import type { Incident } from '../correlation/incident.js';
import type { RecoveryPolicy } from './config.js';

/** Returns the first policy, in config order, whose every `match` condition fits the incident. */
export function findMatchingPolicy(policies: readonly RecoveryPolicy[], incident: Incident): RecoveryPolicy | undefined {
  return policies.find((policy) => policyMatches(policy, incident));
}

export function policyMatches(policy: RecoveryPolicy, incident: Incident): boolean {
  const { match } = policy;
  const { rootCause } = incident;
  if (match.system !== undefined && match.system !== rootCause.system) return false;
  if (match.service !== undefined && match.service !== rootCause.service) return false;
  if (match.error_kind !== undefined && !toList(match.error_kind).includes(rootCause.errorKind)) return false;
  return incident.failingTraces >= match.min_failing_traces;
}

function toList(value: string | string[]): string[] {
  return typeof value === 'string' ? [value] : value;
}

import { existsSync } from 'node:fs';
import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import { parseEndpoint } from '../config/endpoint.js';
import { parseSection } from '../config/errors.js';

/**
 * Settings of the `recovery` extension: the control endpoints Faultline may call (targets),
 * the policies that map incidents to recovery steps, and the global limits. Keys are the ones
 * users write in YAML under `extensions.recovery`.
 */

const positiveInteger = (): z.ZodInt => z.int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' });

/** The error kinds that are never acted on by default: repairing a system does not fix a bad request. */
export const DEFAULT_NEVER_ACT_ON: readonly string[] = ['invalid_request', 'unauthenticated', 'permission_denied', 'not_found'];


const existingFile = (): z.ZodString =>
  z.string().min(1).refine((path) => existsSync(path), { error: (issue) => `must name an existing file, got ${JSON.stringify(issue.input)}` });

/**
 * The transport security of a target. Exactly one of `insecure: true` or `ca_file` is
 * required, so plaintext is always an explicit choice.
 */
const tlsSchema = z
  .strictObject({
    /** True connects without TLS. Allowed only when no file below is set. Default false. */
    insecure: z.boolean().default(false),
    /** A PEM file with the CA certificates that the server certificate must chain to. Must exist at start. */
    ca_file: existingFile().optional(),
    /** A PEM client certificate for mutual TLS; requires `key_file`. Must exist at start. */
    cert_file: existingFile().optional(),
    /** The PEM private key of `cert_file`. Must exist at start. */
    key_file: existingFile().optional(),
  })
  .superRefine((tls, context) => {
    if (tls.insecure && (tls.ca_file ?? tls.cert_file ?? tls.key_file) !== undefined) {
      context.addIssue({ code: 'custom', message: 'must not set insecure: true together with ca_file, cert_file or key_file' });
    }
    if (!tls.insecure && tls.ca_file === undefined) {
      context.addIssue({ code: 'custom', message: 'must set either insecure: true or ca_file' });
    }
    if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
      context.addIssue({ code: 'custom', message: 'must set cert_file and key_file together for mutual TLS' });
    }
  });

/** The circuit breaker of one target. */
const breakerSchema = z.strictObject({
  /** Consecutive failed calls (unreachable, timed out, overloaded or internal error) that open the breaker. Default 5. */
  failure_threshold: positiveInteger().default(5),
  /** How long an open breaker fails calls fast before it lets one test call through (half-open). Default 30s. */
  half_open_after: durationMs().prefault('30s'),
});

/** A control endpoint: a system's `RecoveryControl` server. */
const targetSchema = z.strictObject({
  /** Addresses as `host:port`, at least one. With several, health checks pick a healthy one, in list order. */
  endpoints: z
    .array(
      z
        .string({ error: 'must be host:port, for example "127.0.0.1:7000"' })
        .refine((text) => parseEndpoint(text) !== undefined, { error: 'must be host:port, for example "127.0.0.1:7000"' }),
    )
    .min(1, { error: 'must list at least one host:port' }),
  tls: tlsSchema,
  /** The deadline of each call, per attempt. Default 5s. */
  timeout: durationMs().prefault('5s'),
  breaker: breakerSchema.prefault({}),
  /** How often each endpoint's `grpc.health.v1.Health/Check` runs. Default 10s; 0 disables health checks, so every endpoint counts as healthy. */
  health_check_interval: durationMs({ allowZero: true }).prefault('10s'),
});

const snakeCaseName = (): z.ZodString => z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'must be a snake_case name such as "restart_worker"' });

/** Conditions an incident must meet for a policy to run; every condition given must match, none given matches all. */
const matchSchema = z.strictObject({
  /** The root-cause system (`service.namespace`), matched exactly. */
  system: z.string().min(1).optional(),
  /** The root-cause service (`service.name`), matched exactly. */
  service: z.string().min(1).optional(),
  /** The error kind, or a list of kinds of which one must match. */
  error_kind: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** The minimum of failing traces the incident must have counted. Default 0 (no minimum). */
  min_failing_traces: z.int({ error: 'must be an integer of zero or more' }).min(0, { error: 'must be an integer of zero or more' }).default(0),
});

/** One recovery step: one action on one target. */
const stepSchema = z.strictObject({
  /** The action name the target's `ListActions` offers. */
  action: snakeCaseName(),
  /** The name of a target under `targets`. */
  target: z.string().min(1),
  /** The component the action applies to; empty for the whole system. Default empty. */
  component: z.string().default(''),
  /** The action's parameters; values are strings. Default none. */
  parameters: z.record(z.string(), z.string({ error: 'must be a string (quote numbers and booleans)' })).default({}),
});

/** Retries of one step's call. Backoff is exponential with jitter: each wait is between half and all of the computed delay. */
const retrySchema = z.strictObject({
  /** Calls per step, the first one included. Default 3; 1 disables retries. */
  max_attempts: positiveInteger().default(3),
  /** The delay before the first retry. Default 200ms. */
  initial_backoff: durationMs().prefault('200ms'),
  /** The maximum delay between attempts. Default 5s. */
  max_backoff: durationMs().prefault('5s'),
  /** The factor by which the delay grows after each retry, 1 or more. Default 2. */
  multiplier: z.number({ error: 'must be a number of 1 or more' }).min(1, { error: 'must be a number of 1 or more' }).default(2),
});

const policySchema = z.strictObject({
  /** A unique name, used in idempotency keys, the audit log and logs. */
  name: snakeCaseName(),
  match: matchSchema.prefault({}),
  /** The steps, run in order until one verifies the incident as recovered. At least one. */
  steps: z.array(stepSchema).min(1, { error: 'must list at least one step' }),
  retry: retrySchema.prefault({}),
  verify: z
    .strictObject({
      /** How long after an applied step the incident must see no new failing trace to count as recovered. Default 30s. */
      window: durationMs().prefault('30s'),
    })
    .prefault({}),
  /** After a step of this policy on a target, further steps of this policy on that target within this time are skipped. Default 5m; 0 disables. */
  cooldown: durationMs({ allowZero: true }).prefault('5m'),
});

export const recoverySchema = z
  .strictObject({
    /** Control endpoints by name. Only these addresses are ever called. Default none. */
    targets: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'must be a name of letters, digits, "_", "." or "-"' }), targetSchema).default({}),
    /** Policies, tried in order; the first one whose `match` fits an incident runs. Default none. */
    policies: z.array(policySchema).default([]),
    /** Recovery steps started per minute across all incidents; past it, steps wait in order. Default 30. */
    max_actions_per_minute: positiveInteger().default(30),
    /** True makes decisions, logs and audits them, but calls no `ExecuteAction`. Default false. */
    dry_run: z.boolean().default(false),
    /** Error kinds that are never acted on. Default invalid_request, unauthenticated, permission_denied, not_found; an empty list acts on every kind. */
    never_act_on: z.array(z.string().min(1)).default([...DEFAULT_NEVER_ACT_ON]),
    audit: z
      .strictObject({
        /** The SQLite file of the audit log and recovery state, created when missing. Default `faultline-audit.db`. */
        path: z.string().min(1).default('faultline-audit.db'),
      })
      .prefault({}),
    self_tracing: z
      .strictObject({
        /** True exports a span per recovery and per control call over OTLP gRPC. Default false. */
        enabled: z.boolean().default(false),
        /** The OTLP gRPC endpoint, for example `http://127.0.0.1:4317`. Required when enabled. */
        endpoint: z.string().min(1).optional(),
        /** True sends OTLP without TLS. Default false. */
        insecure: z.boolean().default(false),
      })
      .prefault({})
      .refine((tracing) => !tracing.enabled || tracing.endpoint !== undefined, {
        error: 'must set endpoint when enabled is true',
      }),
  })
  .superRefine((recovery, context) => {
    const names = new Set<string>();
    recovery.policies.forEach((policy, policyIndex) => {
      if (names.has(policy.name)) {
        context.addIssue({ code: 'custom', path: ['policies', policyIndex, 'name'], message: `must be unique, got ${JSON.stringify(policy.name)} twice` });
      }
      names.add(policy.name);
      policy.steps.forEach((step, stepIndex) => {
        if (recovery.targets[step.target] !== undefined) return;
        context.addIssue({
          code: 'custom',
          path: ['policies', policyIndex, 'steps', stepIndex, 'target'],
          message: `must name a target under extensions.recovery.targets, got ${JSON.stringify(step.target)}`,
        });
      });
    });
  });

export type RecoveryConfig = z.output<typeof recoverySchema>;
export type TargetConfig = RecoveryConfig['targets'][string];
export type RecoveryPolicy = RecoveryConfig['policies'][number];
export type RecoveryStep = RecoveryPolicy['steps'][number];
export type RetryConfig = RecoveryPolicy['retry'];

/** Parses and validates the `extensions.recovery` section, throwing a ConfigError that names each invalid key. */
export function parseRecoveryConfig(input: unknown): RecoveryConfig {
  return parseSection(recoverySchema, input, 'extensions.recovery');
}

/** Returns the default settings, as an empty `extensions.recovery` section gives them. */
export function createDefaultRecoveryConfig(): RecoveryConfig {
  return recoverySchema.parse({});
}

import { z } from 'zod';
import { checkSync } from 'recheck';
import { durationMs } from '../config/duration.js';

/**
 * Settings of the `errorcorrelation` processor: the trace buffer in front of the analyzer,
 * the error-kind rules, and incident grouping. Keys are the ones users write in YAML.
 */

const positiveInteger = (): z.ZodInt => z.int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' });

/**
 * A rule that names an error kind. A span matches when every condition given matches; at
 * least one condition is required. Rules run in order before the built-in classifier.
 */
const errorKindRuleSchema = z
  .strictObject({
    /** The kind to assign, in snake_case (for example `model_failure`). */
    kind: z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'must be a snake_case name such as "model_failure"' }),
    /** Matches the span's `service.namespace` exactly. */
    system: z.string().min(1).optional(),
    /** Matches the span's `service.name` exactly. */
    service: z.string().min(1).optional(),
    /** Matches `error.type` or the exception type exactly. */
    error_type: z.string().min(1).optional(),
    /**
     * A regular expression, matched case-insensitively against the first 1024 characters of
     * the status and exception messages. Patterns that recheck does not rate as linear-time are
     * rejected.
     */
    message_pattern: z
      .string()
      .min(1)
      .refine((pattern) => isValidRegExp(pattern), { error: 'must be a valid regular expression' })
      .refine((pattern) => !isValidRegExp(pattern) || matchesInLinearTime(pattern), {
        error:
          'must match in linear time, because span messages come from telemetry; "(a+)+" and an unanchored ".*" backtrack, so anchor the pattern with ^ or use \\S+ in place of .*',
      })
      .optional(),
  })
  .refine((rule) => rule.system ?? rule.service ?? rule.error_type ?? rule.message_pattern, {
    error: 'must have at least one of system, service, error_type, message_pattern',
  });

/**
 * Tells whether recheck rates a pattern's worst-case match time as linear. Even a quadratic
 * pattern can cost tens of milliseconds per span, which a request of a thousand spans turns
 * into seconds of a stalled pipeline.
 */
function matchesInLinearTime(pattern: string): boolean {
  return checkSync(pattern, 'i').status === 'safe';
}

function isValidRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

const incidentsSchema = z.strictObject({
  /** The sliding window over which failing traces and error ratios are counted. Default 1m. */
  window: durationMs().prefault('1m'),
  /** Failing traces with one root cause within `window` before an incident opens. Default 5. */
  min_traces: positiveInteger().default(5),
  /**
   * The root-cause service's failing traces over all its traces within `window`, from 0 to 1,
   * before an incident opens. Default 0.05; 0 opens on `min_traces` alone.
   */
  min_error_ratio: z.number({ error: 'must be a number from 0 to 1' }).min(0).max(1).default(0.05),
  /** An incident resolves after this long without a new failing trace. Default 2m. */
  resolve_after: durationMs().prefault('2m'),
  /** Resolved incidents kept for the status API, oldest dropped first. Default 1000. */
  max_resolved: positiveInteger().default(1000),
});

export const errorCorrelationSchema = z.strictObject({
  /** How long a trace waits after its last span before analysis. Default 2s. */
  wait_duration: durationMs().prefault('2s'),
  /** Traces held at once; past it the oldest trace is analyzed early (evicted). Default 50000. */
  max_traces: positiveInteger().default(50_000),
  /** Spans kept per trace; later spans of that trace are dropped and counted. Default 1000. */
  max_spans_per_trace: positiveInteger().default(1000),
  /**
   * Spans held in the buffer at once. Past it the receiver returns UNAVAILABLE (gRPC) or 503
   * (HTTP) so clients back off and retry. Default 1000000.
   */
  max_buffered_spans: positiveInteger().default(1_000_000),
  /**
   * Estimated bytes of the spans held, with the same back-pressure as `max_buffered_spans`.
   * Each span counts as its share of its request's size after decompression, but at least
   * 1 KiB. Analyzed traces kept for late spans have a budget of the same size, and the oldest
   * is dropped past it. Default 134217728 (128 MiB).
   */
  max_buffered_bytes: positiveInteger().default(128 * 1024 * 1024),
  /** Analyzed traces whose verdicts stay cached so late spans join them. Default 10000. */
  verdict_cache_size: positiveInteger().default(10_000),
  /** Error-kind rules, tried in order before the built-in classifier. Default none. */
  error_kinds: z.array(errorKindRuleSchema).default([]),
  incidents: incidentsSchema.prefault({}),
});

export type ErrorCorrelationConfig = z.output<typeof errorCorrelationSchema>;
export type ErrorKindRule = ErrorCorrelationConfig['error_kinds'][number];
export type IncidentsConfig = ErrorCorrelationConfig['incidents'];

/** Returns the default settings, as an empty `processors.errorcorrelation` section gives them. */
export function createDefaultErrorCorrelationConfig(): ErrorCorrelationConfig {
  return errorCorrelationSchema.parse({});
}

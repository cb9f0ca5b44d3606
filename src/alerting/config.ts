import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import { parseSection } from '../config/errors.js';

/**
 * Settings of the `alertmanager` extension, which sends incidents to a Prometheus Alertmanager
 * as alerts. Keys are the ones users write in YAML under `extensions.alertmanager`.
 */

/** The labels every alert carries; static `labels` must not set them. */
export const INCIDENT_LABEL_NAMES: readonly string[] = ['alertname', 'incident_id', 'system', 'service', 'error_kind', 'state'];

/** The placeholder in `generator_url` that is replaced by the URL-encoded incident id. */
export const INCIDENT_ID_PLACEHOLDER = '{incidentId}';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** An HTTP header field name: one or more RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const positiveInteger = (): z.ZodInt => z.int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' });

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return url.protocol === 'http:' || url.protocol === 'https:';
}

const endpointSchema = z
  .string({ error: 'must be an http or https URL such as "http://127.0.0.1:9093"' })
  .refine(isHttpUrl, { error: (issue) => `must be an http or https URL such as "http://127.0.0.1:9093", got ${JSON.stringify(issue.input)}` })
  .refine((text) => !isHttpUrl(text) || (new URL(text).search === '' && new URL(text).hash === ''), {
    error: (issue) => `must not contain a query or fragment, got ${JSON.stringify(issue.input)}`,
  })
  // fetch rejects URLs with credentials, and a URL is logged, so credentials belong in a header.
  .refine((text) => !isHttpUrl(text) || (new URL(text).username === '' && new URL(text).password === ''), {
    error: 'must not contain a user name or password; set an Authorization header under headers instead',
  });

/** Returns why `name` cannot be a static label name, or undefined when it can. */
function labelNameProblem(name: string): string | undefined {
  if (!LABEL_NAME.test(name)) return 'must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)';
  if (name.startsWith('__')) return 'must not start with "__", which Prometheus reserves';
  if (INCIDENT_LABEL_NAMES.includes(name)) return `must not be one of ${INCIDENT_LABEL_NAMES.join(', ')}, which every alert sets`;
  return undefined;
}

// Keys are checked in superRefine because zod reports an invalid record key only as "Invalid key in record".
const labelsSchema = z
  .record(z.string(), z.string({ error: 'must be a string (quote numbers and booleans)' }).min(1, { error: 'must not be empty' }))
  .superRefine((labels, context) => {
    for (const name of Object.keys(labels)) {
      const problem = labelNameProblem(name);
      if (problem !== undefined) context.addIssue({ code: 'custom', path: [name], message: `${problem}, got ${JSON.stringify(name)}` });
    }
  })
  .default({});

const generatorUrlSchema = z
  .string()
  .refine((template) => isHttpUrl(template.replaceAll(INCIDENT_ID_PLACEHOLDER, 'inc-1')), {
    error: (issue) => `must be an http or https URL once ${INCIDENT_ID_PLACEHOLDER} is replaced, got ${JSON.stringify(issue.input)}`,
  });

const headersSchema = z
  .record(
    z.string(),
    z.string({ error: 'must be a string' }).refine((value) => !/[\r\n\0]/.test(value), {
      // The value is left out of the message because headers carry tokens.
      error: 'must not contain line breaks or NUL characters, got a value that does (not shown, as it may be a secret)',
    }),
  )
  .superRefine((headers, context) => {
    for (const name of Object.keys(headers)) {
      if (HEADER_NAME.test(name)) continue;
      context.addIssue({ code: 'custom', path: [name], message: `must be an HTTP header name such as "Authorization", got ${JSON.stringify(name)}` });
    }
  })
  .default({});

/** Retries of one request. Backoff is exponential with jitter: each wait is between half and all of the computed delay. */
const retrySchema = z.strictObject({
  /** Requests per batch, the first one included. Default 5; 1 disables retries. */
  max_attempts: positiveInteger().default(5),
  /** The delay before the first retry. Default 1s. */
  initial_backoff: durationMs().prefault('1s'),
  /** The maximum delay between attempts; each retry doubles the delay up to it. Default 30s. */
  max_backoff: durationMs().prefault('30s'),
});

export const alertmanagerSchema = z.strictObject({
  /**
   * The Alertmanager base URL, such as `http://127.0.0.1:9093` or `https://host/alertmanager`.
   * Alerts are posted to `<endpoint>/api/v2/alerts`. Required; it comes only from this config.
   */
  endpoint: endpointSchema,
  /** The deadline of each request. Also the deadline of the final flush at shutdown. Default 5s. */
  timeout: durationMs().prefault('5s'),
  /**
   * How often the alerts of unresolved incidents are sent again. Alertmanager resolves an alert
   * that is not sent again within its `resolve_timeout` (default 5m), so keep this well below it.
   * Default 1m.
   */
  resend_interval: durationMs().prefault('1m'),
  /** Static labels added to every alert, such as `{ team: sre }`. Default none. */
  labels: labelsSchema,
  /**
   * The alert's `generatorURL`, with `{incidentId}` replaced by the incident id, such as
   * `http://127.0.0.1:4319/incidents/{incidentId}`. Default none, so alerts carry no link.
   */
  generator_url: generatorUrlSchema.optional(),
  /** HTTP headers sent with every request, such as `Authorization: Bearer ${env:AM_TOKEN}`. Never logged. Default none. */
  headers: headersSchema,
  /**
   * Alerts waiting to be sent, at most one per incident and state. A change that would exceed it
   * is dropped and counted. Default 1000.
   */
  queue_size: positiveInteger().default(1000),
  retry: retrySchema.prefault({}),
});

export type AlertmanagerConfig = z.output<typeof alertmanagerSchema>;
export type AlertRetryConfig = AlertmanagerConfig['retry'];

/** Parses and validates the `extensions.alertmanager` section, throwing a ConfigError that names each invalid key. */
export function parseAlertmanagerConfig(input: unknown): AlertmanagerConfig {
  return parseSection(alertmanagerSchema, input, 'extensions.alertmanager');
}

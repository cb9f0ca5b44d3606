import { existsSync } from 'node:fs';
import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import { parseEndpoint } from '../config/endpoint.js';
import { ConfigError, parseSection } from '../config/errors.js';

/**
 * Settings of the OTLP exporters, in the OpenTelemetry Collector's layout: `otlp` sends
 * OTLP/gRPC and `otlphttp` sends OTLP/HTTP with protobuf bodies. Several instances of one type
 * are named `type/name` (`otlp/jaeger`, `otlphttp/tempo`). Keys and defaults follow the
 * Collector's `configgrpc`, `confighttp` and `exporterhelper` settings.
 */

/** The exporter types this version supports. */
export const EXPORTER_TYPES = ['otlp', 'otlphttp'] as const;
export type ExporterType = (typeof EXPORTER_TYPES)[number];

/** A component id: a type, and optionally `/` and a name without whitespace. */
const COMPONENT_ID = /^([a-z][a-z0-9_]*)(?:\/(\S+))?$/;

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** An HTTP header value: visible ASCII, spaces and tabs; no CR or LF. */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

const positiveInteger = (): z.ZodInt => z.int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' });

const existingFile = (): z.ZodString =>
  z.string().min(1).refine((path) => existsSync(path), { error: (issue) => `must name an existing file, got ${JSON.stringify(issue.input)}` });

const headersSchema = z
  .record(
    z.string().regex(HEADER_NAME, { error: 'must be a valid HTTP header name' }),
    z.string({ error: 'must be a string header value' }).regex(HEADER_VALUE, { error: 'must be a header value without line breaks' }),
    { error: 'must be a map of header names to string values' },
  )
  .refine((headers) => Object.keys(headers).every((name) => !name.toLowerCase().endsWith('-bin')), {
    error: 'must not name binary "-bin" headers, because values are sent as text',
  })
  .default({});

const sendingQueueSchema = z.strictObject({
  /** Only `true` is accepted, because the export stage hands batches to the queue and never sends from the pipeline. */
  enabled: z.literal(true, { error: 'must be true, because Faultline always queues exports so analysis never waits on a backend' }).default(true),
  /** Requests sent at once, each with its own retries. Default 10. */
  num_consumers: positiveInteger().default(10),
  /**
   * Batches (export requests of up to 512 spans) held while waiting to be sent. A batch that
   * finds the queue full is dropped and counted as `queue_full`. Default 1000.
   */
  queue_size: positiveInteger().default(1000),
});

const retryOnFailureSchema = z
  .strictObject({
    /** False drops a batch after its first retryable failure (counted as `retries_exhausted`). Default true. */
    enabled: z.boolean().default(true),
    /** Wait before the first retry. Default 5s. */
    initial_interval: durationMs().prefault('5s'),
    /** Maximum interval between two retries, before jitter. Default 30s. */
    max_interval: durationMs().prefault('30s'),
    /** Time after the first attempt past which a batch is no longer retried; `0s` retries without limit. Default 300s. */
    max_elapsed_time: durationMs({ allowZero: true }).prefault('300s'),
    /** Factor each wait grows by. Default 1.5. */
    multiplier: z.number({ error: 'must be a number of at least 1' }).min(1, { error: 'must be a number of at least 1' }).default(1.5),
    /** Each wait is drawn from wait × (1 ± this factor), so senders retrying together spread out. Default 0.5; 0 disables jitter. */
    randomization_factor: z.number({ error: 'must be a number from 0 to 1' }).min(0).max(1).default(0.5),
  })
  .refine((retry) => retry.max_interval >= retry.initial_interval, {
    error: 'must not be shorter than initial_interval',
    path: ['max_interval'],
  });

/** Settings both exporter types share. */
const commonShape = {
  /** Headers sent with every request (gRPC metadata or HTTP headers), for example an API key. Default none. */
  headers: headersSchema,
  /** Deadline of each export request. Default 5s. */
  timeout: durationMs().prefault('5s'),
  /** `gzip` (default) or `none`. */
  compression: z.enum(['gzip', 'none'], { error: 'must be gzip or none' }).default('gzip'),
  sending_queue: sendingQueueSchema.prefault({}),
  retry_on_failure: retryOnFailureSchema.prefault({}),
};

/**
 * TLS of an `otlp` exporter. TLS is on by default and checks the server against the system's
 * CA certificates; `insecure: true` sends plaintext.
 */
const grpcTlsSchema = z
  .strictObject({
    /** True connects without TLS. Allowed only when no file below is set. Default false. */
    insecure: z.boolean().default(false),
    /** A PEM file with the CA certificates the server certificate must chain to; the system's CAs when absent. */
    ca_file: existingFile().optional(),
    /** A PEM client certificate for mutual TLS; requires `key_file`. */
    cert_file: existingFile().optional(),
    /** The PEM private key of `cert_file`. */
    key_file: existingFile().optional(),
  })
  .superRefine((tls, context) => {
    if (tls.insecure && (tls.ca_file ?? tls.cert_file ?? tls.key_file) !== undefined) {
      context.addIssue({ code: 'custom', message: 'must not set insecure: true together with ca_file, cert_file or key_file' });
    }
    if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
      context.addIssue({ code: 'custom', message: 'must set cert_file and key_file together for mutual TLS' });
    }
  });

/** TLS of an `otlphttp` exporter; it applies to `https://` endpoints, and the scheme alone decides plaintext. */
const httpTlsSchema = z
  .strictObject(
    {
      ca_file: existingFile().optional(),
      cert_file: existingFile().optional(),
      key_file: existingFile().optional(),
    },
    { error: 'accepts only ca_file, cert_file and key_file; the endpoint scheme (http:// or https://) decides plaintext' },
  )
  .refine((tls) => (tls.cert_file === undefined) === (tls.key_file === undefined), {
    error: 'must set cert_file and key_file together for mutual TLS',
  });

const grpcEndpointSchema = z
  .string({ error: 'must be a "host:port" string such as "jaeger:4317"' })
  .refine((text) => !text.startsWith(':') && (parseEndpoint(text)?.port ?? 0) > 0, {
    error: 'must be "host:port" with a port from 1 to 65535, such as "jaeger:4317"; set tls.insecure: true for plaintext',
  });

const httpUrlSchema = z.string({ error: 'must be an http:// or https:// URL' }).refine(isHttpUrl, {
  error: 'must be an http:// or https:// URL with a host, such as "https://tempo:4318"',
});

const otlpGrpcSchema = z.strictObject({
  /** The backend's OTLP/gRPC address, `host:port`. Required. */
  endpoint: grpcEndpointSchema,
  tls: grpcTlsSchema.prefault({}),
  ...commonShape,
});

const otlpHttpSchema = z
  .strictObject({
    /** The backend's base URL; spans go to `<endpoint>/v1/traces`. */
    endpoint: httpUrlSchema.optional(),
    /** The full URL for spans; overrides `endpoint`. */
    traces_endpoint: httpUrlSchema.optional(),
    tls: httpTlsSchema.prefault({}),
    ...commonShape,
  })
  .refine((settings) => settings.endpoint !== undefined || settings.traces_endpoint !== undefined, {
    error: 'must set endpoint or traces_endpoint',
  });

export type OtlpGrpcSettings = z.output<typeof otlpGrpcSchema>;
export type OtlpHttpSettings = z.output<typeof otlpHttpSchema>;
export type RetryOnFailureSettings = OtlpGrpcSettings['retry_on_failure'];
export type SendingQueueSettings = OtlpGrpcSettings['sending_queue'];

/** One configured exporter instance, with its component id (`otlp/jaeger`) as `name`. */
export type ExporterConfig = { name: string; type: 'otlp'; settings: OtlpGrpcSettings } | { name: string; type: 'otlphttp'; settings: OtlpHttpSettings };

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Returns the exporter type of a component id, or undefined when the id is malformed or the type unknown. */
export function exporterTypeOf(id: string): ExporterType | undefined {
  const type = COMPONENT_ID.exec(id)?.[1];
  return (EXPORTER_TYPES as readonly string[]).includes(type ?? '') ? (type as ExporterType) : undefined;
}

/** Returns the URL an `otlphttp` exporter posts spans to. */
export function tracesUrlOf(settings: OtlpHttpSettings): string {
  if (settings.traces_endpoint !== undefined) return settings.traces_endpoint;
  const base = settings.endpoint ?? '';
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

/** Parses one exporter section; throws ConfigError naming every invalid key under `exporters.<id>`. */
export function parseExporterConfig(id: string, input: unknown): ExporterConfig {
  const type = exporterTypeOf(id);
  const prefix = `exporters.${id}`;
  if (type === undefined) {
    throw new ConfigError(`${prefix} is not a supported component; supported: ${EXPORTER_TYPES.join(', ')}, each optionally as type/name`);
  }
  if (type === 'otlp') return { name: id, type, settings: parseSection(otlpGrpcSchema, input, prefix) };
  return { name: id, type, settings: parseSection(otlpHttpSchema, input, prefix) };
}

/**
 * Validates every declared exporter and returns the ones `pipelineExporters` lists, in that
 * order. Throws one ConfigError with every problem found.
 */
export function parseExporters(declared: Record<string, unknown>, pipelineExporters: readonly string[]): ExporterConfig[] {
  const problems: string[] = [];
  const parsed = new Map<string, ExporterConfig>();
  for (const [id, input] of Object.entries(declared)) {
    try {
      parsed.set(id, parseExporterConfig(id, input));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));

  return pipelineExporters.flatMap((id) => {
    const config = parsed.get(id);
    return config === undefined ? [] : [config];
  });
}

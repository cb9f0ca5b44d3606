import { z } from 'zod';
import { parseEndpoint } from '../config/endpoint.js';
import { parseSection } from '../config/errors.js';
import { jwtSchema, type JwtSettings } from './jwt-config.js';
import { loadJwtVerificationKey, type JwtVerificationKey } from './jwt-keys.js';

const ENDPOINT_RULE = 'must be host:port such as "127.0.0.1:4319"';

/** Settings of the `status_api` extension: the HTTP JSON API, its event stream and the dashboard. */
export const statusApiSchema = z
  .strictObject({
    /**
     * host:port to listen on. Default `127.0.0.1:4319`. Port 0 picks a free port. A host that is
     * not loopback is accepted only with `auth.jwt`, because the API can resolve incidents and
     * start recoveries.
     */
    endpoint: z
      .string({ error: ENDPOINT_RULE })
      .refine((text) => parseEndpoint(text) !== undefined, { error: ENDPOINT_RULE })
      .default('127.0.0.1:4319'),
    /**
     * A link to a trace in a tracing UI, with `{traceId}` where the trace id goes, for example
     * `http://localhost:16686/trace/{traceId}`. Default none: the dashboard shows no link.
     */
    trace_url_template: z
      .string({ error: 'must be a URL containing {traceId}' })
      .refine((text) => text.includes('{traceId}'), { error: 'must be a URL containing {traceId}' })
      .optional(),
    /** Bearer token checks. Default none: every route is open, and only loopback endpoints are accepted. */
    auth: z.strictObject({ jwt: jwtSchema }).optional(),
  })
  .superRefine((settings, context) => {
    const host = parseEndpoint(settings.endpoint)?.host;
    if (host === undefined || isLoopback(host) || settings.auth !== undefined) return;
    context.addIssue({
      code: 'custom',
      path: ['endpoint'],
      message:
        `must be a loopback address such as "127.0.0.1:4319" unless auth.jwt is configured, because anyone who reaches ` +
        `the API could resolve incidents and start recoveries; set extensions.status_api.auth.jwt (see docs/configuration.md), ` +
        `got ${JSON.stringify(settings.endpoint)}`,
    });
  });

export type StatusApiSettings = z.output<typeof statusApiSchema>;

/** The status API's config: the settings as written, and the loaded token key when auth is on. */
export interface StatusApiConfig {
  endpoint: string;
  trace_url_template?: string | undefined;
  auth?: { jwt: JwtSettings; key: JwtVerificationKey } | undefined;
}

/**
 * Validates `extensions.status_api` and loads the token verification key. Throws ConfigError
 * naming the key under `prefix`.
 */
export function parseStatusApiConfig(input: unknown, prefix: string, env: NodeJS.ProcessEnv): StatusApiConfig {
  const settings = parseSection(statusApiSchema, input, prefix);
  if (settings.auth === undefined) return { endpoint: settings.endpoint, trace_url_template: settings.trace_url_template };

  const key = loadJwtVerificationKey(settings.auth.jwt, `${prefix}.auth.jwt`, env);
  return { endpoint: settings.endpoint, trace_url_template: settings.trace_url_template, auth: { jwt: settings.auth.jwt, key } };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

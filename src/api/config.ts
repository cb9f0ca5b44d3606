import { z } from 'zod';
import { parseEndpoint } from '../config/endpoint.js';

/** Settings of the `status_api` extension: the read-only HTTP JSON status API. */
export const statusApiSchema = z.strictObject({
  /**
   * host:port to listen on. Default `127.0.0.1:4319`. Only loopback hosts are accepted, because
   * the API has no authentication. Port 0 picks a free port.
   */
  endpoint: z
    .string({ error: 'must be host:port such as "127.0.0.1:4319"' })
    .refine((text) => parseEndpoint(text) !== undefined, { error: 'must be host:port such as "127.0.0.1:4319"' })
    .refine((text) => isLoopback(parseEndpoint(text)?.host ?? 'localhost'), {
      error: 'must be a loopback address such as "127.0.0.1:4319", because the status API has no authentication',
    })
    .default('127.0.0.1:4319'),
});

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export type StatusApiConfig = z.output<typeof statusApiSchema>;

import { z } from 'zod';
import { parseEndpoint } from '../config/endpoint.js';

/** Settings of the `status_api` extension: the read-only HTTP JSON status API. */
export const statusApiSchema = z.strictObject({
  /**
   * host:port to listen on. Default `127.0.0.1:4319`, loopback only, because the API has no
   * authentication yet. Port 0 picks a free port.
   */
  endpoint: z
    .string({ error: 'must be host:port such as "127.0.0.1:4319"' })
    .refine((text) => parseEndpoint(text) !== undefined, { error: 'must be host:port such as "127.0.0.1:4319"' })
    .default('127.0.0.1:4319'),
});

export type StatusApiConfig = z.output<typeof statusApiSchema>;

import { z } from 'zod';
import { parseEndpoint } from '../config/endpoint.js';

/**
 * Settings of `receivers.otlp`, in the OpenTelemetry Collector's layout. A protocol left out of
 * `protocols` is not started; a protocol named with no settings (`grpc:` in YAML) starts with
 * its defaults.
 */

const MIB = 1024 * 1024;

const endpointSchema = z.string({ error: 'must be a "host:port" string' }).refine((text) => parseEndpoint(text) !== undefined, {
  error: 'must be "host:port" with a port from 0 to 65535, such as "localhost:4317"',
});

const positiveInteger = (): z.ZodInt =>
  z.int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' });

/** Reads YAML's `grpc:` with no value (null) as "enabled with defaults". */
const enabledWhenNull = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === null ? {} : value), schema);

const grpcSchema = z.strictObject({
  /**
   * Address the gRPC server listens on, `host:port`. Default `localhost:4317`; port 0 picks a
   * free port; an empty host (`:4317`) listens on all IPv4 interfaces.
   */
  endpoint: endpointSchema.default('localhost:4317'),
  /**
   * Largest request message in MiB, after gzip decompression; larger requests get
   * RESOURCE_EXHAUSTED. Default 4; zero is rejected.
   */
  max_recv_msg_size_mib: positiveInteger().default(4),
});

const httpSchema = z.strictObject({
  /**
   * Address the HTTP server listens on, `host:port`. Default `localhost:4318`; port 0 picks a
   * free port; an empty host (`:4318`) listens on all IPv4 interfaces.
   */
  endpoint: endpointSchema.default('localhost:4318'),
  /**
   * Largest request body in bytes as sent (before decompression); larger requests get 413 and
   * the rest of the body is not read. Default 20971520 (20 MiB); zero is rejected.
   */
  max_request_body_size: positiveInteger().default(20 * MIB),
  /**
   * Largest request body in bytes after gzip decompression; larger requests get 413, checked
   * while inflating so a small compressed bomb never expands in full. Default 67108864
   * (64 MiB); zero is rejected.
   */
  max_decompressed_size: positiveInteger().default(64 * MIB),
});

export const receiverConfigSchema = z.strictObject({
  /** The transports to serve; at least one of `grpc` and `http`. */
  protocols: z
    .strictObject({
      grpc: enabledWhenNull(grpcSchema).optional(),
      http: enabledWhenNull(httpSchema).optional(),
    }, { error: 'must name at least one of grpc, http' })
    .refine((protocols) => protocols.grpc !== undefined || protocols.http !== undefined, {
      error: 'must name at least one of grpc, http',
    }),
});

export type ReceiverConfig = z.output<typeof receiverConfigSchema>;
export type GrpcProtocolConfig = z.output<typeof grpcSchema>;
export type HttpProtocolConfig = z.output<typeof httpSchema>;

/** Returns the settings of `receivers.otlp` with both protocols on their default endpoints and limits. */
export function createDefaultReceiverConfig(): ReceiverConfig {
  return receiverConfigSchema.parse({ protocols: { grpc: {}, http: {} } });
}

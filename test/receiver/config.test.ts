import { describe, expect, it } from 'vitest';
import { ConfigError, parseSection } from '../../src/config/errors.js';
import { createDefaultReceiverConfig, receiverConfigSchema } from '../../src/receiver/config.js';

const parse = (input: unknown) => parseSection(receiverConfigSchema, input, 'receivers.otlp');

describe('receiverConfigSchema', () => {
  it('gives the Collector defaults for both protocols', () => {
    expect(createDefaultReceiverConfig()).toEqual({
      protocols: {
        grpc: { endpoint: 'localhost:4317', max_recv_msg_size_mib: 4 },
        http: { endpoint: 'localhost:4318', max_request_body_size: 20_971_520, max_decompressed_size: 67_108_864 },
      },
    });
  });

  it('leaves out a protocol that is not named', () => {
    const config = parse({ protocols: { http: { endpoint: '127.0.0.1:0' } } });

    expect(config.protocols.grpc).toBeUndefined();
    expect(config.protocols.http?.endpoint).toBe('127.0.0.1:0');
  });

  it('starts a protocol named without settings with its defaults', () => {
    expect(parse({ protocols: { grpc: null } }).protocols.grpc).toEqual({ endpoint: 'localhost:4317', max_recv_msg_size_mib: 4 });
  });

  it.each([
    { name: 'no protocols key', input: {}, message: 'receivers.otlp.protocols must name at least one of grpc, http' },
    { name: 'an empty otlp section', input: null, message: 'receivers.otlp.protocols must name at least one of grpc, http' },
    { name: 'no protocol named', input: { protocols: {} }, message: 'receivers.otlp.protocols must name at least one of grpc, http, got {}' },
    { name: 'an unknown protocol', input: { protocols: { grpc: {}, kafka: {} } }, message: 'unknown key receivers.otlp.protocols.kafka' },
    { name: 'an endpoint without port', input: { protocols: { grpc: { endpoint: 'localhost' } } }, message: 'receivers.otlp.protocols.grpc.endpoint must be "host:port"' },
    { name: 'a port out of range', input: { protocols: { http: { endpoint: 'localhost:70000' } } }, message: 'got "localhost:70000"' },
    { name: 'a zero message size', input: { protocols: { grpc: { max_recv_msg_size_mib: 0 } } }, message: 'max_recv_msg_size_mib must be a positive integer, got 0' },
    { name: 'a negative body size', input: { protocols: { http: { max_request_body_size: -1 } } }, message: 'max_request_body_size must be a positive integer, got -1' },
    { name: 'a text decompressed size', input: { protocols: { http: { max_decompressed_size: '64MiB' } } }, message: 'max_decompressed_size must be a positive integer, got "64MiB"' },
    { name: 'an unknown key', input: { protocols: { http: { cors: {} } } }, message: 'unknown key receivers.otlp.protocols.http.cors' },
  ])('rejects $name', ({ input, message }) => {
    expect(() => parse(input)).toThrow(ConfigError);
    expect(() => parse(input)).toThrow(message);
  });

  it.each(['[::1]:4317', ':4317', '0.0.0.0:0', 'collector.internal:4318'])('accepts endpoint %s', (endpoint) => {
    expect(parse({ protocols: { grpc: { endpoint } } }).protocols.grpc?.endpoint).toBe(endpoint);
  });
});

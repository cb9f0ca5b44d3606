import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfigText } from '../../src/config/faultline-config.js';
import { parseExporterConfig, parseExporters, tracesUrlOf } from '../../src/exporter/config.js';

const certFile = join(mkdtempSync(join(tmpdir(), 'faultline-exporter-config-')), 'ca.pem');
writeFileSync(certFile, 'not checked until the exporter starts');

function configText(exporters: string, pipelineExporters: string): string {
  return `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
processors:
  errorcorrelation: {}
exporters:
${exporters}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [errorcorrelation]
      exporters: ${pipelineExporters}
`;
}

describe('parseExporterConfig', () => {
  it('fills the Collector defaults for otlp', () => {
    const config = parseExporterConfig('otlp', { endpoint: 'jaeger:4317' });

    expect(config.type).toBe('otlp');
    expect(config.settings).toEqual({
      endpoint: 'jaeger:4317',
      tls: { insecure: false },
      headers: {},
      timeout: 5000,
      compression: 'gzip',
      sending_queue: { enabled: true, num_consumers: 10, queue_size: 1000 },
      retry_on_failure: {
        enabled: true,
        initial_interval: 5000,
        max_interval: 30_000,
        max_elapsed_time: 300_000,
        multiplier: 1.5,
        randomization_factor: 0.5,
      },
    });
  });

  it('reads type/name ids', () => {
    const config = parseExporterConfig('otlphttp/tempo', { endpoint: 'https://tempo:4318/' });

    expect(config.name).toBe('otlphttp/tempo');
    expect(config.type).toBe('otlphttp');
    if (config.type !== 'otlphttp') throw new Error('expected otlphttp');
    expect(tracesUrlOf(config.settings)).toBe('https://tempo:4318/v1/traces');
  });

  it('prefers traces_endpoint over endpoint', () => {
    const config = parseExporterConfig('otlphttp', { endpoint: 'http://a:4318', traces_endpoint: 'http://b:9999/custom' });

    if (config.type !== 'otlphttp') throw new Error('expected otlphttp');
    expect(tracesUrlOf(config.settings)).toBe('http://b:9999/custom');
  });

  it('accepts TLS files that exist', () => {
    const config = parseExporterConfig('otlp', { endpoint: 'jaeger:4317', tls: { ca_file: certFile, cert_file: certFile, key_file: certFile } });

    expect(config.settings.tls).toMatchObject({ ca_file: certFile });
  });

  const invalid: { name: string; id: string; input: unknown; message: RegExp }[] = [
    { name: 'unknown type', id: 'zipkin', input: {}, message: /exporters\.zipkin is not a supported component; supported: otlp, otlphttp/ },
    { name: 'missing endpoint', id: 'otlp', input: {}, message: /exporters\.otlp\.endpoint must be a "host:port" string/ },
    { name: 'endpoint with scheme', id: 'otlp/jaeger', input: { endpoint: 'http://jaeger:4317' }, message: /exporters\.otlp\/jaeger\.endpoint must be "host:port"/ },
    { name: 'endpoint without host', id: 'otlp', input: { endpoint: ':4317' }, message: /endpoint must be "host:port"/ },
    { name: 'port zero', id: 'otlp', input: { endpoint: 'jaeger:0' }, message: /port from 1 to 65535/ },
    { name: 'unknown key', id: 'otlp', input: { endpoint: 'a:1', balancer_name: 'x' }, message: /unknown key exporters\.otlp\.balancer_name/ },
    { name: 'unknown nested key', id: 'otlp', input: { endpoint: 'a:1', retry_on_failure: { max_retries: 3 } }, message: /unknown key exporters\.otlp\.retry_on_failure\.max_retries/ },
    { name: 'zstd compression', id: 'otlp', input: { endpoint: 'a:1', compression: 'zstd' }, message: /compression must be gzip or none, got "zstd"/ },
    { name: 'queue disabled', id: 'otlp', input: { endpoint: 'a:1', sending_queue: { enabled: false } }, message: /sending_queue\.enabled must be true/ },
    { name: 'zero queue size', id: 'otlp', input: { endpoint: 'a:1', sending_queue: { queue_size: 0 } }, message: /queue_size must be a positive integer, got 0/ },
    { name: 'negative timeout', id: 'otlp', input: { endpoint: 'a:1', timeout: '-1s' }, message: /timeout must be a positive duration/ },
    {
      name: 'max below initial interval',
      id: 'otlp',
      input: { endpoint: 'a:1', retry_on_failure: { initial_interval: '10s', max_interval: '1s' } },
      message: /retry_on_failure\.max_interval must not be shorter than initial_interval, got "1s"/,
    },
    { name: 'insecure with a CA', id: 'otlp', input: { endpoint: 'a:1', tls: { insecure: true, ca_file: certFile } }, message: /must not set insecure: true together with ca_file/ },
    { name: 'missing CA file', id: 'otlp', input: { endpoint: 'a:1', tls: { ca_file: '/nonexistent/ca.pem' } }, message: /tls\.ca_file must name an existing file/ },
    { name: 'cert without key', id: 'otlp', input: { endpoint: 'a:1', tls: { cert_file: certFile } }, message: /cert_file and key_file together/ },
    { name: 'header with newline', id: 'otlp', input: { endpoint: 'a:1', headers: { 'x-api-key': 'a\nb' } }, message: /headers\.x-api-key must be a header value without line breaks/ },
    { name: 'binary header', id: 'otlp', input: { endpoint: 'a:1', headers: { 'x-token-bin': 'abc' } }, message: /must not name binary "-bin" headers/ },
    { name: 'http without endpoint', id: 'otlphttp', input: {}, message: /exporters\.otlphttp must set endpoint or traces_endpoint/ },
    { name: 'http with a non-http URL', id: 'otlphttp', input: { endpoint: 'ftp://tempo' }, message: /endpoint must be an http:\/\/ or https:\/\/ URL/ },
    { name: 'http with tls.insecure', id: 'otlphttp', input: { endpoint: 'http://a:1', tls: { insecure: true } }, message: /unknown key exporters\.otlphttp\.tls\.insecure/ },
  ];

  it.each(invalid)('rejects $name', ({ id, input, message }) => {
    expect(() => parseExporterConfig(id, input)).toThrow(message);
  });
});

describe('parseExporters', () => {
  it('returns the pipeline exporters in pipeline order', () => {
    const exporters = parseExporters(
      { otlp: { endpoint: 'a:1' }, 'otlp/unused': { endpoint: 'b:2' }, 'otlphttp/tempo': { endpoint: 'http://c:3' } },
      ['otlphttp/tempo', 'otlp'],
    );

    expect(exporters.map((exporter) => exporter.name)).toEqual(['otlphttp/tempo', 'otlp']);
  });

  it('validates exporters the pipeline does not list', () => {
    expect(() => parseExporters({ otlp: { endpoint: 'a:1' }, 'otlp/unused': { endpoint: 'bad' } }, ['otlp'])).toThrow(ConfigError);
  });
});

describe('parseConfigText with exporters', () => {
  it('builds the exporters the pipeline lists', () => {
    const config = parseConfigText(configText('  otlp/jaeger:\n    endpoint: 127.0.0.1:14317\n    tls:\n      insecure: true', '[otlp/jaeger]'));

    expect(config.exporters).toHaveLength(1);
    expect(config.exporters[0]?.name).toBe('otlp/jaeger');
  });

  it('has no exporters by default', () => {
    const config = parseConfigText(configText('  {}', '[]'));

    expect(config.exporters).toEqual([]);
  });

  it('reports an exporter error with the other config problems', () => {
    const text = configText('  otlp:\n    endpoint: nowhere', '[otlp, otlphttp]');

    let message = '';
    try {
      parseConfigText(text);
    } catch (error) {
      message = error instanceof ConfigError ? error.message : '';
    }

    expect(message).toMatch(/exporters\.otlp\.endpoint must be "host:port"/);
    expect(message).toMatch(/service\.pipelines\.traces\.exporters names "otlphttp", which is not declared in exporters/);
  });
});

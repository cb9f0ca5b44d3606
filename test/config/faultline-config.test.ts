import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfigFile, parseConfigText } from '../../src/config/faultline-config.js';

const MINIMAL = `
receivers:
  otlp:
    protocols:
      grpc:
processors:
  errorcorrelation:
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [errorcorrelation]
`;

describe('parseConfigText', () => {
  it('accepts the repository config file', () => {
    const config = loadConfigFile(new URL('../../otel-config.yaml', import.meta.url).pathname, {});

    expect(config.receiver.protocols.grpc?.endpoint).toBe('localhost:4317');
    expect(config.receiver.protocols.http?.endpoint).toBe('localhost:4318');
    expect(config.errorCorrelation.wait_duration).toBe(2000);
    expect(config.statusApi?.endpoint).toBe('127.0.0.1:4319');
  });

  it('fills every default from a minimal config', () => {
    const config = parseConfigText(MINIMAL, {});

    expect(config.receiver.protocols.grpc).toEqual({ endpoint: 'localhost:4317', max_recv_msg_size_mib: 4 });
    expect(config.receiver.protocols.http).toBeUndefined();
    expect(config.errorCorrelation.incidents).toEqual({
      window: 60_000,
      min_traces: 5,
      min_error_ratio: 0.05,
      resolve_after: 120_000,
      max_resolved: 1000,
    });
    expect(config.statusApi).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });

  it('expands environment variables before validation', () => {
    const text = MINIMAL.replace('grpc:', 'grpc:\n        endpoint: ${env:GRPC_ENDPOINT}').replace(
      'errorcorrelation:\nservice',
      'errorcorrelation:\n    wait_duration: ${env:WAIT:-3s}\nservice',
    );

    const config = parseConfigText(text, { GRPC_ENDPOINT: '127.0.0.1:14317' });

    expect(config.receiver.protocols.grpc?.endpoint).toBe('127.0.0.1:14317');
    expect(config.errorCorrelation.wait_duration).toBe(3000);
  });

  it.each([
    ['not YAML', 'receivers: [', /config is not valid YAML/],
    ['a list at the top', '- a\n- b', /must be a YAML map/],
    ['an unknown top-level key', `${MINIMAL}\nconnectors: {}`, /unknown key connectors/],
    [
      'a negative wait_duration',
      MINIMAL.replace('errorcorrelation:\nservice', 'errorcorrelation:\n    wait_duration: -1s\nservice'),
      /processors\.errorcorrelation\.wait_duration must be a positive duration such as "2s", got "-1s"/,
    ],
    [
      'an unknown processor key',
      MINIMAL.replace('errorcorrelation:\nservice', 'errorcorrelation:\n    wait: 1s\nservice'),
      /unknown key processors\.errorcorrelation\.wait/,
    ],
    ['an unsupported receiver', MINIMAL.replace('receivers:\n', 'receivers:\n  jaeger: {}\n'), /receivers\.jaeger is not a supported component; supported: otlp/],
    ['an exporter without an endpoint', `${MINIMAL}\nexporters:\n  otlp: {}`, /exporters\.otlp\.endpoint must be/],
    ['a pipeline naming an undeclared processor', MINIMAL.replace('processors: [errorcorrelation]', 'processors: [errorcorrelation, batch]'), /names "batch", which is not declared in processors/],
    ['a pipeline without errorcorrelation', MINIMAL.replace('processors: [errorcorrelation]', 'processors: []'), /processors must include errorcorrelation/],
    ['no pipeline receivers', MINIMAL.replace('receivers: [otlp]', 'receivers: []'), /service\.pipelines\.traces\.receivers must include otlp/],
    ['an undeclared extension', MINIMAL.replace('service:\n', 'service:\n  extensions: [status_api]\n'), /service\.extensions names "status_api", which is not declared in extensions/],
    ['a bad log level', MINIMAL.replace('service:\n', 'service:\n  telemetry:\n    logs:\n      level: loud\n'), /service\.telemetry\.logs\.level must be one of trace, debug/],
    ['a bad status_api endpoint', `${MINIMAL.replace('service:\n', 'service:\n  extensions: [status_api]\n')}\nextensions:\n  status_api:\n    endpoint: nowhere`, /extensions\.status_api\.endpoint must be host:port/],
    ['an unset environment variable', MINIMAL.replace('grpc:', 'grpc:\n        endpoint: ${env:UNSET_VARIABLE}'), /environment variable UNSET_VARIABLE, which is not set/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseConfigText(text, {})).toThrow(ConfigError);
    expect(() => parseConfigText(text, {})).toThrow(message);
  });

  it('masks the password of a URL in an error', () => {
    const text = `${MINIMAL}\nexporters:\n  otlp:\n    endpoint: http://user:s3cr3t@127.0.0.1:1`;

    expect(() => parseConfigText(text, {})).toThrow(/got "http:\/\/user:\*\*\*@127\.0\.0\.1:1"/);
    expect(() => parseConfigText(text, {})).not.toThrow(/s3cr3t/);
  });

  it('lists every problem at once', () => {
    const text = MINIMAL.replace('errorcorrelation:\nservice', 'errorcorrelation:\n    wait_duration: soon\n    max_traces: 0\nservice');

    expect(() => parseConfigText(text, {})).toThrow(/wait_duration.*\n.*max_traces must be a positive integer, got 0/);
  });
});

describe('loadConfigFile', () => {
  it('names the path when the file cannot be read', () => {
    expect(() => loadConfigFile('/nonexistent/faultline.yaml')).toThrow(/cannot read config file \/nonexistent\/faultline\.yaml/);
  });

  it('reads a file from disk', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'faultline-config-')), 'config.yaml');
    writeFileSync(path, MINIMAL);

    expect(loadConfigFile(path, {}).errorCorrelation.max_traces).toBe(50_000);
  });
});

describe('error_kinds rules', () => {
  const withPattern = (pattern: string): string =>
    // A replacer function, because a replacement string would read "$'" in a pattern as a special token.
    MINIMAL.replace('errorcorrelation:\nservice', () => `errorcorrelation:\n    error_kinds:\n      - { kind: slow, message_pattern: '${pattern}' }\nservice`);

  it.each(['(a+)+$', '(a|a)*$', '(a|aa)+$', '^(\\w+\\s?)*$', 'model .* failed', '(a|b)*(?=c)'])('rejects the backtracking pattern %s', (pattern) => {
    expect(() => parseConfigText(withPattern(pattern), {})).toThrow(/error_kinds\.0\.message_pattern must match in linear time/);
  });

  it.each(['model', '^model .* failed', 'model \\S+ failed', 'timeout|deadline exceeded'])('accepts the pattern %s', (pattern) => {
    expect(parseConfigText(withPattern(pattern), {}).errorCorrelation.error_kinds[0]?.message_pattern).toBe(pattern);
  });
});

describe('status_api endpoint', () => {
  const withStatusApi = (endpoint: string): string =>
    `${MINIMAL.replace('service:\n', 'service:\n  extensions: [status_api]\n')}\nextensions:\n  status_api:\n    endpoint: "${endpoint}"`;

  it.each(['127.0.0.1:4319', 'localhost:0', '[::1]:4319', '127.1.2.3:80'])('accepts loopback %s', (endpoint) => {
    expect(parseConfigText(withStatusApi(endpoint), {}).statusApi?.endpoint).toBe(endpoint);
  });

  it.each(['0.0.0.0:4319', ':4319', '10.0.0.5:4319', 'example.com:4319'])('rejects non-loopback %s', (endpoint) => {
    expect(() => parseConfigText(withStatusApi(endpoint), {})).toThrow(/must be a loopback address/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseAlertmanagerConfig } from '../../src/alerting/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfigText } from '../../src/config/faultline-config.js';

const ENDPOINT = 'http://127.0.0.1:9093';

function messageOf(input: unknown): string {
  try {
    parseAlertmanagerConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'no error';
}

describe('parseAlertmanagerConfig', () => {
  it('gives the documented defaults when only endpoint is set', () => {
    expect(parseAlertmanagerConfig({ endpoint: ENDPOINT })).toEqual({
      endpoint: ENDPOINT,
      timeout: 5_000,
      resend_interval: 60_000,
      labels: {},
      headers: {},
      queue_size: 1000,
      retry: { max_attempts: 5, initial_backoff: 1_000, max_backoff: 30_000 },
    });
  });

  it('accepts every key', () => {
    const config = parseAlertmanagerConfig({
      endpoint: 'https://alerts.example.com/alertmanager',
      timeout: '2s',
      resend_interval: '30s',
      labels: { team: 'sre', env: 'prod' },
      generator_url: 'http://127.0.0.1:4319/incidents/{incidentId}',
      headers: { Authorization: 'Bearer token' },
      queue_size: 50,
      retry: { max_attempts: 1, initial_backoff: '100ms', max_backoff: '1s' },
    });

    expect(config.generator_url).toBe('http://127.0.0.1:4319/incidents/{incidentId}');
    expect(config.retry).toEqual({ max_attempts: 1, initial_backoff: 100, max_backoff: 1_000 });
    expect(config.labels).toEqual({ team: 'sre', env: 'prod' });
  });

  it.each([
    { name: 'missing endpoint', input: {}, message: 'extensions.alertmanager.endpoint must be an http or https URL' },
    { name: 'endpoint without scheme', input: { endpoint: '127.0.0.1:9093' }, message: 'extensions.alertmanager.endpoint must be an http or https URL such as "http://127.0.0.1:9093", got "127.0.0.1:9093"' },
    { name: 'ftp endpoint', input: { endpoint: 'ftp://127.0.0.1/' }, message: 'extensions.alertmanager.endpoint must be an http or https URL' },
    { name: 'endpoint with a query', input: { endpoint: `${ENDPOINT}/?a=1` }, message: 'extensions.alertmanager.endpoint must not contain a query or fragment' },
    { name: 'endpoint with credentials', input: { endpoint: 'http://user:pass@127.0.0.1:9093' }, message: 'extensions.alertmanager.endpoint must not contain a user name or password' },
    { name: 'zero timeout', input: { endpoint: ENDPOINT, timeout: '0s' }, message: 'extensions.alertmanager.timeout must be a positive duration such as "2s", got "0s"' },
    { name: 'bad resend_interval', input: { endpoint: ENDPOINT, resend_interval: 'often' }, message: 'extensions.alertmanager.resend_interval must be a positive duration' },
    { name: 'label name with a dash', input: { endpoint: ENDPOINT, labels: { 'my-team': 'sre' } }, message: 'extensions.alertmanager.labels.my-team must be a Prometheus label name' },
    { name: 'reserved label name', input: { endpoint: ENDPOINT, labels: { __name__: 'x' } }, message: 'extensions.alertmanager.labels.__name__ must not start with "__"' },
    { name: 'label Faultline sets', input: { endpoint: ENDPOINT, labels: { state: 'x' } }, message: 'extensions.alertmanager.labels.state must not be one of alertname' },
    { name: 'empty label value', input: { endpoint: ENDPOINT, labels: { team: '' } }, message: 'extensions.alertmanager.labels.team must not be empty' },
    { name: 'numeric label value', input: { endpoint: ENDPOINT, labels: { tier: 1 } }, message: 'extensions.alertmanager.labels.tier must be a string' },
    { name: 'generator_url that is no URL', input: { endpoint: ENDPOINT, generator_url: 'incidents/{incidentId}' }, message: 'extensions.alertmanager.generator_url must be an http or https URL once {incidentId} is replaced' },
    { name: 'header name with a space', input: { endpoint: ENDPOINT, headers: { 'X Token': 'a' } }, message: 'extensions.alertmanager.headers.X Token must be an HTTP header name' },
    { name: 'header value with a line break', input: { endpoint: ENDPOINT, headers: { Authorization: 'a\r\nX: b' } }, message: 'extensions.alertmanager.headers.Authorization must not contain line breaks' },
    { name: 'zero queue_size', input: { endpoint: ENDPOINT, queue_size: 0 }, message: 'extensions.alertmanager.queue_size must be a positive integer, got 0' },
    { name: 'zero max_attempts', input: { endpoint: ENDPOINT, retry: { max_attempts: 0 } }, message: 'extensions.alertmanager.retry.max_attempts must be a positive integer, got 0' },
    { name: 'unknown key', input: { endpoint: ENDPOINT, url: ENDPOINT }, message: 'unknown key extensions.alertmanager.url' },
  ])('rejects $name', ({ input, message }) => {
    expect(messageOf(input)).toContain(message);
  });

  it('leaves a header value out of its error message', () => {
    expect(messageOf({ endpoint: ENDPOINT, headers: { Authorization: 'Bearer s3cret\n' } })).not.toContain('s3cret');
  });
});

describe('parseConfigText with the alertmanager extension', () => {
  const document = (extensions: string): string => `
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:0 }
processors:
  errorcorrelation: {}
extensions:
  alertmanager:
    endpoint: \${env:AM_URL}
    headers: { Authorization: "Bearer \${env:AM_TOKEN}" }
service:
  extensions: [${extensions}]
  pipelines:
    traces: { receivers: [otlp], processors: [errorcorrelation] }
`;

  it('parses the section when service.extensions lists it', () => {
    const config = parseConfigText(document('alertmanager'), { AM_URL: ENDPOINT, AM_TOKEN: 'secret' });

    expect(config.alertmanager?.endpoint).toBe(ENDPOINT);
    expect(config.alertmanager?.headers).toEqual({ Authorization: 'Bearer secret' });
  });

  it('leaves it off when service.extensions does not list it', () => {
    expect(parseConfigText(document(''), { AM_URL: ENDPOINT, AM_TOKEN: 'secret' }).alertmanager).toBeUndefined();
  });

  it('names the key of an invalid section', () => {
    expect(() => parseConfigText(document('alertmanager'), { AM_URL: 'not a url', AM_TOKEN: 'secret' })).toThrow(
      /extensions\.alertmanager\.endpoint must be an http or https URL/,
    );
  });
});

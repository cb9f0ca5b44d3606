/**
 * End to end with a real Alertmanager (Debian's prometheus-alertmanager, 0.25): a FaultlineService
 * receives failing OTLP spans, opens an incident and sends its alert; Alertmanager must list the
 * alert, and once the incident resolves, its webhook must send a "resolved" notification.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/faultline-config.js';
import type { Incident } from '../../src/correlation/incident.js';
import { FaultlineService } from '../../src/service.js';
import { postJson } from '../support/otlp-test-requests.js';
import { ALERTMANAGER_BINARY, startAlertmanager, type RunningAlertmanager } from './alertmanager-process.js';

const WAIT_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 50;
const FAILING_TRACES = 3;

/** Alertmanager's webhook payload, as far as this test reads it. */
interface WebhookNotification {
  status: 'firing' | 'resolved';
  alerts: { status: string; labels: Record<string, string>; endsAt: string }[];
}

/** An alert as `GET /api/v2/alerts` returns it, as far as this test reads it. */
interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
}

function faultlineConfig(alertmanagerUrl: string): string {
  return `
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:0 }
processors:
  errorcorrelation:
    wait_duration: 100ms
    incidents: { window: 1m, min_traces: ${FAILING_TRACES}, min_error_ratio: 0, resolve_after: 1s }
extensions:
  alertmanager:
    endpoint: ${alertmanagerUrl}
    timeout: 2s
    labels: { team: sre }
service:
  extensions: [alertmanager]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [errorcorrelation]
`;
}

/** Builds a trace of one RelayCore router span that failed because its provider was unavailable. */
function failingTrace(): Record<string, unknown> {
  const startNs = BigInt(Date.now()) * 1_000_000n;
  const resourceAttributes = [
    { key: 'service.name', value: { stringValue: 'router' } },
    { key: 'service.namespace', value: { stringValue: 'RelayCore' } },
  ];
  const span = {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: 'POST /route',
    kind: 2,
    startTimeUnixNano: startNs.toString(),
    endTimeUnixNano: (startNs + 5_000_000n).toString(),
    attributes: [{ key: 'http.response.status_code', value: { intValue: '503' } }],
    status: { code: 2, message: 'provider unavailable' },
  };
  return { resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ scope: { name: 'e2e' }, spans: [span] }] }] };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_TIMEOUT_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Starts an HTTP server on 127.0.0.1 that keeps every webhook notification Alertmanager posts. */
async function startWebhook(): Promise<{ server: Server; url: string; notifications: WebhookNotification[] }> {
  const notifications: WebhookNotification[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookNotification);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, notifications };
}

const binaryPresent = existsSync(ALERTMANAGER_BINARY);
const skipReason = binaryPresent ? undefined : `${ALERTMANAGER_BINARY} is not installed; install Debian's prometheus-alertmanager package to run this test`;
if (skipReason !== undefined && process.env.CI === undefined) console.warn(`skipping the Alertmanager end-to-end test: ${skipReason}`);

describe('alertmanager end to end', () => {
  let webhook: Awaited<ReturnType<typeof startWebhook>> | undefined;
  let alertmanager: RunningAlertmanager | undefined;
  let service: FaultlineService | undefined;

  beforeAll(async () => {
    if (skipReason !== undefined) {
      if (process.env.CI !== undefined) throw new Error(`CI is set, so this test must run, but ${skipReason}`);
      return;
    }
    webhook = await startWebhook();
    alertmanager = await startAlertmanager(webhook.url);
    service = new FaultlineService(parseConfigText(faultlineConfig(alertmanager.url), {}), pino({ level: 'silent' }));
    await service.start();
  }, 20_000);

  afterAll(async () => {
    await service?.shutdown();
    await alertmanager?.stop();
    if (webhook !== undefined) {
      webhook.server.closeAllConnections();
      webhook.server.close();
    }
  }, 20_000);

  it('fires the alert and sends its resolution', async (context) => {
    if (skipReason !== undefined) context.skip(skipReason);
    if (service === undefined || alertmanager === undefined || webhook === undefined) throw new Error('set-up did not finish');
    const running = service;
    const alertmanagerUrl = alertmanager.url;
    const { notifications } = webhook;
    const tracesUrl = `http://${running.addresses().http ?? ''}/v1/traces`;

    for (let index = 0; index < FAILING_TRACES; index += 1) {
      const response = await postJson(tracesUrl, failingTrace());
      expect(response.status).toBe(200);
    }
    const incident = await waitFor<Incident>('the incident to open', () => running.incidents({ state: 'open' })[0]);
    expect(incident.rootCause).toMatchObject({ service: 'router', system: 'RelayCore' });

    const filter = encodeURIComponent(`incident_id="${incident.id}"`);
    const alert = await waitFor<GettableAlert>('alertmanager to list the alert', async () => {
      const response = await fetch(`${alertmanagerUrl}/api/v2/alerts?filter=${filter}`);
      const alerts = (await response.json()) as GettableAlert[];
      return alerts[0];
    });
    expect(alert.labels).toEqual({
      alertname: 'FaultlineIncident',
      incident_id: incident.id,
      system: 'RelayCore',
      service: 'router',
      error_kind: incident.rootCause.errorKind,
      state: 'open',
      team: 'sre',
    });
    expect(alert.status.state).toBe('active');
    expect(alert.annotations.description).toContain('Root cause: RelayCore/router');
    await waitFor('a firing notification', () => notifications.find((notification) => notification.status === 'firing'));

    const resolved = await waitFor('a resolved notification', () =>
      notifications.find((notification) => notification.status === 'resolved' && notification.alerts.some((item) => item.labels.incident_id === incident.id)),
    );
    const resolvedAlert = resolved.alerts.find((item) => item.labels.incident_id === incident.id);
    expect(resolvedAlert?.status).toBe('resolved');
    expect(resolvedAlert?.labels.state).toBe('open');
    expect(running.incidents({ state: 'resolved' }).map((item) => item.id)).toContain(incident.id);
    expect(running.status().alertmanager).toMatchObject({ failed: 0, dropped: 0 });
  }, 20_000);
});

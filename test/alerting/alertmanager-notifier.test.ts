import pino, { type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlertmanagerNotifier } from '../../src/alerting/alertmanager-notifier.js';
import type { Incident } from '../../src/correlation/incident.js';
import { AlertReceiver } from './alert-receiver.js';
import { alertmanagerConfig, incident, OPENED_AT_MS } from './incident-fixtures.js';

const NOW_MS = OPENED_AT_MS + 30_000;

/** Lets real I/O and setImmediate callbacks run while fake timers hold setTimeout and setInterval. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 2000; turn += 1) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Lets pending I/O settle for a few hundred event loop turns, to show that nothing more happens. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 200; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Creates a pino logger that keeps each line, parsed, in `lines`. */
function recordingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

function resolvedCopy(open: Incident, resolvedAtMs: number): Incident {
  return { ...open, state: 'resolved', resolvedAtMs };
}

describe('AlertmanagerNotifier', () => {
  let receiver: AlertReceiver;
  let endpoint: string;
  let notifier: AlertmanagerNotifier | undefined;
  let logLines: Record<string, unknown>[];

  beforeEach(async () => {
    vi.useFakeTimers({ now: NOW_MS, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    receiver = new AlertReceiver();
    endpoint = await receiver.start();
  });

  afterEach(async () => {
    const stopping = notifier?.shutdown();
    await vi.runOnlyPendingTimersAsync();
    await stopping;
    notifier = undefined;
    vi.useRealTimers();
    await receiver.close();
  });

  function startNotifier(overrides: Record<string, unknown> = {}, unresolved: Incident[] = []): AlertmanagerNotifier {
    const { logger, lines } = recordingLogger();
    logLines = lines;
    notifier = new AlertmanagerNotifier({ config: alertmanagerConfig(endpoint, overrides), logger });
    notifier.start(unresolved);
    return notifier;
  }

  describe('incidentChanged', () => {
    it('posts one firing alert when an incident opens', async () => {
      const sender = startNotifier({
        labels: { team: 'sre' },
        generator_url: 'http://127.0.0.1:4319/incidents/{incidentId}',
        headers: { Authorization: 'Bearer secret-token' },
      });

      sender.incidentChanged({ type: 'opened', incident: incident() });
      await receiver.waitForRequests(1);

      const [request] = receiver.requests;
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe('/api/v2/alerts');
      expect(request?.headers.authorization).toBe('Bearer secret-token');
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.alerts).toHaveLength(1);
      const alert = request?.alerts[0];
      expect(alert?.labels).toEqual({
        alertname: 'FaultlineIncident',
        incident_id: 'inc-1733337600000-1',
        system: 'RelayCore',
        service: 'router',
        error_kind: 'unavailable',
        state: 'open',
        team: 'sre',
      });
      expect(alert?.startsAt).toBe(new Date(OPENED_AT_MS).toISOString());
      expect(alert?.endsAt).toBeUndefined();
      expect(alert?.generatorURL).toBe('http://127.0.0.1:4319/incidents/inc-1733337600000-1');
      expect(alert?.annotations.summary).toContain('RelayCore/router fails with unavailable');
      expect(alert?.annotations.description).toContain('AutoMatrix/scheduler -> RelayCore/router');
    });

    it('returns before any request is sent', () => {
      const sender = startNotifier();

      sender.incidentChanged({ type: 'opened', incident: incident() });

      expect(receiver.requests).toHaveLength(0);
      expect(sender.snapshot().pending).toBe(1);
    });

    it('sends the changes of one event loop turn in one request', async () => {
      const sender = startNotifier();

      sender.incidentChanged({ type: 'opened', incident: incident({ id: 'inc-a' }) });
      sender.incidentChanged({ type: 'opened', incident: incident({ id: 'inc-b', rootCause: { service: 'inference', system: 'NeuroWeaver', errorKind: 'model_failure', operations: [] } }) });
      await receiver.waitForRequests(1);
      await settle();

      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]?.alerts.map((alert) => alert.labels.incident_id)).toEqual(['inc-a', 'inc-b']);
      expect(sender.snapshot()).toMatchObject({ sent: 2, failed: 0, dropped: 0, pending: 0, firing: 2 });
    });

    it('ends the alert with the resolution time when the incident resolves', async () => {
      const sender = startNotifier();
      const open = incident();
      sender.incidentChanged({ type: 'opened', incident: open });
      await receiver.waitForRequests(1);

      sender.incidentChanged({ type: 'resolved', incident: resolvedCopy(open, NOW_MS + 5_000), reason: 'quiet' });
      await receiver.waitForRequests(2);

      const alerts = receiver.requests[1]?.alerts ?? [];
      expect(alerts).toHaveLength(1);
      expect(alerts[0]?.labels.state).toBe('open');
      expect(alerts[0]?.labels.incident_id).toBe(open.id);
      expect(alerts[0]?.endsAt).toBe(new Date(NOW_MS + 5_000).toISOString());
      expect(alerts[0]?.annotations.summary).toContain('resolved (quiet)');
      expect(sender.snapshot().firing).toBe(0);
    });

    it('ends the old state and fires the new one when the state changes', async () => {
      const sender = startNotifier();
      const open = incident();
      sender.incidentChanged({ type: 'opened', incident: open });
      await receiver.waitForRequests(1);

      sender.incidentChanged({ type: 'state_changed', incident: { ...open, state: 'mitigating' }, from: 'open' });
      await receiver.waitForRequests(2);

      const alerts = receiver.requests[1]?.alerts ?? [];
      const ended = alerts.find((alert) => alert.labels.state === 'open');
      const firing = alerts.find((alert) => alert.labels.state === 'mitigating');
      expect(alerts).toHaveLength(2);
      expect(ended?.endsAt).toBe(new Date(NOW_MS).toISOString());
      expect(firing?.endsAt).toBeUndefined();
    });

    it('resolves the alert of the last state after a state change', async () => {
      const sender = startNotifier();
      const open = incident();
      sender.incidentChanged({ type: 'opened', incident: open });
      sender.incidentChanged({ type: 'state_changed', incident: { ...open, state: 'escalated' }, from: 'open' });
      await receiver.waitForRequests(1);

      sender.incidentChanged({ type: 'resolved', incident: resolvedCopy(open, NOW_MS), reason: 'manual' });
      await receiver.waitForRequests(2);

      expect(receiver.requests[1]?.alerts.map((alert) => alert.labels.state)).toEqual(['escalated']);
    });

    it('ends every state for an incident it never saw firing', async () => {
      const sender = startNotifier();

      sender.incidentChanged({ type: 'resolved', incident: resolvedCopy(incident(), NOW_MS), reason: 'quiet' });
      await receiver.waitForRequests(1);

      const alerts = receiver.requests[0]?.alerts ?? [];
      expect(alerts.map((alert) => alert.labels.state)).toEqual(['open', 'mitigating', 'escalated']);
      expect(alerts.every((alert) => alert.endsAt !== undefined)).toBe(true);
    });

    it('sends no request for an update in the same state', async () => {
      const sender = startNotifier();
      const open = incident();
      sender.incidentChanged({ type: 'opened', incident: open });
      await receiver.waitForRequests(1);

      sender.incidentChanged({ type: 'updated', incident: { ...open, failingTraces: 40 } });
      await settle();

      expect(receiver.requests).toHaveLength(1);
      expect(sender.snapshot().pending).toBe(0);
    });
  });

  describe('resend', () => {
    it('sends unresolved alerts again every resend_interval', async () => {
      const sender = startNotifier({ resend_interval: '30s' });
      const open = incident();
      sender.incidentChanged({ type: 'opened', incident: open });
      await until(() => sender.snapshot().sent === 1, 'the first batch was sent');
      sender.incidentChanged({ type: 'updated', incident: { ...open, failingTraces: 40 } });

      await vi.advanceTimersByTimeAsync(29_999);
      await settle();
      expect(receiver.requests).toHaveLength(1);

      await vi.advanceTimersByTimeAsync(1);
      await receiver.waitForRequests(2);
      const resent = receiver.requests[1]?.alerts ?? [];
      expect(resent).toHaveLength(1);
      expect(resent[0]?.labels.state).toBe('open');
      expect(resent[0]?.annotations.description).toContain('Failing traces: 40');
    });

    it('stops sending an incident once it resolved', async () => {
      const sender = startNotifier({ resend_interval: '30s' });
      const open = incident();
      sender.incidentChanged({ type: 'opened', incident: open });
      sender.incidentChanged({ type: 'resolved', incident: resolvedCopy(open, NOW_MS), reason: 'quiet' });
      await until(() => sender.snapshot().sent === 1, 'the batch was sent');

      await vi.advanceTimersByTimeAsync(90_000);
      await settle();

      expect(receiver.requests).toHaveLength(1);
    });

    it('sends the alerts of incidents given at start', async () => {
      startNotifier({}, [incident({ id: 'inc-restored', state: 'mitigating' }), incident({ id: 'inc-old', state: 'resolved' })]);

      await receiver.waitForRequests(1);

      const alerts = receiver.requests[0]?.alerts ?? [];
      expect(alerts.map((alert) => [alert.labels.incident_id, alert.labels.state])).toEqual([['inc-restored', 'mitigating']]);
    });
  });

  describe('retries', () => {
    const retriesLogged = (): number => logLines.filter((line) => line.msg === 'alertmanager request failed; retrying').length;

    it('retries a 503 after the backoff', async () => {
      receiver.script.push({ status: 503, body: 'overloaded' });
      const sender = startNotifier({ retry: { initial_backoff: '1s' } });

      sender.incidentChanged({ type: 'opened', incident: incident() });
      await until(() => retriesLogged() === 1, 'a retry was scheduled');
      // The jittered wait is between half and all of the 1s backoff.
      await vi.advanceTimersByTimeAsync(499);
      await settle();
      expect(receiver.requests).toHaveLength(1);

      await vi.advanceTimersByTimeAsync(501);
      await receiver.waitForRequests(2);
      await until(() => sender.snapshot().sent === 1, 'the retry succeeded');
      expect(receiver.requests[1]?.alerts).toEqual(receiver.requests[0]?.alerts);
      expect(sender.snapshot().failed).toBe(0);
    });

    it('does not retry a 400', async () => {
      receiver.script.push({ status: 400, body: '{"message":"bad alert"}' });
      const sender = startNotifier();

      sender.incidentChanged({ type: 'opened', incident: incident() });
      await until(() => sender.snapshot().failed === 1, 'the batch failed');
      await vi.advanceTimersByTimeAsync(60_000 - 1);
      await settle();

      expect(receiver.requests).toHaveLength(1);
      expect(sender.snapshot().lastError).toContain('HTTP 400');
      expect(sender.snapshot().lastError).toContain('bad alert');
    });

    it('gives up after max_attempts', async () => {
      receiver.script.push({ status: 500 }, { status: 502 }, { status: 503 });
      const sender = startNotifier({ retry: { max_attempts: 3, initial_backoff: '1s', max_backoff: '2s' } });

      sender.incidentChanged({ type: 'opened', incident: incident() });
      for (let count = 1; count <= 2; count += 1) {
        await until(() => retriesLogged() === count, 'a retry was scheduled');
        await vi.advanceTimersByTimeAsync(2_000);
      }
      await until(() => sender.snapshot().failed === 1, 'the batch failed');

      expect(receiver.requests).toHaveLength(3);
      expect(sender.snapshot().sent).toBe(0);
      expect(sender.snapshot().lastError).toContain('HTTP 503');
    });

    it('retries when the connection is refused', async () => {
      const closed = new AlertReceiver();
      const closedEndpoint = await closed.start();
      await closed.close();
      endpoint = closedEndpoint;
      const sender = startNotifier({ retry: { max_attempts: 2, initial_backoff: '1s' } });

      sender.incidentChanged({ type: 'opened', incident: incident() });
      await until(() => retriesLogged() === 1, 'a retry was scheduled');
      await vi.advanceTimersByTimeAsync(1_000);
      await until(() => sender.snapshot().failed === 1, 'the batch failed');

      expect(sender.snapshot().lastError).toContain(`request to ${closedEndpoint}/api/v2/alerts failed`);
    });

    it('retries a request that timed out', async () => {
      receiver.script.push('hang');
      const sender = startNotifier({ timeout: '2s', retry: { initial_backoff: '1s' } });

      sender.incidentChanged({ type: 'opened', incident: incident() });
      await receiver.waitForRequests(1);
      await vi.advanceTimersByTimeAsync(2_000);
      await until(() => retriesLogged() === 1, 'a retry was scheduled');
      await vi.advanceTimersByTimeAsync(1_000);
      await receiver.waitForRequests(2);
      await until(() => sender.snapshot().sent === 1, 'the retry succeeded');

      expect(sender.snapshot().failed).toBe(0);
    });
  });

  describe('queue', () => {
    it('drops and counts alerts past queue_size', () => {
      notifier = new AlertmanagerNotifier({ config: alertmanagerConfig(endpoint, { queue_size: 2 }), logger: pino({ level: 'silent' }) });

      for (const id of ['inc-a', 'inc-b', 'inc-c']) notifier.incidentChanged({ type: 'opened', incident: incident({ id }) });

      expect(notifier.snapshot()).toMatchObject({ pending: 2, dropped: 1 });
    });

    it('replaces a waiting alert of the same incident and state', () => {
      notifier = new AlertmanagerNotifier({ config: alertmanagerConfig(endpoint, { queue_size: 1 }), logger: pino({ level: 'silent' }) });
      const open = incident();

      notifier.incidentChanged({ type: 'opened', incident: open });
      notifier.incidentChanged({ type: 'resolved', incident: resolvedCopy(open, NOW_MS), reason: 'quiet' });

      expect(notifier.snapshot()).toMatchObject({ pending: 1, dropped: 0 });
    });
  });

  describe('shutdown', () => {
    it('sends what is queued', async () => {
      const sender = startNotifier();
      sender.incidentChanged({ type: 'opened', incident: incident() });

      await sender.shutdown();

      expect(receiver.requests).toHaveLength(1);
      expect(sender.snapshot()).toMatchObject({ sent: 1, pending: 0, dropped: 0 });
    });

    it('cuts a retry wait short for one last attempt', async () => {
      receiver.script.push({ status: 503 });
      const sender = startNotifier({ retry: { initial_backoff: '30s', max_backoff: '30s' } });
      sender.incidentChanged({ type: 'opened', incident: incident() });
      await until(() => logLines.some((line) => line.msg === 'alertmanager request failed; retrying'), 'a retry was scheduled');

      await sender.shutdown();

      expect(receiver.requests).toHaveLength(2);
      expect(sender.snapshot().sent).toBe(1);
    });

    it('gives up on a request in flight after timeout', async () => {
      receiver.script.push('hang', 'hang');
      const sender = startNotifier({ timeout: '3s' });
      sender.incidentChanged({ type: 'opened', incident: incident({ id: 'inc-a' }) });
      await receiver.waitForRequests(1);
      sender.incidentChanged({ type: 'opened', incident: incident({ id: 'inc-b' }) });
      await vi.advanceTimersByTimeAsync(1_000);

      // The request times out 2s into shutdown and is retried at once; the deadline stops the retry 1s later.
      const stopping = sender.shutdown();
      await vi.advanceTimersByTimeAsync(2_000);
      await receiver.waitForRequests(2);
      await vi.advanceTimersByTimeAsync(1_000);
      await stopping;

      expect(receiver.requests.map((request) => request.alerts.map((alert) => alert.labels.incident_id))).toEqual([['inc-a'], ['inc-a']]);
      expect(sender.snapshot()).toMatchObject({ sent: 0, failed: 1, dropped: 1, pending: 0 });
    });

    it('drops changes that arrive after shutdown', async () => {
      const sender = startNotifier();
      await sender.shutdown();

      sender.incidentChanged({ type: 'opened', incident: incident() });
      await settle();

      expect(receiver.requests).toHaveLength(0);
      expect(sender.snapshot().dropped).toBe(1);
    });
  });
});

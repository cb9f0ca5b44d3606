import * as grpc from '@grpc/grpc-js';
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidActionDefinitionError, startControlServer } from '../../../instrumentation/node/control-server.js';
import type { ActionOutcome, ActionRequest, ControlAction, ControlServer } from '../../../instrumentation/node/control-server.js';
import type { ExecuteActionRequestMessage } from '../../../src/recovery/control-protocol.js';
import { ControlClient } from './control-client.js';

/** A promise with its resolve function, to hold a handler until the test lets it finish. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** An action whose handler records each request and returns `reply` (or runs it). */
function recordingAction(name: string, reply: ActionOutcome | ((request: ActionRequest) => Promise<ActionOutcome> | ActionOutcome), overrides: Partial<ControlAction> = {}) {
  const calls: ActionRequest[] = [];
  const action: ControlAction = {
    name,
    description: `Runs ${name}.`,
    idempotent: true,
    handler: (request) => {
      calls.push(request);
      return typeof reply === 'function' ? reply(request) : reply;
    },
    ...overrides,
  };
  return { action, calls };
}

/** Counts spans as they start, so a test can check that a request reached the server before its handler finishes. */
class StartedSpanCounter implements SpanProcessor {
  started = 0;

  onStart(_span: Span): void {
    this.started += 1;
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const INCIDENT = {
  id: 'inc-7',
  root_cause_service: 'worker',
  root_cause_system: 'AutoMatrix',
  error_kind: 'unavailable',
  fingerprint: 'fp-1',
  sample_trace_ids: ['0af7651916cd43dd8448eb211c80319c'],
};

function requestFor(action: string, overrides: Partial<ExecuteActionRequestMessage> = {}): Partial<ExecuteActionRequestMessage> {
  return { action, target_component: 'worker-1', parameters: {}, idempotency_key: '', incident: INCIDENT, dry_run: false, ...overrides };
}

describe('startControlServer', () => {
  const exporter = new InMemorySpanExporter();
  const startedSpans = new StartedSpanCounter();
  const provider = new NodeTracerProvider({ spanProcessors: [startedSpans, new SimpleSpanProcessor(exporter)] });
  let server: ControlServer | undefined;
  let client: ControlClient | undefined;

  beforeAll(() => provider.register());

  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  beforeEach(() => {
    exporter.reset();
    startedSpans.started = 0;
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await server?.close();
    server = undefined;
  });

  async function start(actions: ControlAction[], options: { maxRememberedKeys?: number } = {}): Promise<ControlClient> {
    server = await startControlServer({ serviceName: 'worker', actions, port: 0, ...options });
    client = new ControlClient(server.address);
    return client;
  }

  describe('ListActions', () => {
    it('lists actions with wire parameter types', async () => {
      const { action } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' }, {
        parameters: [
          { name: 'grace_period', type: 'duration', required: false, description: 'How long the worker may finish.' },
          { name: 'force', type: 'boolean', required: true, description: 'Kills the worker at once.' },
        ],
      });
      const current = await start([action]);

      const result = await current.listActions();

      expect(result).toEqual({
        ok: true,
        response: {
          actions: [
            {
              name: 'restart_worker',
              description: 'Runs restart_worker.',
              idempotent: true,
              parameters: [
                { name: 'grace_period', type: 'duration', required: false, description: 'How long the worker may finish.' },
                { name: 'force', type: 'bool', required: true, description: 'Kills the worker at once.' },
              ],
            },
          ],
        },
      });
    });
  });

  describe('ExecuteAction', () => {
    it.each([
      { outcome: 'applied', wire: 'OUTCOME_APPLIED' },
      { outcome: 'already_applied', wire: 'OUTCOME_ALREADY_APPLIED' },
      { outcome: 'rejected', wire: 'OUTCOME_REJECTED' },
      { outcome: 'in_progress', wire: 'OUTCOME_IN_PROGRESS' },
    ] as const)('returns $wire when the handler returns $outcome', async ({ outcome, wire }) => {
      const { action } = recordingAction('restart_worker', { outcome, message: `handler said ${outcome}` });
      const current = await start([action]);

      const result = await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));

      expect(result).toEqual({ ok: true, response: { outcome: wire, message: `handler said ${outcome}` } });
    });

    it('passes the request and incident to the handler', async () => {
      const { action, calls } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' }, {
        parameters: [{ name: 'grace_period', type: 'duration', required: false, description: 'How long the worker may finish.' }],
      });
      const current = await start([action]);

      await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1', parameters: { grace_period: '5s' } }));

      expect(calls).toEqual([
        {
          action: 'restart_worker',
          targetComponent: 'worker-1',
          parameters: { grace_period: '5s' },
          idempotencyKey: 'k-1',
          incident: {
            id: 'inc-7',
            rootCauseService: 'worker',
            rootCauseSystem: 'AutoMatrix',
            errorKind: 'unavailable',
            fingerprint: 'fp-1',
            sampleTraceIds: ['0af7651916cd43dd8448eb211c80319c'],
          },
          dryRun: false,
        },
      ]);
    });

    it('passes no incident when the request has none', async () => {
      const { action, calls } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' });
      const current = await start([action]);
      const result = await current.execute(requestFor('restart_worker', { incident: undefined }));

      expect(result.ok).toBe(true);
      expect(calls[0]?.incident).toBeUndefined();
    });

    it('drops optional parameters sent empty', async () => {
      const { action, calls } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' }, {
        parameters: [{ name: 'grace_period', type: 'duration', required: false, description: 'How long the worker may finish.' }],
      });
      const current = await start([action]);

      const result = await current.execute(requestFor('restart_worker', { parameters: { grace_period: '' } }));

      expect(result.ok).toBe(true);
      expect(calls[0]?.parameters).toEqual({});
    });

    it('fails with UNIMPLEMENTED for an unknown action', async () => {
      const { action, calls } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' });
      const current = await start([action]);

      const result = await current.execute(requestFor('reboot_datacenter'));

      expect(result).toEqual({ ok: false, code: grpc.status.UNIMPLEMENTED, details: 'unknown action "reboot_datacenter"; this service offers: restart_worker' });
      expect(calls).toHaveLength(0);
    });

    it.each<{ name: string; parameters: Record<string, string>; details: string }>([
      { name: 'missing required parameter', parameters: {}, details: 'missing required parameter "provider" of action reroute' },
      { name: 'empty required parameter', parameters: { provider: '' }, details: 'missing required parameter "provider" of action reroute' },
      { name: 'unknown parameter', parameters: { provider: 'p', colour: 'red' }, details: 'unknown parameter "colour" for action reroute; it accepts provider, weight, max_attempts, sticky, drain_after' },
      { name: 'number not numeric', parameters: { provider: 'p', weight: 'heavy' }, details: 'parameter "weight" of action reroute must be a number, got "heavy"' },
      { name: 'int with decimals', parameters: { provider: 'p', max_attempts: '2.5' }, details: 'parameter "max_attempts" of action reroute must be a whole number, got "2.5"' },
      { name: 'boolean not true or false', parameters: { provider: 'p', sticky: 'yes' }, details: 'parameter "sticky" of action reroute must be "true" or "false", got "yes"' },
      { name: 'duration without unit', parameters: { provider: 'p', drain_after: '30' }, details: 'parameter "drain_after" of action reroute must be a duration such as 500ms, 30s, 5m or 1h, got "30"' },
    ])('fails with INVALID_ARGUMENT for $name', async ({ parameters, details }) => {
      const { action, calls } = recordingAction('reroute', { outcome: 'applied', message: 'ok' }, {
        parameters: [
          { name: 'provider', type: 'string', required: true, description: 'The provider to route to.' },
          { name: 'weight', type: 'number', required: false, description: 'The share of traffic, 0 to 1.' },
          { name: 'max_attempts', type: 'int', required: false, description: 'Attempts per request.' },
          { name: 'sticky', type: 'boolean', required: false, description: 'Keeps the route after recovery.' },
          { name: 'drain_after', type: 'duration', required: false, description: 'How long until the old provider is drained.' },
        ],
      });
      const current = await start([action]);

      const result = await current.execute(requestFor('reroute', { parameters, idempotency_key: 'k-1' }));

      expect(result).toEqual({ ok: false, code: grpc.status.INVALID_ARGUMENT, details });
      expect(calls).toHaveLength(0);
    });

    it('accepts values of every parameter type', async () => {
      const { action, calls } = recordingAction('reroute', { outcome: 'applied', message: 'ok' }, {
        parameters: [
          { name: 'weight', type: 'number', required: true, description: 'The share of traffic, 0 to 1.' },
          { name: 'max_attempts', type: 'int', required: true, description: 'Attempts per request.' },
          { name: 'sticky', type: 'boolean', required: true, description: 'Keeps the route after recovery.' },
          { name: 'drain_after', type: 'duration', required: true, description: 'How long until the old provider is drained.' },
        ],
      });
      const current = await start([action]);
      const parameters = { weight: '0.25', max_attempts: '3', sticky: 'false', drain_after: '1.5m' };

      const result = await current.execute(requestFor('reroute', { parameters }));

      expect(result.ok).toBe(true);
      expect(calls[0]?.parameters).toEqual(parameters);
    });

    it('fails with INTERNAL and the message when the handler throws', async () => {
      const { action } = recordingAction('restart_worker', () => {
        throw new Error('worker pool is locked');
      });
      const current = await start([action]);

      const result = await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));

      expect(result).toEqual({ ok: false, code: grpc.status.INTERNAL, details: 'action restart_worker failed: worker pool is locked' });
    });

    it('fails with INTERNAL when the handler returns an invalid outcome', async () => {
      const { action } = recordingAction('restart_worker', () => ({ outcome: 'done', message: 'ok' }) as unknown as ActionOutcome);
      const current = await start([action]);

      const result = await current.execute(requestFor('restart_worker'));

      expect(result.ok).toBe(false);
      expect(result.ok ? undefined : result.code).toBe(grpc.status.INTERNAL);
    });
  });

  describe('idempotency', () => {
    it('answers a repeated key from the first run', async () => {
      const { action, calls } = recordingAction('restart_worker', { outcome: 'applied', message: 'worker-1 restarted' });
      const current = await start([action]);

      const first = await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));
      const second = await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));

      expect(first).toEqual({ ok: true, response: { outcome: 'OUTCOME_APPLIED', message: 'worker-1 restarted' } });
      expect(second).toEqual({
        ok: true,
        response: { outcome: 'OUTCOME_ALREADY_APPLIED', message: 'already applied by an earlier request with this idempotency key: worker-1 restarted' },
      });
      expect(calls).toHaveLength(1);
    });

    it.each([
      { outcome: 'rejected', wire: 'OUTCOME_REJECTED' },
      { outcome: 'in_progress', wire: 'OUTCOME_IN_PROGRESS' },
      { outcome: 'already_applied', wire: 'OUTCOME_ALREADY_APPLIED' },
    ] as const)('repeats a first $outcome unchanged', async ({ outcome, wire }) => {
      const { action, calls } = recordingAction('restart_worker', { outcome, message: 'first answer' });
      const current = await start([action]);

      await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));
      const second = await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));

      expect(second).toEqual({ ok: true, response: { outcome: wire, message: 'first answer' } });
      expect(calls).toHaveLength(1);
    });

    it('makes a concurrent duplicate wait for the first run', async () => {
      const release = deferred<ActionOutcome>();
      const { action, calls } = recordingAction('restart_worker', () => release.promise);
      const current = await start([action]);

      const first = current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));
      await expect.poll(() => calls.length).toBe(1);
      const second = current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));
      // Both requests reached the server while the first handler is held, so the second can only
      // reply with the first run's result once it is released.
      await expect.poll(() => startedSpans.started).toBe(2);
      release.resolve({ outcome: 'applied', message: 'worker-1 restarted' });

      expect(await first).toEqual({ ok: true, response: { outcome: 'OUTCOME_APPLIED', message: 'worker-1 restarted' } });
      expect(await second).toEqual({
        ok: true,
        response: { outcome: 'OUTCOME_ALREADY_APPLIED', message: 'already applied by an earlier request with this idempotency key: worker-1 restarted' },
      });
      expect(calls).toHaveLength(1);
    });

    it('gives a concurrent duplicate the error of a failing first run', async () => {
      const release = deferred<ActionOutcome>();
      const { action, calls } = recordingAction('restart_worker', async () => {
        await release.promise;
        throw new Error('worker pool is locked');
      });
      const current = await start([action]);

      const first = current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));
      await expect.poll(() => calls.length).toBe(1);
      const second = current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));
      await expect.poll(() => startedSpans.started).toBe(2);
      release.resolve({ outcome: 'applied', message: 'unused' });

      const expected = { ok: false, code: grpc.status.INTERNAL, details: 'action restart_worker failed: worker pool is locked' };
      expect(await first).toEqual(expected);
      expect(await second).toEqual(expected);
      expect(calls).toHaveLength(1);
    });

    it('runs the handler again after a failed run with the same key', async () => {
      let attempt = 0;
      const { action, calls } = recordingAction('restart_worker', () => {
        attempt += 1;
        if (attempt === 1) throw new Error('worker pool is locked');
        return { outcome: 'applied', message: 'worker-1 restarted' };
      });
      const current = await start([action]);

      const first = await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));
      const second = await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));

      expect(first.ok).toBe(false);
      expect(second).toEqual({ ok: true, response: { outcome: 'OUTCOME_APPLIED', message: 'worker-1 restarted' } });
      expect(calls).toHaveLength(2);
    });

    it('runs every request without a key', async () => {
      const { action, calls } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' });
      const current = await start([action]);

      await current.execute(requestFor('restart_worker', { idempotency_key: '' }));
      const second = await current.execute(requestFor('restart_worker', { idempotency_key: '' }));

      expect(second).toEqual({ ok: true, response: { outcome: 'OUTCOME_APPLIED', message: 'ok' } });
      expect(calls).toHaveLength(2);
    });

    it('rejects a key reused for another target', async () => {
      const { action, calls } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' });
      const current = await start([action]);

      await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1', target_component: 'worker-1' }));
      const second = await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1', target_component: 'worker-2' }));

      expect(second).toEqual({
        ok: false,
        code: grpc.status.INVALID_ARGUMENT,
        details: 'idempotency key "k-1" was first used for action restart_worker on "worker-1", not restart_worker on "worker-2"',
      });
      expect(calls).toHaveLength(1);
    });

    it('forgets the least recently used key past the bound', async () => {
      const { action, calls } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' });
      const current = await start([action], { maxRememberedKeys: 2 });

      for (const key of ['k-1', 'k-2', 'k-1', 'k-3']) await current.execute(requestFor('restart_worker', { idempotency_key: key }));
      const keptKey = await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));
      const forgottenKey = await current.execute(requestFor('restart_worker', { idempotency_key: 'k-2' }));

      expect(keptKey).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_ALREADY_APPLIED' } });
      expect(forgottenKey).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED' } });
      expect(calls.map((request) => request.idempotencyKey)).toEqual(['k-1', 'k-2', 'k-3', 'k-2']);
    });
  });

  describe('dry run', () => {
    it('answers applied without calling the handler', async () => {
      const { action, calls } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' }, {
        parameters: [{ name: 'grace_period', type: 'duration', required: false, description: 'How long the worker may finish.' }],
      });
      const current = await start([action]);

      const result = await current.execute(requestFor('restart_worker', { dry_run: true, idempotency_key: 'k-1', parameters: { grace_period: '5s' } }));

      expect(result).toEqual({ ok: true, response: { outcome: 'OUTCOME_APPLIED', message: 'dry run: would run restart_worker on "worker-1" with grace_period=5s' } });
      expect(calls).toHaveLength(0);
    });

    it('leaves the key unused', async () => {
      const { action, calls } = recordingAction('restart_worker', { outcome: 'applied', message: 'worker-1 restarted' });
      const current = await start([action]);

      await current.execute(requestFor('restart_worker', { dry_run: true, idempotency_key: 'k-1', target_component: '' }));
      const real = await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1', target_component: '' }));

      expect(real).toEqual({ ok: true, response: { outcome: 'OUTCOME_APPLIED', message: 'worker-1 restarted' } });
      expect(calls).toHaveLength(1);
    });

    it('still validates parameters', async () => {
      const { action } = recordingAction('reroute', { outcome: 'applied', message: 'ok' }, {
        parameters: [{ name: 'provider', type: 'string', required: true, description: 'The provider to route to.' }],
      });
      const current = await start([action]);

      const result = await current.execute(requestFor('reroute', { dry_run: true }));

      expect(result.ok ? undefined : result.code).toBe(grpc.status.INVALID_ARGUMENT);
    });
  });

  describe('health', () => {
    it.each(['', 'faultline.control.v1.RecoveryControl'])('reports SERVING for "%s" after start', async (service) => {
      const { action } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' });
      const current = await start([action]);

      expect(await current.checkHealth(service)).toEqual({ ok: true, response: { status: 'SERVING' } });
    });

    it('reports NOT_SERVING after setServing(false) and SERVING again after setServing(true)', async () => {
      const { action } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' });
      const current = await start([action]);

      server?.setServing(false);
      const notServing = await current.checkHealth('');
      server?.setServing(true);
      const serving = await current.checkHealth('faultline.control.v1.RecoveryControl');

      expect(notServing).toEqual({ ok: true, response: { status: 'NOT_SERVING' } });
      expect(serving).toEqual({ ok: true, response: { status: 'SERVING' } });
    });

    it('fails with NOT_FOUND for an unknown service', async () => {
      const { action } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' });
      const current = await start([action]);

      const result = await current.checkHealth('other.Service');

      expect(result.ok ? undefined : result.code).toBe(grpc.status.NOT_FOUND);
    });
  });

  describe('tracing', () => {
    it('records a control.execute span with the request attributes', async () => {
      const { action } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' });
      const current = await start([action]);

      await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));

      const spans = exporter.getFinishedSpans();
      expect(spans.map((span) => span.name)).toEqual(['control.execute restart_worker']);
      expect(spans[0]?.attributes).toEqual({
        'faultline.action': 'restart_worker',
        'faultline.idempotency_key': 'k-1',
        'faultline.target_component': 'worker-1',
        'faultline.dry_run': false,
        'faultline.incident.id': 'inc-7',
        'faultline.outcome': 'applied',
      });
      expect(spans[0]?.status.code).toBe(SpanStatusCode.UNSET);
    });

    it('records the error on the span when the handler throws', async () => {
      const { action } = recordingAction('restart_worker', () => {
        throw new Error('worker pool is locked');
      });
      const current = await start([action]);

      await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));

      const span = exporter.getFinishedSpans()[0];
      expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'action restart_worker failed: worker pool is locked' });
      expect(span?.attributes['error.type']).toBe('ControlRequestError');
      expect(span?.events.map((event) => event.name)).toEqual(['exception']);
    });

    it('marks a repeated key on the span', async () => {
      const { action } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' });
      const current = await start([action]);

      await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));
      await current.execute(requestFor('restart_worker', { idempotency_key: 'k-1' }));

      const spans = exporter.getFinishedSpans();
      expect(spans.map((span) => span.attributes['faultline.idempotent_repeat'])).toEqual([undefined, true]);
      expect(spans.map((span) => span.attributes['faultline.outcome'])).toEqual(['applied', 'already_applied']);
    });
  });

  describe('start-up', () => {
    it.each([
      { name: 'duplicate action', actions: ['restart_worker', 'restart_worker'], parameter: 'grace', message: 'action "restart_worker" is defined twice' },
      { name: 'action not snake_case', actions: ['RestartWorker'], parameter: 'grace', message: 'action name "RestartWorker" must be snake_case (lowercase letters, digits and _)' },
      { name: 'parameter not snake_case', actions: ['restart_worker'], parameter: 'Grace', message: 'parameter name "Grace" of action restart_worker must be snake_case' },
    ])('rejects a $name', async ({ actions, parameter, message }) => {
      const definitions = actions.map(
        (name) =>
          recordingAction(name, { outcome: 'applied', message: 'ok' }, { parameters: [{ name: parameter, type: 'string', required: false, description: 'A value.' }] }).action,
      );

      const starting = startControlServer({ serviceName: 'worker', actions: definitions });

      await expect(starting).rejects.toThrow(InvalidActionDefinitionError);
      await expect(starting).rejects.toThrow(message);
    });

    it('closes idempotently and stops answering', async () => {
      const { action } = recordingAction('restart_worker', { outcome: 'applied', message: 'ok' });
      const current = await start([action]);
      const running = server;

      await running?.close();
      await running?.close();
      const result = await current.execute(requestFor('restart_worker'));

      expect(result.ok ? undefined : result.code).toBe(grpc.status.UNAVAILABLE);
    });
  });
});

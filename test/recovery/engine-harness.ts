import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { vi } from 'vitest';
import { parseRecoveryConfig } from '../../src/recovery/config.js';
import type { RecoveryConfig } from '../../src/recovery/config.js';
import { RecoveryEngine } from '../../src/recovery/recovery-engine.js';
import type { Incident } from '../../src/correlation/incident.js';
import { AuditStore } from '../../src/store/audit-store.js';
import type { AuditEvent } from '../../src/store/audit-store.js';
import type { SelfTracing } from '../../src/telemetry/self-tracing.js';
import { FakeIncidentControl } from './fake-incident-control.js';

/** Shared set-up for engine tests: a captured logger, an in-memory store, a fake tracker. */

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** Creates a pino logger whose lines are kept as objects. */
export function createCapturedLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text !== '') lines.push(JSON.parse(text) as LogLine);
      }
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** Builds a policy section with one step per target name; `overrides` replace policy fields. */
export function policyFor(name: string, targets: string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    steps: targets.map((target) => ({ action: 'restart_worker', target, component: 'worker-1', parameters: { grace_period: '5s' } })),
    retry: { max_attempts: 3, initial_backoff: '200ms', max_backoff: '5s', multiplier: 2 },
    verify: { window: '30s' },
    cooldown: '0s',
    ...overrides,
  };
}

/** Builds a target section for the given addresses, without TLS and with health checks off unless set. */
export function targetFor(endpoints: string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { endpoints, tls: { insecure: true }, timeout: '1s', health_check_interval: '0s', ...overrides };
}

export interface EngineHarness {
  engine: RecoveryEngine;
  control: FakeIncidentControl;
  store: AuditStore;
  config: RecoveryConfig;
  lines: LogLine[];
}

export function createEngine(section: Record<string, unknown>, options: { store?: AuditStore; tracing?: SelfTracing } = {}): EngineHarness {
  const config = parseRecoveryConfig(section);
  const control = new FakeIncidentControl();
  const store = options.store ?? new AuditStore(':memory:');
  const { logger, lines } = createCapturedLogger();
  const engine = new RecoveryEngine({ config, control, logger, store, ...(options.tracing === undefined ? {} : { tracing: options.tracing }) });
  return { engine, control, store, config, lines };
}

/** Fakes the timers the engine and cockatiel use, leaving grpc-js's I/O real. */
export function useEngineFakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
}

/** The real setTimeout, captured before any test fakes it. */
const realSetTimeout = globalThis.setTimeout;

/**
 * Waits, in real time, until `check` stops throwing, without moving fake time (vi.waitFor
 * advances fake timers, which would shift every time a test asserts).
 */
export async function eventually(check: () => void, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => realSetTimeout(resolve, 2));
    }
  }
}

/** Lets real I/O run for a moment without moving fake time. */
export async function settleIo(turns = 20): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Adds an incident to the fake tracker and sends the engine its `opened` change. */
export function openIncident(harness: EngineHarness, incident: Incident): Incident {
  harness.control.add(incident);
  harness.engine.incidentChanged({ type: 'opened', incident });
  return incident;
}

/** Returns the audit outcomes of one incident, in order, for one event type. */
export function auditOutcomes(harness: EngineHarness, incidentId: string, event: AuditEvent): string[] {
  return harness.store
    .records(incidentId)
    .filter((record) => record.event === event)
    .map((record) => record.outcome);
}

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Incident, IncidentChange, IncidentListener } from '../../src/correlation/incident.js';
import { parseRecoveryConfig } from '../../src/recovery/config.js';
import { RecoveryEngine } from '../../src/recovery/recovery-engine.js';
import { AuditStore } from '../../src/store/audit-store.js';
import { FakeIncidentControl, makeIncident } from '../recovery/fake-incident-control.js';
import { ControlServer } from '../support/control-server.js';
import type { ReceivedRequest } from '../support/control-server.js';

/**
 * The recovery engine's own cost at a steady rate of incidents:
 *   node --import tsx test/bench/recovery-overhead.ts [options]
 *
 * Everything runs in this process. A real control server on 127.0.0.1 returns APPLIED at once.
 * An engine with one target and one one-step policy writes its audit log to a real SQLite file
 * (WAL, synchronous FULL). A stand-in incident tracker opens incidents at an even rate in real
 * time and, like the real tracker, sends `state_changed` and `resolved` back to the engine. No
 * failing trace arrives after a step, so every recovery verifies as recovered.
 *
 * First the process idles with the control server alone for the run's duration (the baseline).
 * Then a warm-up run that is not measured, then one measured run per log level. The engine's
 * CPU is the process's CPU over a run minus the baseline's CPU rate over the same wall time.
 * Prints the figures, then one JSON line. Exits non-zero unless every incident of every run recovered.
 *
 * NOTE: the control server shares the process, so the engine's CPU includes the server's side
 * of each ExecuteAction call. The figure is an upper bound on the engine alone.
 *
 * Options:
 *   --duration-ms N         how long incidents open, in ms (default 60000)
 *   --incidents-per-minute N  the rate; also max_actions_per_minute (default 1000)
 *   --verify-window-ms N    the policy's verify.window, in ms (default 1000)
 *   --warm-up-ms N          the unmeasured run before the measured ones, in ms; 0 skips it (default 15000)
 *   --log-levels LIST       one measured run per pino level, comma-separated (default silent,info);
 *                           levels other than silent write to /dev/null synchronously
 */

const COMPLETION_TIMEOUT_MS = 30_000;
const EVENT_LOOP_RESOLUTION_MS = 10;
const MS_PER_MINUTE = 60_000;
const MIB = 1024 * 1024;

interface BenchOptions {
  durationMs: number;
  incidentsPerMinute: number;
  verifyWindowMs: number;
  warmUpMs: number;
  logLevels: string[];
}

function readOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      'duration-ms': { type: 'string', default: '60000' },
      'incidents-per-minute': { type: 'string', default: '1000' },
      'verify-window-ms': { type: 'string', default: '1000' },
      'warm-up-ms': { type: 'string', default: '15000' },
      'log-levels': { type: 'string', default: 'silent,info' },
    },
  });
  const logLevels = values['log-levels'].split(',').map((level) => level.trim());
  for (const level of logLevels) {
    if (level !== 'silent' && !(level in pino.levels.values)) throw new Error(`--log-levels must list pino levels such as "silent,info", got ${JSON.stringify(level)}`);
  }
  return {
    durationMs: integerAtLeast('--duration-ms', values['duration-ms'], 1),
    incidentsPerMinute: integerAtLeast('--incidents-per-minute', values['incidents-per-minute'], 1),
    verifyWindowMs: integerAtLeast('--verify-window-ms', values['verify-window-ms'], 1),
    warmUpMs: integerAtLeast('--warm-up-ms', values['warm-up-ms'], 0),
    logLevels,
  };
}

function integerAtLeast(name: string, text: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) throw new Error(`${name} must be an integer of ${minimum} or more, got ${JSON.stringify(text)}`);
  return value;
}

/**
 * A stand-in for the incident tracker: it stores the incidents, sends every change to its
 * listeners as the tracker does, and records when each incident opened and was recovered.
 */
class BenchIncidentControl extends FakeIncidentControl {
  /** `performance.now()` when each incident opened. */
  readonly openedAtPerfMs = new Map<string, number>();
  /** `performance.now()` when each incident was resolved as recovered. */
  readonly recoveredAtPerfMs = new Map<string, number>();
  escalatedCount = 0;
  private outcomeCheck: (() => void) | undefined;

  constructor(private readonly listeners: IncidentListener[]) {
    super();
  }

  open(incident: Incident): void {
    this.add(incident);
    this.openedAtPerfMs.set(incident.id, performance.now());
    this.emit({ type: 'opened', incident });
  }

  override setState(id: string, state: 'mitigating' | 'escalated' | 'open'): void {
    const from = this.incidents.get(id)?.state;
    super.setState(id, state);
    if (from === undefined || from === state) return;

    if (state === 'escalated') this.escalatedCount += 1;
    this.emitCurrent(id, (incident) => ({ type: 'state_changed', incident, from }));
    this.outcomeCheck?.();
  }

  override resolve(id: string, reason: 'recovered' | 'manual'): void {
    if (this.incidents.get(id)?.state === 'resolved') return;
    super.resolve(id, reason);
    if (reason === 'recovered') this.recoveredAtPerfMs.set(id, performance.now());
    this.emitCurrent(id, (incident) => ({ type: 'resolved', incident, reason }));
    this.outcomeCheck?.();
  }

  /** Resolves once `expected` incidents were recovered or escalated, or after `timeoutMs`. */
  waitForOutcomes(expected: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.outcomeCheck = () => {
        if (this.recoveredAtPerfMs.size + this.escalatedCount < expected) return;
        clearTimeout(timer);
        resolve();
      };
      this.outcomeCheck();
    });
  }

  private emitCurrent(id: string, build: (incident: Incident) => IncidentChange): void {
    const incident = this.get(id);
    if (incident !== undefined) this.emit(build(incident));
  }

  private emit(change: IncidentChange): void {
    for (const listener of this.listeners) listener.incidentChanged(change);
  }
}

/** CPU time of this process, in ms, over a stretch of wall time. */
interface CpuWindow {
  wallMs: number;
  /** User plus system CPU time. */
  cpuMs: number;
  /** System CPU time, which includes the kernel's work for SQLite's writes and fsyncs. */
  systemCpuMs: number;
  /** p50, p99 and max event-loop delay over the window, in ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

async function measureCpu(work: () => Promise<void>): Promise<CpuWindow> {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  histogram.enable();
  const cpuStart = process.cpuUsage();
  const wallStartMs = performance.now();

  await work();

  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStartMs;
  histogram.disable();
  // The histogram records the time between the ticks of its own timer, so the delay is that minus the timer's interval.
  const delayMs = (ns: number): number => Math.max(0, ns / 1e6 - EVENT_LOOP_RESOLUTION_MS);
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    systemCpuMs: cpu.system / 1000,
    eventLoopDelayMs: { p50: delayMs(histogram.percentile(50)), p99: delayMs(histogram.percentile(99)), max: delayMs(histogram.max) },
  };
}

function engineConfigSection(options: BenchOptions, server: ControlServer, auditPath: string): Record<string, unknown> {
  return {
    targets: { automatrix: { endpoints: [server.address], tls: { insecure: true } } },
    policies: [
      {
        name: 'restart_automatrix_worker',
        match: { system: 'automatrix', error_kind: 'unavailable' },
        steps: [{ action: 'restart_worker', target: 'automatrix', component: 'worker-1', parameters: { grace_period: '5s' } }],
        verify: { window: `${options.verifyWindowMs}ms` },
        // The default 5m cooldown would skip every incident after the first on the one target.
        cooldown: '0s',
      },
    ],
    max_actions_per_minute: options.incidentsPerMinute,
    audit: { path: auditPath },
  };
}

function createLogger(level: string): Logger {
  if (level === 'silent') return pino({ level: 'silent' });
  return pino({ level }, pino.destination({ dest: '/dev/null', sync: true }));
}

interface Distribution {
  p50: number | null;
  p99: number | null;
  max: number | null;
  samples: number;
}

function distributionOf(values: number[]): Distribution {
  const sorted = [...values].sort((left, right) => left - right);
  // Nearest-rank percentiles.
  const at = (percent: number): number | null => sorted[Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1)] ?? null;
  return { p50: at(50), p99: at(99), max: sorted.at(-1) ?? null, samples: sorted.length };
}

interface RunFigures {
  logLevel: string;
  incidents: number;
  recovered: number;
  escalated: number;
  executeActionCalls: number;
  actionsDeferred: number;
  wallMs: number;
  processCpuMs: number;
  /** The baseline's CPU rate over this run's wall time. */
  baselineCpuMs: number;
  engineCpuMs: number;
  /** The system CPU part of `engineCpuMs`, after the baseline's system CPU rate is taken off. */
  engineSystemCpuMs: number;
  engineCpuMsPerIncident: number;
  /** `engineCpuMsPerIncident` at the configured rate, in percent of one core. */
  engineCpuPercentOfCore: number;
  eventLoopDelayMs: CpuWindow['eventLoopDelayMs'];
  auditRows: { auditRecords: number; recoveries: number; recoverySteps: number };
  auditRecordsPerIncident: number;
  /** The SQLite file after close, when the WAL has been checkpointed into it. */
  auditFileBytes: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** From `opened` to the ExecuteAction arriving at the server; `Date.now()` on both sides, so 1 ms resolution. */
  openedToExecuteActionMs: Distribution;
  /** From `opened` to the incident resolved as recovered; includes the verify window. */
  openedToRecoveredMs: Distribution;
}

/** The baseline's CPU time per ms of wall time. */
interface BaselineRate {
  cpuPerMs: number;
  systemCpuPerMs: number;
}

async function measureRun(options: BenchOptions, server: ControlServer, baseline: BaselineRate, run: { label: string; logLevel: string; durationMs: number; directory: string }): Promise<RunFigures> {
  const auditPath = join(run.directory, `audit-${run.label}.db`);
  const store = new AuditStore(auditPath);
  // The engine is the control's listener and takes the control, so it joins the list once built.
  const listeners: IncidentListener[] = [];
  const control = new BenchIncidentControl(listeners);
  const engine = new RecoveryEngine({ config: parseRecoveryConfig(engineConfigSection(options, server, auditPath)), control, logger: createLogger(run.logLevel), store });
  listeners.push(engine);
  engine.start();

  const firstRequest = server.requests.length;
  const intervalMs = MS_PER_MINUTE / options.incidentsPerMinute;
  const incidents = Math.max(1, Math.floor(run.durationMs / intervalMs));
  const rssBeforeBytes = process.memoryUsage().rss;

  const window = await measureCpu(async () => {
    await openIncidents(control, run.label, incidents, intervalMs);
    await control.waitForOutcomes(incidents, options.verifyWindowMs + COMPLETION_TIMEOUT_MS);
  });

  const rssAfterBytes = process.memoryUsage().rss;
  const snapshot = engine.snapshot();
  await engine.shutdown();
  store.close();

  const requests = server.requests.slice(firstRequest);
  const auditRows = countAuditRows(auditPath);
  return {
    logLevel: run.logLevel,
    incidents,
    recovered: control.recoveredAtPerfMs.size,
    escalated: control.escalatedCount,
    executeActionCalls: requests.length,
    actionsDeferred: snapshot.actionsDeferred,
    ...cpuFiguresOf(window, baseline, incidents, options.incidentsPerMinute),
    auditRows,
    auditRecordsPerIncident: auditRows.auditRecords / incidents,
    auditFileBytes: statSync(auditPath).size,
    rssBeforeMiB: rssBeforeBytes / MIB,
    rssAfterMiB: rssAfterBytes / MIB,
    ...latenciesOf(control, requests),
  };
}

type CpuFigures = Pick<RunFigures, 'wallMs' | 'processCpuMs' | 'baselineCpuMs' | 'engineCpuMs' | 'engineSystemCpuMs' | 'engineCpuMsPerIncident' | 'engineCpuPercentOfCore' | 'eventLoopDelayMs'>;

/** Takes the baseline's CPU rate off a run's CPU time and spreads the rest over its incidents. */
function cpuFiguresOf(window: CpuWindow, baseline: BaselineRate, incidents: number, incidentsPerMinute: number): CpuFigures {
  const baselineCpuMs = baseline.cpuPerMs * window.wallMs;
  const engineCpuMs = window.cpuMs - baselineCpuMs;
  const engineCpuMsPerIncident = engineCpuMs / incidents;
  return {
    wallMs: window.wallMs,
    processCpuMs: window.cpuMs,
    baselineCpuMs,
    engineCpuMs,
    engineSystemCpuMs: window.systemCpuMs - baseline.systemCpuPerMs * window.wallMs,
    engineCpuMsPerIncident,
    engineCpuPercentOfCore: (engineCpuMsPerIncident * incidentsPerMinute * 100) / MS_PER_MINUTE,
    eventLoopDelayMs: window.eventLoopDelayMs,
  };
}

function latenciesOf(control: BenchIncidentControl, requests: ReceivedRequest[]): Pick<RunFigures, 'openedToExecuteActionMs' | 'openedToRecoveredMs'> {
  const toExecuteActionMs = requests.map((received) => received.atMs - (control.incidents.get(received.request.incident.id)?.openedAtMs ?? Number.NaN));
  const toRecoveredMs = [...control.recoveredAtPerfMs].map(([id, recoveredAtMs]) => recoveredAtMs - (control.openedAtPerfMs.get(id) ?? Number.NaN));
  return { openedToExecuteActionMs: distributionOf(toExecuteActionMs), openedToRecoveredMs: distributionOf(toRecoveredMs) };
}

/** Opens `count` incidents, one every `intervalMs` of real time, without drift. */
async function openIncidents(control: BenchIncidentControl, label: string, count: number, intervalMs: number): Promise<void> {
  const startMs = performance.now();
  for (let index = 0; index < count; index += 1) {
    const waitMs = startMs + index * intervalMs - performance.now();
    if (waitMs > 0) await delay(waitMs);
    control.open(makeIncident(`inc-${label}-${index + 1}`));
  }
}

function countAuditRows(path: string): RunFigures['auditRows'] {
  const db = new Database(path, { readonly: true });
  try {
    const count = (table: string): number => db.prepare<[], { rows: number }>(`SELECT count(*) AS rows FROM ${table}`).get()?.rows ?? 0;
    return { auditRecords: count('audit_records'), recoveries: count('recoveries'), recoverySteps: count('recovery_steps') };
  } finally {
    db.close();
  }
}

/** True when every incident recovered through exactly one ExecuteAction call. */
function allRecovered(figures: RunFigures): boolean {
  return figures.recovered === figures.incidents && figures.escalated === 0 && figures.executeActionCalls === figures.incidents;
}

const fixed = (value: number | null, digits: number): string => (value === null ? 'n/a' : value.toFixed(digits));

function formatRun(figures: RunFigures): string[] {
  const execute = figures.openedToExecuteActionMs;
  const recovered = figures.openedToRecoveredMs;
  return [
    `run at log level ${figures.logLevel}`,
    `  incidents              ${figures.incidents} opened, ${figures.recovered} recovered, ${figures.escalated} escalated, ${figures.executeActionCalls} ExecuteAction calls, ${figures.actionsDeferred} deferred`,
    `  wall time              ${fixed(figures.wallMs / 1000, 1)} s`,
    `  process CPU            ${fixed(figures.processCpuMs, 0)} ms, baseline ${fixed(figures.baselineCpuMs, 0)} ms, engine ${fixed(figures.engineCpuMs, 0)} ms (${fixed(figures.engineSystemCpuMs, 0)} ms of it system)`,
    `  engine CPU             ${fixed(figures.engineCpuMsPerIncident, 3)} ms per incident, ${fixed(figures.engineCpuPercentOfCore, 2)} % of one core at this rate`,
    `  event-loop delay       p50 ${fixed(figures.eventLoopDelayMs.p50, 1)} ms, p99 ${fixed(figures.eventLoopDelayMs.p99, 1)} ms, max ${fixed(figures.eventLoopDelayMs.max, 1)} ms`,
    `  audit                  ${fixed(figures.auditRecordsPerIncident, 2)} audit records per incident (${figures.auditRows.auditRecords} audit, ${figures.auditRows.recoveries} recoveries, ${figures.auditRows.recoverySteps} steps), file ${fixed(figures.auditFileBytes / 1024, 0)} KiB`,
    `  RSS                    ${fixed(figures.rssBeforeMiB, 1)} MiB before, ${fixed(figures.rssAfterMiB, 1)} MiB after`,
    `  opened → ExecuteAction p50 ${fixed(execute.p50, 0)} ms, p99 ${fixed(execute.p99, 0)} ms, max ${fixed(execute.max, 0)} ms (1 ms resolution)`,
    `  opened → recovered     p50 ${fixed(recovered.p50, 1)} ms, p99 ${fixed(recovered.p99, 1)} ms, max ${fixed(recovered.max, 1)} ms (verify window included)`,
  ];
}

async function main(): Promise<void> {
  const options = readOptions();
  const directory = mkdtempSync(join(tmpdir(), 'faultline-recovery-bench-'));
  const server = await ControlServer.start();
  try {
    const baseline = await measureCpu(() => delay(options.durationMs));
    const baselineRate = { cpuPerMs: baseline.cpuMs / baseline.wallMs, systemCpuPerMs: baseline.systemCpuMs / baseline.wallMs };
    const warmUp = options.warmUpMs > 0 ? await measureRun(options, server, baselineRate, { label: 'warm-up', logLevel: 'silent', durationMs: options.warmUpMs, directory }) : undefined;

    const runs: RunFigures[] = [];
    for (const logLevel of options.logLevels) {
      runs.push(await measureRun(options, server, baselineRate, { label: logLevel, logLevel, durationMs: options.durationMs, directory }));
    }

    const machine = { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version };
    console.log(
      [
        `machine                  ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`,
        `load                     ${options.incidentsPerMinute} incidents/min for ${fixed(options.durationMs / 1000, 1)} s, verify window ${options.verifyWindowMs} ms, one target, one one-step policy`,
        `baseline                 ${fixed(baseline.cpuMs, 0)} ms CPU over ${fixed(baseline.wallMs / 1000, 1)} s idle with the control server (${fixed(baselineRate.cpuPerMs * 100, 3)} % of one core)`,
        ...runs.flatMap(formatRun),
      ].join('\n'),
    );
    if (warmUp !== undefined && !allRecovered(warmUp)) console.error(`warm-up failed: ${warmUp.recovered} of ${warmUp.incidents} incidents recovered`);
    const passed = runs.every(allRecovered) && (warmUp === undefined || allRecovered(warmUp));
    console.log(JSON.stringify({ machine, options, baseline: { wallMs: baseline.wallMs, cpuMs: baseline.cpuMs, systemCpuMs: baseline.systemCpuMs }, runs, passed }));
    if (!passed) process.exitCode = 1;
  } finally {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();

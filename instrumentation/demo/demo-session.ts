/**
 * A running demo: the reference deployment, steady traffic, the incident watcher (fed by the
 * status API's event stream and by polls) and the timeline, ready to run fault rounds. `npm run demo` and the end-to-end tests both drive
 * faults through it.
 */
import { runFaultRound, type FaultOutcome, type RoundTiming } from './fault-round.js';
import type { FaultName, SystemName } from './fault-catalog.js';
import { EventStreamClient } from './event-stream-client.js';
import { IncidentWatcher } from './incident-watcher.js';
import { ReferenceDeployment, type DeploymentOptions, type UnexpectedExit } from './reference-deployment.js';
import { StatusClient } from './status-client.js';
import { Timeline } from './timeline.js';
import { TrafficGenerator, type RunRecord } from './traffic-generator.js';

/** How often unfinished runs are read again while waiting for them at the end. */
const FINAL_READ_INTERVAL_MS = 500;

export interface DemoSessionOptions {
  deployment: DeploymentOptions;
  /** The AutoMatrix workflow every run starts. */
  workflow: string;
  runsPerSecond: number;
  /** How often run statuses and the status API are read, in milliseconds. */
  pollIntervalMs: number;
  timing: RoundTiming;
  /** Receives each timeline line; a no-op records silently. */
  write: (line: string) => void;
}

export class DemoSession {
  /** Aborted when a child exits unexpectedly or `stop` is called. */
  private readonly abort = new AbortController();
  private readonly rounds = new Map<FaultName, number>();
  /** The first child that exited unexpectedly, if any. */
  unexpectedExit: UnexpectedExit | undefined;

  private constructor(
    readonly deployment: ReferenceDeployment,
    readonly timeline: Timeline,
    readonly status: StatusClient,
    readonly watcher: IncidentWatcher,
    private readonly events: EventStreamClient,
    readonly traffic: TrafficGenerator,
    private readonly options: DemoSessionOptions,
  ) {
    void deployment.firstUnexpectedExit().then((exit) => this.onUnexpectedExit(exit));
  }

  /** Starts the deployment, then the watcher and the traffic. */
  static async start(options: DemoSessionOptions): Promise<DemoSession> {
    const startedAtMs = Date.now();
    const deployment = await ReferenceDeployment.start(options.deployment);
    const timeline = new Timeline(startedAtMs, options.write);
    timeline.record({ type: 'note', message: `deployment up: Faultline status API ${deployment.statusApiUrl}, AutoMatrix ${deployment.automatrixUrl}` });

    const status = new StatusClient(deployment.statusApiUrl);
    const watcher = new IncidentWatcher(status, timeline, { pollIntervalMs: options.pollIntervalMs, sinceMs: startedAtMs });
    const traffic = new TrafficGenerator({
      automatrixUrl: deployment.automatrixUrl,
      workflow: options.workflow,
      ratePerSecond: options.runsPerSecond,
      statusPollIntervalMs: options.pollIntervalMs,
    });
    const events = new EventStreamClient(`${deployment.statusApiUrl}/api/v1/events`, (event) => watcher.applyEvent(event));
    events.start();
    watcher.start();
    traffic.start();
    timeline.record({ type: 'note', message: `traffic started: ${options.runsPerSecond} runs/s of workflow ${options.workflow}` });
    return new DemoSession(deployment, timeline, status, watcher, events, traffic, options);
  }

  /** Aborted when the session stops or a child dies; rounds end early when it is. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Injects `fault`, follows it to its end and clears it. */
  async runFault(fault: FaultName): Promise<FaultOutcome> {
    const round = (this.rounds.get(fault) ?? 0) + 1;
    this.rounds.set(fault, round);
    const adminUrls = Object.fromEntries(Object.entries(this.deployment.systems).map(([system, running]) => [system, running.endpoints.adminUrl])) as Record<SystemName, string>;
    const relaycoreUrl = `http://${this.deployment.systems.RelayCore.endpoints.apiAddress}`;
    return runFaultRound({ adminUrls, relaycoreUrl, watcher: this.watcher, timeline: this.timeline, timing: this.options.timing, signal: this.abort.signal }, fault, round);
  }

  /** Stops the traffic and waits up to `timeoutMs` for the runs that have not finished. */
  async drainTraffic(timeoutMs: number): Promise<void> {
    await this.traffic.stop();
    const deadlineMs = Date.now() + timeoutMs;
    for (;;) {
      const unfinished = this.traffic.allRuns().filter((run) => run.status === 'queued' || run.status === 'running');
      if (unfinished.length === 0 || Date.now() > deadlineMs || this.unexpectedExit !== undefined) return;
      await new Promise((resolve) => setTimeout(resolve, FINAL_READ_INTERVAL_MS));
      await this.traffic.refresh(unfinished);
    }
  }

  /** Runs started in a time window. */
  runsStartedBetween(fromMs: number, toMs: number): RunRecord[] {
    return this.traffic.runsStartedBetween(fromMs, toMs);
  }

  /** Runs seen finishing in a time window, for counting the failures of a fault round. */
  runsFinishedBetween(fromMs: number, toMs: number): RunRecord[] {
    return this.traffic.runsFinishedBetween(fromMs, toMs);
  }

  /**
   * Ends the running round early after Ctrl-C. The children got the same SIGINT, so their
   * exits from now on are expected, and clearing the fault may find them gone.
   */
  interrupt(): void {
    for (const child of this.deployment.children()) child.expectExit();
    this.abort.abort();
  }

  /** Stops traffic, the watcher and every process. Safe to call more than once. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.traffic.stop();
    await this.events.stop();
    await this.watcher.stop();
    await this.deployment.stop();
  }

  private onUnexpectedExit(exit: UnexpectedExit): void {
    if (this.abort.signal.aborted) return;
    this.unexpectedExit = exit;
    this.timeline.record({ type: 'process_exited', name: exit.name, exit: exit.exit });
    this.timeline.record({ type: 'note', message: `last output of ${exit.name}:\n${exit.tail}` });
    this.abort.abort();
  }
}

import type { Logger } from 'pino';
import type { CompletedTrace, TraceConsumer } from '../pipeline/completed-trace.js';
import { analyzeTrace } from './analyzer.js';
import type { ErrorCorrelationConfig } from './config.js';
import type { IncidentTracker } from './incident-tracker.js';
import { LatencyWindow } from './latency-window.js';
import { ServiceDirectory } from './service-directory.js';
import type { Verdict, VerdictOutcome } from './verdict.js';

/** Verdict latencies kept for the percentiles in the status report. */
const LATENCY_SAMPLES = 10_000;

/**
 * The `errorcorrelation` processor's stage after the trace buffer: analyzes each released
 * trace, keeps recent verdicts for the status API, and hands each verdict to the incident
 * tracker.
 */
export class CorrelationStage implements TraceConsumer {
  private readonly verdicts = new Map<string, Verdict>();
  private readonly directory = new ServiceDirectory();
  private readonly latency = new LatencyWindow(LATENCY_SAMPLES);
  private readonly outcomes: Record<VerdictOutcome, number> = { healthy: 0, handled: 0, failed: 0 };
  private readonly logger: Logger;
  private analysisErrors = 0;
  /** Verdicts made again because late spans joined an analyzed trace; not in `outcomes`. */
  private revisedVerdicts = 0;

  constructor(
    private readonly config: ErrorCorrelationConfig,
    private readonly tracker: IncidentTracker,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: 'errorcorrelation' });
  }

  consumeTrace(trace: CompletedTrace): void {
    const nowMs = Date.now();
    this.directory.learn(trace.spans);

    let verdict: Verdict;
    try {
      verdict = analyzeTrace(trace.spans, { rules: this.config.error_kinds, nowMs, knownServices: this.directory });
    } catch (error) {
      // An analyzer bug must cost one trace, not the pipeline.
      this.analysisErrors += 1;
      this.logger.error({ err: error, traceId: trace.traceId, spans: trace.spans.length }, 'trace analysis failed');
      return;
    }
    verdict.revision = trace.revision;

    this.remember(verdict);
    if (trace.revision === 0) {
      this.outcomes[verdict.outcome] += 1;
      this.latency.record(nowMs - trace.lastSpanAtMs);
    } else {
      this.revisedVerdicts += 1;
    }
    if (verdict.outcome === 'failed') {
      this.logger.debug({ traceId: verdict.traceId, rootCause: verdict.rootCauses[0]?.service }, 'failing trace analyzed');
    }
    this.tracker.record(verdict);
  }

  /** Returns the verdict of a recently analyzed trace. */
  verdict(traceId: string): Verdict | undefined {
    return this.verdicts.get(traceId);
  }

  snapshot(): Record<string, unknown> {
    return {
      verdicts: { ...this.outcomes },
      revisedVerdicts: this.revisedVerdicts,
      analysisErrors: this.analysisErrors,
      verdictLatency: this.latency.percentiles(),
      knownServiceAddresses: this.directory.size,
    };
  }

  private remember(verdict: Verdict): void {
    this.verdicts.delete(verdict.traceId);
    this.verdicts.set(verdict.traceId, verdict);
    if (this.verdicts.size <= this.config.verdict_cache_size) return;
    const oldest = this.verdicts.keys().next();
    if (oldest.done !== true) this.verdicts.delete(oldest.value);
  }
}

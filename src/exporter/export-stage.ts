import type { Logger } from 'pino';
import { BoundedMap } from '../correlation/bounded-map.js';
import type { Verdict } from '../correlation/verdict.js';
import type { CompletedTrace, TraceConsumer } from '../pipeline/completed-trace.js';
import type { ExporterConfig } from './config.js';
import { createExporter } from './create-exporter.js';
import type { ExporterSnapshot, OtlpExporter } from './otlp-exporter.js';
import { SpanBatcher } from './span-batcher.js';
import { addedAttributesOf, enrichmentOf } from './span-enrichment.js';

/**
 * The stage after analysis when exporters are configured. The trace buffer hands it each
 * released trace. It passes the trace to the analysis stage, then forwards the trace's spans,
 * with the verdict's attributes added, to every exporter.
 *
 * Data flow: trace buffer -> `consumeTrace` -> analysis (correlation stage, incident tracker)
 * -> enrichment -> span batcher (encodes once) -> each exporter's queue -> backend.
 *
 * A trace reopened by late spans (revision above 0) forwards only the spans not forwarded
 * before, with the new verdict's attributes.
 */

/** Time the exporters get at shutdown to send what they hold. */
export const EXPORT_SHUTDOWN_TIMEOUT_MS = 5_000;

/** The analysis stage the export stage wraps: it consumes traces and keeps their verdicts. */
export interface AnalysisStage extends TraceConsumer {
  verdict(traceId: string): Verdict | undefined;
}

/** Finds the incident a trace's verdict counted toward. */
export interface IncidentLookup {
  incidentIdOf(traceId: string): string | undefined;
}

export interface ExportStageOptions {
  exporters: readonly ExporterConfig[];
  analysis: AnalysisStage;
  incidents: IncidentLookup;
  /** Traces whose forwarded span count is kept for late spans; set it to `verdict_cache_size`. */
  rememberedTraces: number;
  logger: Logger;
  shutdownTimeoutMs?: number;
  /** Builds an exporter from its config; tests pass one with a short retry interval. Default `createExporter`. */
  createExporter?: (config: ExporterConfig, logger: Logger) => OtlpExporter;
}

export class ExportStage implements TraceConsumer {
  readonly #analysis: AnalysisStage;
  readonly #incidents: IncidentLookup;
  readonly #exporters: OtlpExporter[];
  readonly #batcher: SpanBatcher;
  /** Spans forwarded per recently released trace, so a revision forwards only its new spans. */
  readonly #forwardedSpans: BoundedMap<string, number>;
  readonly #shutdownTimeoutMs: number;
  #stopping: Promise<void> | undefined;

  constructor(options: ExportStageOptions) {
    const logger = options.logger.child({ component: 'exporters' });
    const build = options.createExporter ?? createExporter;
    this.#analysis = options.analysis;
    this.#incidents = options.incidents;
    this.#exporters = options.exporters.map((config) => build(config, options.logger));
    this.#batcher = new SpanBatcher({ receivers: this.#exporters, logger });
    this.#forwardedSpans = new BoundedMap(options.rememberedTraces);
    this.#shutdownTimeoutMs = options.shutdownTimeoutMs ?? EXPORT_SHUTDOWN_TIMEOUT_MS;
  }

  /** Analyzes the trace, then forwards its spans, even when analysis threw. */
  consumeTrace(trace: CompletedTrace): void {
    const previousVerdict = this.#analysis.verdict(trace.traceId);
    try {
      this.#analysis.consumeTrace(trace);
    } finally {
      this.#forward(trace, previousVerdict);
    }
  }

  /**
   * Sends the spans still batched, then waits for every exporter to send what it holds, up
   * to the shutdown timeout. Call it after the trace buffer drained. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Returns each exporter's figures by its component id. */
  snapshot(): Record<string, ExporterSnapshot> {
    const snapshots: Record<string, ExporterSnapshot> = {};
    for (const exporter of this.#exporters) snapshots[exporter.name] = exporter.snapshot();
    return snapshots;
  }

  #forward(trace: CompletedTrace, previousVerdict: Verdict | undefined): void {
    // The analysis stage stores a new verdict object per analysis, so the same object means it failed.
    const current = this.#analysis.verdict(trace.traceId);
    const verdict = current === previousVerdict ? undefined : current;
    const incidentId = verdict?.outcome === 'failed' ? this.#incidents.incidentIdOf(trace.traceId) : undefined;
    const enrichment = enrichmentOf(verdict, incidentId);

    // NOTE: a revised trace whose count was dropped from `#forwardedSpans` forwards all its spans again.
    const firstNew = trace.revision === 0 ? 0 : (this.#forwardedSpans.get(trace.traceId) ?? 0);
    for (let index = firstNew; index < trace.spans.length; index += 1) {
      const span = trace.spans[index];
      if (span !== undefined) this.#batcher.add(span, addedAttributesOf(enrichment, span));
    }
    this.#forwardedSpans.set(trace.traceId, trace.spans.length);
  }

  async #stop(): Promise<void> {
    this.#batcher.flush();
    await Promise.all(this.#exporters.map((exporter) => exporter.shutdown(this.#shutdownTimeoutMs)));
  }
}

import { describe, expect, it } from 'vitest';
import { analyzeTrace, type AnalyzerOptions } from '../../src/correlation/analyzer.js';
import type { ErrorKindRule } from '../../src/correlation/config.js';
import { knownServicesFromMap, NO_KNOWN_SERVICES } from '../../src/correlation/known-services.js';
import type { BlameReason, PathHop, SpanRole, Verdict, VerdictOutcome } from '../../src/correlation/verdict.js';
import { hasErrorSignal } from '../../src/model/signals.js';
import type { SpanRecord } from '../../src/model/span.js';
import { span } from '../support/span-builder.js';

const NOW_MS = 1_733_300_000_000;
const PRODUCER_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

function options(overrides: Partial<AnalyzerOptions> = {}): AnalyzerOptions {
  return { rules: [], nowMs: NOW_MS, knownServices: NO_KNOWN_SERVICES, ...overrides };
}

/**
 * AutoMatrix calls RelayCore over HTTP, RelayCore calls NeuroWeaver over gRPC, and inference
 * fails in NeuroWeaver. `relaySkewMs` shifts every RelayCore timestamp, as a wrong clock does.
 */
function threeSystemChain(relaySkewMs: number): SpanRecord[] {
  return [
    span({ spanId: 'am1', service: 'automatrix-api', system: 'AutoMatrix', kind: 'server', httpStatusCode: 500, status: 'error', durationMs: 120 }),
    span({ spanId: 'am2', parentSpanId: 'am1', service: 'automatrix-api', system: 'AutoMatrix', kind: 'client', httpStatusCode: 500, startMs: 5, durationMs: 100, serverAddress: 'relaycore', serverPort: 8080 }),
    span({ spanId: 'rc1', parentSpanId: 'am2', service: 'relaycore-router', system: 'RelayCore', kind: 'server', httpStatusCode: 500, status: 'error', startMs: 10 + relaySkewMs, durationMs: 90 }),
    span({ spanId: 'rc2', parentSpanId: 'rc1', service: 'relaycore-router', system: 'RelayCore', kind: 'client', grpcStatus: 13, status: 'error', startMs: 15 + relaySkewMs, durationMs: 80, rpcService: 'neuroweaver.v1.Inference', rpcMethod: 'Predict', serverAddress: 'neuroweaver', serverPort: 50051 }),
    span({ spanId: 'nw1', parentSpanId: 'rc2', service: 'neuroweaver-inference', system: 'NeuroWeaver', kind: 'server', grpcStatus: 13, status: 'error', startMs: 20, durationMs: 70, exception: { type: 'ModelError', message: 'model "llama-7b" failed to load' } }),
  ];
}

const MODEL_RULES: ErrorKindRule[] = [{ kind: 'model_failure', system: 'NeuroWeaver', message_pattern: 'model .* failed' }];

const CHAIN_ROLES: Record<string, SpanRole> = { am1: 'propagated', am2: 'propagated', rc1: 'propagated', rc2: 'propagated', nw1: 'root_cause' };

interface TraceCase {
  name: string;
  spans: SpanRecord[];
  knownServices?: Record<string, PathHop>;
  rules?: ErrorKindRule[];
  outcome: VerdictOutcome;
  /** The top root cause; absent when the trace did not fail. */
  rootCause?: { service: string; system: string; reason: BlameReason; errorKind: string };
  path: string[];
  roles: Record<string, SpanRole>;
}

const cases: TraceCase[] = [
  {
    name: 'three-system chain failing in NeuroWeaver',
    spans: threeSystemChain(0),
    rules: MODEL_RULES,
    outcome: 'failed',
    rootCause: { service: 'neuroweaver-inference', system: 'NeuroWeaver', reason: 'deepest_error', errorKind: 'model_failure' },
    path: ['automatrix-api', 'relaycore-router', 'neuroweaver-inference'],
    roles: CHAIN_ROLES,
  },
  {
    name: 'three-system chain with a RelayCore clock 2 s ahead',
    spans: threeSystemChain(2000),
    rules: MODEL_RULES,
    outcome: 'failed',
    rootCause: { service: 'neuroweaver-inference', system: 'NeuroWeaver', reason: 'deepest_error', errorKind: 'model_failure' },
    path: ['automatrix-api', 'relaycore-router', 'neuroweaver-inference'],
    roles: CHAIN_ROLES,
  },
  {
    name: 'three-system chain with a RelayCore clock 2 s behind',
    spans: threeSystemChain(-2000),
    outcome: 'failed',
    rootCause: { service: 'neuroweaver-inference', system: 'NeuroWeaver', reason: 'deepest_error', errorKind: 'internal' },
    path: ['automatrix-api', 'relaycore-router', 'neuroweaver-inference'],
    roles: CHAIN_ROLES,
  },
  {
    name: 'fan-out where one child fails',
    spans: [
      span({ spanId: 'g1', service: 'gateway', kind: 'server', httpStatusCode: 500, status: 'error' }),
      span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 200 }),
      span({ spanId: 'b1', parentSpanId: 'g2', service: 'billing', kind: 'server', httpStatusCode: 200 }),
      span({ spanId: 'g3', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 500 }),
      span({ spanId: 'c1', parentSpanId: 'g3', service: 'catalog', kind: 'server', httpStatusCode: 500, status: 'error' }),
      span({ spanId: 'g4', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 200 }),
      span({ spanId: 'd1', parentSpanId: 'g4', service: 'delivery', kind: 'server', httpStatusCode: 200 }),
    ],
    outcome: 'failed',
    rootCause: { service: 'catalog', system: '', reason: 'deepest_error', errorKind: 'internal' },
    path: ['gateway', 'catalog'],
    roles: { g1: 'propagated', g3: 'propagated', c1: 'root_cause' },
  },
  {
    name: 'error only at the entry span',
    spans: [
      span({ spanId: 'g1', service: 'gateway', kind: 'server', status: 'error', statusMessage: 'handler crashed' }),
      span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 200 }),
      span({ spanId: 'b1', parentSpanId: 'g2', service: 'billing', kind: 'server', httpStatusCode: 200 }),
    ],
    outcome: 'failed',
    rootCause: { service: 'gateway', system: '', reason: 'deepest_error', errorKind: 'internal' },
    path: ['gateway'],
    roles: { g1: 'root_cause' },
  },
  {
    name: 'errors marked only by status',
    spans: [
      span({ spanId: 'g1', service: 'gateway', kind: 'server', status: 'error' }),
      span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', status: 'error' }),
      span({ spanId: 'b1', parentSpanId: 'g2', service: 'billing', kind: 'server', status: 'error' }),
    ],
    outcome: 'failed',
    rootCause: { service: 'billing', system: '', reason: 'deepest_error', errorKind: 'internal' },
    path: ['gateway', 'billing'],
    roles: { g1: 'propagated', g2: 'propagated', b1: 'root_cause' },
  },
  {
    name: 'errors marked only by error.type',
    spans: [
      span({ spanId: 'g1', service: 'gateway', kind: 'server', errorType: 'UpstreamError' }),
      span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', errorType: 'UpstreamError' }),
      span({ spanId: 'b1', parentSpanId: 'g2', service: 'billing', kind: 'server', errorType: 'LedgerLockedError' }),
    ],
    outcome: 'failed',
    rootCause: { service: 'billing', system: '', reason: 'deepest_error', errorKind: 'internal' },
    path: ['gateway', 'billing'],
    roles: { g1: 'propagated', g2: 'propagated', b1: 'root_cause' },
  },
  {
    name: 'exception event on a span that ended OK',
    spans: [
      span({ spanId: 'g1', service: 'gateway', kind: 'server', status: 'error' }),
      span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 200 }),
      span({ spanId: 'b1', parentSpanId: 'g2', service: 'billing', kind: 'server', status: 'ok', exception: { type: 'CacheMissError', message: 'cache miss' } }),
      span({ spanId: 'g3', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 500 }),
      span({ spanId: 'c1', parentSpanId: 'g3', service: 'catalog', kind: 'server', httpStatusCode: 500 }),
    ],
    outcome: 'failed',
    rootCause: { service: 'catalog', system: '', reason: 'deepest_error', errorKind: 'internal' },
    path: ['gateway', 'catalog'],
    roles: { g1: 'propagated', g3: 'propagated', c1: 'root_cause' },
  },
  {
    name: 'exception events only, on OK and UNSET spans',
    spans: [
      span({ spanId: 'g1', service: 'gateway', kind: 'server', status: 'ok', exception: { type: 'Error', message: 'retrying' } }),
      span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'internal', exception: { type: 'Error', message: 'cache miss' } }),
    ],
    outcome: 'healthy',
    path: [],
    roles: {},
  },
  {
    name: 'retry that succeeded',
    spans: [
      span({ spanId: 'g1', service: 'gateway', kind: 'server', httpStatusCode: 200 }),
      span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 503 }),
      span({ spanId: 'b1', parentSpanId: 'g2', service: 'billing', kind: 'server', httpStatusCode: 503, status: 'error' }),
      span({ spanId: 'g3', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 200 }),
      span({ spanId: 'b2', parentSpanId: 'g3', service: 'billing', kind: 'server', httpStatusCode: 200 }),
    ],
    outcome: 'handled',
    path: [],
    roles: { g2: 'handled', b1: 'handled' },
  },
  {
    name: 'failure passing through an UNSET internal span',
    spans: [
      span({ spanId: 'w1', service: 'workflow-api', system: 'AutoMatrix', kind: 'server', httpStatusCode: 500, status: 'error' }),
      span({ spanId: 'w2', parentSpanId: 'w1', service: 'workflow-api', system: 'AutoMatrix', kind: 'internal', name: 'run step' }),
      span({ spanId: 'w3', parentSpanId: 'w2', service: 'workflow-api', system: 'AutoMatrix', kind: 'client', httpStatusCode: 503, serverAddress: 'relaycore', serverPort: 8080 }),
      span({ spanId: 'r1', parentSpanId: 'w3', service: 'relaycore-router', system: 'RelayCore', kind: 'server', httpStatusCode: 503, status: 'error' }),
    ],
    outcome: 'failed',
    rootCause: { service: 'relaycore-router', system: 'RelayCore', reason: 'deepest_error', errorKind: 'unavailable' },
    path: ['workflow-api', 'relaycore-router'],
    roles: { w1: 'propagated', w3: 'propagated', r1: 'root_cause' },
  },
  {
    name: 'fallback to a backup model',
    spans: [
      span({ spanId: 'r1', service: 'relaycore-router', system: 'RelayCore', kind: 'server', grpcStatus: 0 }),
      span({ spanId: 'r2', parentSpanId: 'r1', service: 'relaycore-router', system: 'RelayCore', kind: 'internal', name: 'route with fallback' }),
      span({ spanId: 'r3', parentSpanId: 'r2', service: 'relaycore-router', system: 'RelayCore', kind: 'client', grpcStatus: 14, status: 'error', peerService: 'provider-a' }),
      span({ spanId: 'r4', parentSpanId: 'r2', service: 'relaycore-router', system: 'RelayCore', kind: 'client', grpcStatus: 0, peerService: 'provider-b' }),
      span({ spanId: 'p1', parentSpanId: 'r4', service: 'provider-b', kind: 'server', grpcStatus: 0 }),
    ],
    outcome: 'handled',
    path: [],
    roles: { r3: 'handled' },
  },
  {
    name: 'dead callee named by peer.service',
    spans: [
      span({ spanId: 'r1', service: 'relaycore-router', system: 'RelayCore', kind: 'server', grpcStatus: 14, status: 'error' }),
      span({ spanId: 'r2', parentSpanId: 'r1', service: 'relaycore-router', system: 'RelayCore', kind: 'client', grpcStatus: 14, status: 'error', statusMessage: 'connect ECONNREFUSED 10.0.0.7:50051', peerService: 'neuroweaver-inference', rpcService: 'neuroweaver.v1.Inference', serverAddress: '10.0.0.7', serverPort: 50051 }),
    ],
    outcome: 'failed',
    rootCause: { service: 'neuroweaver-inference', system: '', reason: 'dead_callee', errorKind: 'connection_refused' },
    path: ['relaycore-router', 'neuroweaver-inference'],
    roles: { r1: 'propagated', r2: 'root_cause' },
  },
  {
    name: 'dead callee named by a known address',
    spans: [
      span({ spanId: 'r1', service: 'relaycore-router', system: 'RelayCore', kind: 'server', grpcStatus: 14, status: 'error' }),
      span({ spanId: 'r2', parentSpanId: 'r1', service: 'relaycore-router', system: 'RelayCore', kind: 'client', grpcStatus: 14, status: 'error', rpcService: 'neuroweaver.v1.Inference', serverAddress: 'nw.internal', serverPort: 50051 }),
    ],
    knownServices: { 'nw.internal:50051': { service: 'neuroweaver-inference', system: 'NeuroWeaver' } },
    outcome: 'failed',
    rootCause: { service: 'neuroweaver-inference', system: 'NeuroWeaver', reason: 'dead_callee', errorKind: 'unavailable' },
    path: ['relaycore-router', 'neuroweaver-inference'],
    roles: { r1: 'propagated', r2: 'root_cause' },
  },
  {
    name: 'dead callee named by a known host without port',
    spans: [
      span({ spanId: 'a1', service: 'automatrix-worker', system: 'AutoMatrix', kind: 'client', httpStatusCode: 502, serverAddress: 'relaycore', serverPort: 8080 }),
    ],
    knownServices: { relaycore: { service: 'relaycore-router', system: 'RelayCore' } },
    outcome: 'failed',
    rootCause: { service: 'relaycore-router', system: 'RelayCore', reason: 'dead_callee', errorKind: 'unavailable' },
    path: ['automatrix-worker', 'relaycore-router'],
    roles: { a1: 'root_cause' },
  },
  {
    name: 'dead callee named by rpc.service',
    spans: [span({ spanId: 'r1', service: 'relaycore-router', kind: 'client', grpcStatus: 14, rpcService: 'neuroweaver.v1.Inference' })],
    outcome: 'failed',
    rootCause: { service: 'neuroweaver.v1.Inference', system: '', reason: 'dead_callee', errorKind: 'unavailable' },
    path: ['relaycore-router', 'neuroweaver.v1.Inference'],
    roles: { r1: 'root_cause' },
  },
  {
    name: 'database error',
    spans: [
      span({ spanId: 's1', service: 'orders', kind: 'server', httpStatusCode: 500, status: 'error' }),
      span({ spanId: 's2', parentSpanId: 's1', service: 'orders', kind: 'client', status: 'error', dbSystem: 'postgresql', serverAddress: 'db.internal', serverPort: 5432, exception: { type: 'Error', message: 'connect ECONNREFUSED 10.1.0.3:5432' } }),
    ],
    outcome: 'failed',
    rootCause: { service: 'postgresql', system: '', reason: 'uninstrumented_dependency', errorKind: 'connection_refused' },
    path: ['orders', 'postgresql'],
    roles: { s1: 'propagated', s2: 'root_cause' },
  },
  {
    name: 'cache named by peer.service',
    spans: [
      span({ spanId: 's1', service: 'orders', kind: 'server', status: 'error' }),
      span({ spanId: 's2', parentSpanId: 's1', service: 'orders', kind: 'client', errorType: 'ETIMEDOUT', dbSystem: 'redis', peerService: 'session-cache' }),
    ],
    outcome: 'failed',
    rootCause: { service: 'session-cache', system: '', reason: 'uninstrumented_dependency', errorKind: 'timeout' },
    path: ['orders', 'session-cache'],
    roles: { s1: 'propagated', s2: 'root_cause' },
  },
  {
    name: 'message broker that rejects a publish',
    spans: [
      span({ spanId: 'w1', service: 'automatrix-worker', kind: 'internal', status: 'error' }),
      span({ spanId: 'w2', parentSpanId: 'w1', service: 'automatrix-worker', kind: 'producer', status: 'error', messagingSystem: 'kafka' }),
    ],
    outcome: 'failed',
    rootCause: { service: 'kafka', system: '', reason: 'uninstrumented_dependency', errorKind: 'internal' },
    path: ['automatrix-worker', 'kafka'],
    roles: { w1: 'propagated', w2: 'root_cause' },
  },
  {
    name: 'external HTTP host that is not a known service',
    spans: [
      span({ spanId: 'r1', service: 'relaycore-router', kind: 'server', httpStatusCode: 502, status: 'error' }),
      span({ spanId: 'r2', parentSpanId: 'r1', service: 'relaycore-router', kind: 'client', httpStatusCode: 503, serverAddress: 'api.provider.example', serverPort: 443 }),
    ],
    knownServices: { 'nw.internal:50051': { service: 'neuroweaver-inference', system: 'NeuroWeaver' } },
    outcome: 'failed',
    rootCause: { service: 'api.provider.example', system: '', reason: 'uninstrumented_dependency', errorKind: 'unavailable' },
    path: ['relaycore-router', 'api.provider.example'],
    roles: { r1: 'propagated', r2: 'root_cause' },
  },
  {
    name: 'slow callee with caller timeout',
    spans: [
      span({ spanId: 'a1', service: 'automatrix-api', kind: 'server', httpStatusCode: 504, status: 'error', durationMs: 1010 }),
      span({ spanId: 'a2', parentSpanId: 'a1', service: 'automatrix-api', kind: 'client', grpcStatus: 4, status: 'error', durationMs: 1000, peerService: 'relaycore-router' }),
      span({ spanId: 'r1', parentSpanId: 'a2', service: 'relaycore-router', kind: 'server', grpcStatus: 0, durationMs: 2400 }),
    ],
    outcome: 'failed',
    rootCause: { service: 'relaycore-router', system: '', reason: 'slow_callee', errorKind: 'timeout' },
    path: ['automatrix-api', 'relaycore-router'],
    roles: { a1: 'propagated', a2: 'root_cause' },
  },
  {
    name: 'caller timeout while its callee answered fast',
    spans: [
      span({ spanId: 'a1', service: 'automatrix-api', kind: 'server', status: 'error', durationMs: 1010 }),
      span({ spanId: 'a2', parentSpanId: 'a1', service: 'automatrix-api', kind: 'client', errorType: 'TimeoutError', durationMs: 1000 }),
      span({ spanId: 'r1', parentSpanId: 'a2', service: 'relaycore-router', kind: 'server', durationMs: 30 }),
    ],
    outcome: 'failed',
    rootCause: { service: 'automatrix-api', system: '', reason: 'deepest_error', errorKind: 'timeout' },
    path: ['automatrix-api'],
    roles: { a1: 'propagated', a2: 'root_cause' },
  },
  {
    name: 'orphaned subtree whose parent never arrived',
    spans: [
      span({ spanId: 'r1', parentSpanId: 'feedfeedfeedfeed', service: 'relaycore-router', kind: 'server', status: 'error' }),
      span({ spanId: 'r2', parentSpanId: 'r1', service: 'relaycore-router', kind: 'client', status: 'error' }),
      span({ spanId: 'n1', parentSpanId: 'r2', service: 'neuroweaver-inference', kind: 'server', grpcStatus: 15 }),
    ],
    outcome: 'failed',
    rootCause: { service: 'neuroweaver-inference', system: '', reason: 'deepest_error', errorKind: 'internal' },
    path: ['relaycore-router', 'neuroweaver-inference'],
    roles: { r1: 'propagated', r2: 'propagated', n1: 'root_cause' },
  },
  {
    name: 'consumer trace with a link to the producer',
    spans: [
      span({ spanId: 'c1', service: 'automatrix-worker', kind: 'consumer', status: 'error', linkedTraceIds: [PRODUCER_TRACE_ID], messagingSystem: 'kafka' }),
      span({ spanId: 'c2', parentSpanId: 'c1', service: 'automatrix-worker', kind: 'internal', exception: { type: 'StepError', message: 'step 7 failed' }, status: 'error' }),
    ],
    outcome: 'failed',
    rootCause: { service: 'automatrix-worker', system: '', reason: 'deepest_error', errorKind: 'internal' },
    path: ['automatrix-worker'],
    roles: { c1: 'propagated', c2: 'root_cause' },
  },
  {
    name: 'sibling cancelled by a failing branch',
    spans: [
      span({ spanId: 'g1', service: 'gateway', kind: 'server', status: 'error' }),
      span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', grpcStatus: 1 }),
      span({ spanId: 'b1', parentSpanId: 'g2', service: 'billing', kind: 'server', grpcStatus: 1 }),
      span({ spanId: 'g3', parentSpanId: 'g1', service: 'gateway', kind: 'client', grpcStatus: 13 }),
      span({ spanId: 'c1', parentSpanId: 'g3', service: 'catalog', kind: 'server', grpcStatus: 13 }),
    ],
    outcome: 'failed',
    rootCause: { service: 'catalog', system: '', reason: 'deepest_error', errorKind: 'internal' },
    path: ['gateway', 'catalog'],
    roles: { g1: 'propagated', g2: 'symptom', g3: 'propagated', c1: 'root_cause' },
  },
  {
    name: 'server error codes by the gRPC conventions',
    spans: [
      span({ spanId: 'g1', service: 'gateway', kind: 'server', grpcStatus: 5 }),
      span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', grpcStatus: 5, peerService: 'catalog' }),
      span({ spanId: 'c1', parentSpanId: 'g2', service: 'catalog', kind: 'server', grpcStatus: 5 }),
    ],
    outcome: 'handled',
    path: [],
    roles: { g2: 'handled' },
  },
  {
    name: 'HTTP 4xx fails a client span but not a server span',
    spans: [
      span({ spanId: 'g1', service: 'gateway', kind: 'server', httpStatusCode: 404 }),
      span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 404 }),
      span({ spanId: 'c1', parentSpanId: 'g2', service: 'catalog', kind: 'server', httpStatusCode: 404 }),
    ],
    outcome: 'handled',
    path: [],
    roles: { g2: 'handled' },
  },
  {
    name: 'status OK overrides an HTTP 500',
    spans: [span({ spanId: 'g1', service: 'gateway', kind: 'server', httpStatusCode: 500, status: 'ok' })],
    outcome: 'healthy',
    path: [],
    roles: {},
  },
];

function analyze(testCase: Pick<TraceCase, 'spans' | 'knownServices' | 'rules'>): Verdict {
  const known = new Map(Object.entries(testCase.knownServices ?? {}));
  return analyzeTrace(testCase.spans, options({ knownServices: knownServicesFromMap(known), rules: testCase.rules ?? [] }));
}

function rolesOf(verdict: Verdict): Record<string, SpanRole> {
  return Object.fromEntries(verdict.failedSpans.map((failed) => [failed.spanId, failed.role]));
}

describe('analyzeTrace', () => {
  describe('named traces', () => {
    it.each(cases)('analyzes $name', (testCase) => {
      const verdict = analyze(testCase);

      expect(verdict.outcome).toBe(testCase.outcome);
      expect(verdict.propagationPath.map((hop) => hop.service)).toEqual(testCase.path);
      expect(rolesOf(verdict)).toEqual(testCase.roles);
      expect(verdict.failedSpans).toHaveLength(Object.keys(testCase.roles).length);
      if (testCase.rootCause === undefined) {
        expect(verdict.rootCauses).toEqual([]);
        return;
      }
      const top = verdict.rootCauses[0];
      expect(top?.service).toBe(testCase.rootCause.service);
      expect(top?.system).toBe(testCase.rootCause.system);
      expect(top?.reason).toBe(testCase.rootCause.reason);
      expect(top?.errorKind).toBe(testCase.rootCause.errorKind);
    });
  });

  describe('propagation path', () => {
    it('names each system of the three-system chain', () => {
      const verdict = analyzeTrace(threeSystemChain(0), options());

      expect(verdict.propagationPath).toEqual([
        { service: 'automatrix-api', system: 'AutoMatrix' },
        { service: 'relaycore-router', system: 'RelayCore' },
        { service: 'neuroweaver-inference', system: 'NeuroWeaver' },
      ]);
    });
  });

  describe('clock skew', () => {
    it('gives the same verdict when one clock is 2 s off', () => {
      const inSync = analyzeTrace(threeSystemChain(0), options());
      const skewed = analyzeTrace(threeSystemChain(2000), options());

      expect(skewed).toEqual(inSync);
    });
  });

  describe('root cause candidate', () => {
    it('carries the evidence span, operation and fingerprint', () => {
      const verdict = analyzeTrace(threeSystemChain(0), options());

      expect(verdict.rootCauses).toHaveLength(1);
      expect(verdict.rootCauses[0]).toMatchObject({ spanId: 'nw1', operation: 'neuroweaver-inference server' });
      expect(verdict.rootCauses[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    });

    it('names the peer operation of a blamed callee', () => {
      const spans = [span({ spanId: 'r1', service: 'relaycore-router', kind: 'client', grpcStatus: 14, rpcService: 'neuroweaver.v1.Inference', rpcMethod: 'Predict', peerService: 'neuroweaver-inference' })];

      const verdict = analyzeTrace(spans, options());

      expect(verdict.rootCauses[0]?.operation).toBe('neuroweaver.v1.Inference/Predict');
      expect(verdict.rootCauses[0]?.spanId).toBe('r1');
    });

    it('fingerprints the same fault in two traces alike', () => {
      const first = analyzeTrace(threeSystemChain(0), options());
      const second = analyzeTrace(
        threeSystemChain(0).map((record) => ({ ...record, traceId: PRODUCER_TRACE_ID })),
        options(),
      );

      expect(second.rootCauses[0]?.fingerprint).toBe(first.rootCauses[0]?.fingerprint);
    });
  });

  describe('ranking', () => {
    it('ranks server-side evidence above a client-only failure', () => {
      const spans = [
        span({ spanId: 'g1', service: 'gateway', kind: 'server', status: 'error' }),
        span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 503, serverAddress: 'api.provider.example' }),
        span({ spanId: 'g3', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 500 }),
        span({ spanId: 'c1', parentSpanId: 'g3', service: 'catalog', kind: 'server', httpStatusCode: 500 }),
      ];

      const verdict = analyzeTrace(spans, options());

      expect(verdict.rootCauses.map((candidate) => candidate.service)).toEqual(['catalog', 'api.provider.example']);
      expect(verdict.rootCauses[0]?.confidence).toBeGreaterThan(verdict.rootCauses[1]?.confidence ?? 1);
    });

    it('ranks a callee named by peer.service above one found by address', () => {
      const known = knownServicesFromMap(new Map([['nw.internal', { service: 'neuroweaver-inference', system: 'NeuroWeaver' }]]));
      const spans = [
        span({ spanId: 'g1', service: 'gateway', kind: 'server', status: 'error' }),
        span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', status: 'error', serverAddress: 'nw.internal' }),
        span({ spanId: 'g3', parentSpanId: 'g1', service: 'gateway', kind: 'client', status: 'error', peerService: 'relaycore-router' }),
      ];

      const verdict = analyzeTrace(spans, options({ knownServices: known }));

      expect(verdict.rootCauses.map((candidate) => candidate.service)).toEqual(['relaycore-router', 'neuroweaver-inference']);
    });

    it('ranks the deeper of two equal failures first', () => {
      const spans = [
        span({ spanId: 'g1', service: 'gateway', kind: 'server', status: 'error' }),
        span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', status: 'error' }),
        span({ spanId: 'b1', parentSpanId: 'g2', service: 'billing', kind: 'server', status: 'error' }),
        span({ spanId: 'g3', parentSpanId: 'g1', service: 'gateway', kind: 'client', status: 'error' }),
        span({ spanId: 'c1', parentSpanId: 'g3', service: 'catalog', kind: 'server', status: 'error' }),
        span({ spanId: 'c2', parentSpanId: 'c1', service: 'catalog', kind: 'client', status: 'error' }),
        span({ spanId: 'd1', parentSpanId: 'c2', service: 'delivery', kind: 'server', status: 'error' }),
      ];

      const verdict = analyzeTrace(spans, options());

      expect(verdict.rootCauses.map((candidate) => candidate.service)).toEqual(['delivery', 'billing']);
      expect(verdict.propagationPath.map((hop) => hop.service)).toEqual(['gateway', 'catalog', 'delivery']);
    });

    it('keeps candidates sorted by confidence', () => {
      const spans = [
        span({ spanId: 'g1', service: 'gateway', kind: 'server', status: 'error' }),
        span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', status: 'error' }),
        span({ spanId: 'g3', parentSpanId: 'g1', service: 'gateway', kind: 'client', status: 'error', dbSystem: 'redis' }),
        span({ spanId: 'g4', parentSpanId: 'g1', service: 'gateway', kind: 'client', status: 'error', rpcService: 'x.v1.Y' }),
        span({ spanId: 'g5', parentSpanId: 'g1', service: 'gateway', kind: 'client', status: 'error' }),
        span({ spanId: 'b1', parentSpanId: 'g5', service: 'billing', kind: 'server', status: 'error' }),
      ];

      const confidences = analyzeTrace(spans, options()).rootCauses.map((candidate) => candidate.confidence);

      expect(confidences).toHaveLength(4);
      expect(confidences).toEqual([...confidences].sort((left, right) => right - left));
    });
  });

  describe('roles', () => {
    it('gives every failed span exactly one role', () => {
      const spans = [
        ...threeSystemChain(0),
        span({ spanId: 'am3', parentSpanId: 'am1', service: 'automatrix-api', kind: 'client', httpStatusCode: 503 }),
        span({ spanId: 'am4', parentSpanId: 'am1', service: 'automatrix-api', kind: 'internal', name: 'fallback' }),
        span({ spanId: 'am5', parentSpanId: 'am4', service: 'automatrix-api', kind: 'client', status: 'error' }),
        span({ spanId: 'am6', parentSpanId: 'am5', service: 'relaycore-router', kind: 'server', status: 'error' }),
      ];

      const verdict = analyzeTrace(spans, options());

      const failedIds = spans.filter((record) => record.signals.status === 'error' || hasErrorSignal(record.signals)).map((record) => record.spanId);
      expect(verdict.failedSpans.map((failed) => failed.spanId).sort()).toEqual([...failedIds].sort());
      expect(rolesOf(verdict)).toMatchObject({ am3: 'root_cause', am5: 'propagated', am6: 'root_cause', nw1: 'root_cause' });
    });

    it('records the error kind of each failed span', () => {
      const verdict = analyzeTrace(threeSystemChain(0), options({ rules: MODEL_RULES }));

      const kinds = Object.fromEntries(verdict.failedSpans.map((failed) => [failed.spanId, failed.errorKind]));
      expect(kinds).toEqual({ am1: 'internal', am2: 'internal', rc1: 'internal', rc2: 'internal', nw1: 'model_failure' });
    });

    it('finishes on a parent cycle and still gives each failed span a role', () => {
      const spans = [
        span({ spanId: 'x1', parentSpanId: 'x2', service: 'gateway', kind: 'server', status: 'error' }),
        span({ spanId: 'x2', parentSpanId: 'x1', service: 'billing', kind: 'server', status: 'error' }),
        span({ spanId: 'x3', parentSpanId: 'x3', service: 'catalog', kind: 'server', status: 'error' }),
      ];

      const verdict = analyzeTrace(spans, options());

      expect(rolesOf(verdict)).toEqual({ x1: 'propagated', x2: 'root_cause', x3: 'root_cause' });
      expect(verdict.outcome).toBe('failed');
      expect(verdict.missingRoot).toBe(true);
    });
  });

  describe('services and edges', () => {
    it('counts services and calls of a healthy trace', () => {
      const spans = [
        span({ spanId: 'g1', service: 'gateway', kind: 'server', httpStatusCode: 200 }),
        span({ spanId: 'g2', parentSpanId: 'g1', service: 'gateway', kind: 'client', httpStatusCode: 200, peerService: 'billing' }),
        span({ spanId: 'b1', parentSpanId: 'g2', service: 'billing', system: 'Shop', kind: 'server', httpStatusCode: 200 }),
        span({ spanId: 'b2', parentSpanId: 'b1', service: 'billing', system: 'Shop', kind: 'client', dbSystem: 'postgresql' }),
        span({ spanId: 'b3', parentSpanId: 'b1', service: 'billing', system: 'Shop', kind: 'client', dbSystem: 'postgresql' }),
        span({ spanId: 'g3', parentSpanId: 'g1', service: 'gateway', kind: 'client' }),
      ];

      const verdict = analyzeTrace(spans, options());

      expect(verdict.outcome).toBe('healthy');
      expect(verdict.failedSpans).toEqual([]);
      expect(verdict.services).toEqual([
        { service: 'gateway', system: '', failed: false },
        { service: 'billing', system: 'Shop', failed: false },
        { service: 'postgresql', system: '', failed: false },
      ]);
      expect(verdict.edges).toEqual([
        { caller: { service: 'gateway', system: '' }, callee: { service: 'billing', system: 'Shop' }, calls: 1, errors: 0 },
        { caller: { service: 'billing', system: 'Shop' }, callee: { service: 'postgresql', system: '' }, calls: 2, errors: 0 },
      ]);
    });

    it('marks failed services and failing calls', () => {
      const verdict = analyzeTrace(threeSystemChain(0), options());

      expect(verdict.services.every((service) => service.failed)).toBe(true);
      expect(verdict.edges).toEqual([
        { caller: { service: 'automatrix-api', system: 'AutoMatrix' }, callee: { service: 'relaycore-router', system: 'RelayCore' }, calls: 1, errors: 1 },
        { caller: { service: 'relaycore-router', system: 'RelayCore' }, callee: { service: 'neuroweaver-inference', system: 'NeuroWeaver' }, calls: 1, errors: 1 },
      ]);
    });

    it('marks a blamed dead callee as failed', () => {
      const spans = [span({ spanId: 'r1', service: 'relaycore-router', kind: 'client', grpcStatus: 14, peerService: 'neuroweaver-inference' })];

      const verdict = analyzeTrace(spans, options());

      expect(verdict.services).toContainEqual({ service: 'neuroweaver-inference', system: '', failed: true });
      expect(verdict.edges[0]?.errors).toBe(1);
    });

    it('keeps services of handled failures healthy but counts the failed call', () => {
      const retry = cases.find((testCase) => testCase.name === 'retry that succeeded');

      const verdict = analyze({ spans: retry?.spans ?? [] });

      expect(verdict.services.map((service) => service.failed)).toEqual([false, false]);
      expect(verdict.edges).toEqual([
        { caller: { service: 'gateway', system: '' }, callee: { service: 'billing', system: '' }, calls: 2, errors: 1 },
      ]);
    });
  });

  describe('trace facts', () => {
    it('lists distinct linked trace ids', () => {
      const spans = [
        span({ spanId: 'c1', service: 'worker', kind: 'consumer', status: 'error', linkedTraceIds: [PRODUCER_TRACE_ID, PRODUCER_TRACE_ID] }),
        span({ spanId: 'c2', parentSpanId: 'c1', service: 'worker', linkedTraceIds: [PRODUCER_TRACE_ID] }),
      ];

      const verdict = analyzeTrace(spans, options());

      expect(verdict.linkedTraceIds).toEqual([PRODUCER_TRACE_ID]);
      expect(verdict.rootCauses[0]?.service).toBe('worker');
    });

    it('reports a missing root for an orphaned subtree', () => {
      const spans = [span({ spanId: 'r1', parentSpanId: 'feedfeedfeedfeed', service: 'relaycore-router', kind: 'server' })];

      expect(analyzeTrace(spans, options()).missingRoot).toBe(true);
    });

    it('reports no missing root when a root span is present', () => {
      expect(analyzeTrace(threeSystemChain(0), options()).missingRoot).toBe(false);
    });

    it('fills trace id, span count, time and revision', () => {
      const verdict = analyzeTrace(threeSystemChain(0), options());

      expect(verdict).toMatchObject({ traceId: threeSystemChain(0)[0]?.traceId, spanCount: 5, analyzedAtMs: NOW_MS, revision: 0 });
    });

    it('returns a healthy verdict for an empty trace', () => {
      const verdict = analyzeTrace([], options());

      expect(verdict).toMatchObject({ traceId: '', outcome: 'healthy', spanCount: 0, services: [], edges: [] });
    });
  });
});

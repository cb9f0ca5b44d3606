import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../src/model/span.js';
import { startReceiver, type ReceiverHarness } from '../support/otlp-receiver-harness.js';
import { postJson } from '../support/otlp-test-requests.js';

/** OTLP/JSON requests written by other projects, kept beside the repository checkout. */
const CORPUS_DIR = fileURLToPath(new URL('../../../shared/corpus/otlp-json/', import.meta.url));

interface CorpusCase {
  file: string;
  spans: number;
  check: (span: SpanRecord) => void;
}

const cases: CorpusCase[] = [
  {
    file: 'otlp-proto-example.json',
    spans: 1,
    check: (span) => {
      expect(span.traceId).toBe('5b8efff798038103d269b633813fc60c');
      expect(span.spanId).toBe('eee19b7ec3c1b174');
      expect(span.parentSpanId).toBe('eee19b7ec3c1b173');
      expect(span.startTimeUnixNano).toBe(1_544_712_660_000_000_000n);
      expect(span.endTimeUnixNano).toBe(1_544_712_661_000_000_000n);
      expect(span.kind).toBe('server');
      expect(span.scopeName).toBe('my.library');
      expect(span.resource.service).toBe('my.service');
      expect(span.attributes).toEqual({ 'my.span.attr': 'some value' });
    },
  },
  {
    file: 'jaeger-otlp-fields.json',
    spans: 1,
    check: (span) => {
      expect(span.traceId).toBe('00000000000000000000000000000989');
      expect(span.scopeName).toBe('otlp-fields-scope');
      expect(span.events).toEqual([{ name: 'otlp-fields-event', timeUnixNano: 1_485_449_191_639_876_000n, attributes: {} }]);
      expect(span.links).toEqual([{ traceId: '00000000000000000000000000000988', spanId: '0000000000000988', attributes: {} }]);
      expect(span.durationMs).toBeCloseTo(0.002, 9);
    },
  },
  {
    file: 'jaeger-checkout.json',
    spans: 1,
    check: (span) => {
      expect(span.name).toBe('GET /checkout');
      expect(span.scopeName).toBe('');
      expect(span.signals.status).toBe('unset');
      expect(span.signals.httpStatusCode).toBe(200);
      expect(span.links).toEqual([
        { traceId: '00000000000000000000000000000f02', spanId: '0000000000000f02', attributes: { 'opentracing.ref_type': 'follows_from' } },
      ]);
      expect(span.resource.attributes).toEqual({ 'service.name': 'filter-checkout', 'deployment.environment': 'staging', zone: 'us-east' });
    },
  },
];

describe('OTLP/JSON corpus', () => {
  let harness: ReceiverHarness;

  beforeAll(async () => {
    harness = await startReceiver();
  });

  afterAll(async () => {
    await harness.receiver.shutdown();
  });

  beforeEach(() => {
    harness.sink.spans.length = 0;
  });

  it('has a case for every corpus file', () => {
    const files = readdirSync(CORPUS_DIR).filter((file) => file.endsWith('.json'));

    expect(files.sort()).toEqual(cases.map((testCase) => testCase.file).sort());
  });

  it.each(cases)('accepts $file in full', async ({ file, spans, check }) => {
    const body = readFileSync(join(CORPUS_DIR, file), 'utf8');

    const result = await postJson(harness.httpUrl, body);

    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('application/json');
    expect(JSON.parse(result.body.toString('utf8'))).toEqual({});
    expect(harness.sink.spans).toHaveLength(spans);
    const [span] = harness.sink.spans;
    if (span === undefined) throw new Error(`${file} gave no span`);
    check(span);
  });
});

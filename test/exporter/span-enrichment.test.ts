import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/correlation/verdict.js';
import { addedAttributesOf, enrichmentOf } from '../../src/exporter/span-enrichment.js';
import { span } from '../support/span-builder.js';

function verdict(fields: Partial<Verdict>): Verdict {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    outcome: 'healthy',
    rootCauses: [],
    propagationPath: [],
    failedSpans: [],
    services: [],
    edges: [],
    linkedTraceIds: [],
    spanCount: 3,
    missingRoot: false,
    analyzedAtMs: 0,
    revision: 0,
    ...fields,
  };
}

const failed = verdict({
  outcome: 'failed',
  rootCauses: [
    {
      service: 'model-server',
      system: 'NeuroWeaver',
      operation: 'infer',
      spanId: 'cccccccccccccccc',
      errorKind: 'model_failure',
      fingerprint: 'f00d',
      confidence: 0.9,
      reason: 'deepest_error',
      startedAtMs: 0,
    },
  ],
  failedSpans: [
    { spanId: 'cccccccccccccccc', service: 'model-server', system: 'NeuroWeaver', operation: 'infer', role: 'root_cause', errorKind: 'model_failure' },
    { spanId: 'bbbbbbbbbbbbbbbb', service: 'relay-router', system: 'RelayCore', operation: 'route', role: 'propagated', errorKind: 'internal' },
  ],
});

const rootCause = span({ spanId: 'cccccccccccccccc', service: 'model-server' });
const propagated = span({ spanId: 'bbbbbbbbbbbbbbbb', service: 'relay-router' });
const healthySpan = span({ spanId: 'aaaaaaaaaaaaaaaa', service: 'workflow-api' });

describe('enrichmentOf', () => {
  it('adds nothing to a healthy trace', () => {
    expect(enrichmentOf(verdict({}), undefined)).toBeUndefined();
  });

  it('adds nothing without a verdict', () => {
    expect(enrichmentOf(undefined, 'inc-1')).toBeUndefined();
  });

  it('adds the root cause and role to failed spans', () => {
    const enrichment = enrichmentOf(failed, 'inc-1');

    expect(addedAttributesOf(enrichment, rootCause)).toEqual({
      'faultline.incident.id': 'inc-1',
      'faultline.role': 'root_cause',
      'faultline.root_cause.service': 'model-server',
      'faultline.error.kind': 'model_failure',
      'faultline.error.fingerprint': 'f00d',
    });
    expect(addedAttributesOf(enrichment, propagated)).toMatchObject({ 'faultline.role': 'propagated', 'faultline.error.kind': 'model_failure' });
  });

  it('adds the root cause without a role to spans that did not fail', () => {
    const added = addedAttributesOf(enrichmentOf(failed, 'inc-1'), healthySpan);

    expect(added).toMatchObject({ 'faultline.root_cause.service': 'model-server', 'faultline.incident.id': 'inc-1' });
    expect(added).not.toHaveProperty('faultline.role');
  });

  it('leaves out the incident id when the trace counted toward none', () => {
    expect(addedAttributesOf(enrichmentOf(failed, undefined), rootCause)).not.toHaveProperty('faultline.incident.id');
  });

  it('adds only the role to handled spans', () => {
    const handled = verdict({
      outcome: 'handled',
      failedSpans: [{ spanId: 'bbbbbbbbbbbbbbbb', service: 'relay-router', system: 'RelayCore', operation: 'route', role: 'handled', errorKind: 'timeout' }],
    });
    const enrichment = enrichmentOf(handled, undefined);

    expect(addedAttributesOf(enrichment, propagated)).toEqual({ 'faultline.role': 'handled' });
    expect(addedAttributesOf(enrichment, healthySpan)).toBeUndefined();
  });
});

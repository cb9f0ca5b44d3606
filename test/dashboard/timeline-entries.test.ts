import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../dashboard/src/api/wire-types.js';
import { buildTimeline } from '../../dashboard/src/components/timeline-entries.js';

function record(id: number, fields: Partial<AuditRecord>): AuditRecord {
  return {
    id,
    event: 'decision',
    incidentId: 'inc-1',
    outcome: '',
    policy: 'p',
    stepIndex: null,
    target: null,
    endpoint: null,
    action: null,
    parametersJson: null,
    idempotencyKey: null,
    attempt: null,
    grpcCode: null,
    latencyMs: null,
    message: null,
    atMs: id * 1_000,
    ...fields,
  };
}

const call = { stepIndex: 0, action: 'switch_model', target: 'neuroweaver', idempotencyKey: 'k1' };

describe('buildTimeline', () => {
  it('joins the start and finish of each attempt', () => {
    const entries = buildTimeline([
      record(1, { outcome: 'recovery_started' }),
      record(2, { ...call, event: 'call_started', outcome: 'started', attempt: 1, endpoint: '127.0.0.1:1' }),
      record(3, { ...call, event: 'call_finished', outcome: 'unavailable', attempt: 1, latencyMs: 12 }),
      record(4, { ...call, event: 'call_started', outcome: 'started', attempt: 2 }),
      record(5, { ...call, event: 'call_finished', outcome: 'applied', attempt: 2, latencyMs: 8, message: 'ok' }),
    ]);

    expect(entries.map((entry) => [entry.kind, entry.outcome])).toEqual([
      ['decision', 'recovery_started'],
      ['attempt', 'unavailable'],
      ['attempt', 'applied'],
    ]);
    expect(entries[1]).toMatchObject({ attempt: 1, latencyMs: 12, endpoint: '127.0.0.1:1', atMs: 2_000 });
    expect(entries[2]).toMatchObject({ attempt: 2, latencyMs: 8, message: 'ok' });
  });

  it('keeps an attempt that has not finished as started', () => {
    const entries = buildTimeline([record(1, { ...call, event: 'call_started', outcome: 'started', attempt: 1 })]);

    expect(entries).toMatchObject([{ kind: 'attempt', outcome: 'started', latencyMs: null }]);
  });

  it('orders by id and drops repeated records', () => {
    const late = record(2, { outcome: 'escalated' });
    const entries = buildTimeline([late, record(1, { outcome: 'recovery_started' }), late]);

    expect(entries.map((entry) => entry.outcome)).toEqual(['recovery_started', 'escalated']);
  });

  it('shows a finish without its start as its own attempt', () => {
    const entries = buildTimeline([record(9, { ...call, event: 'call_finished', outcome: 'applied', attempt: 1 })]);

    expect(entries).toMatchObject([{ kind: 'attempt', outcome: 'applied' }]);
  });
});

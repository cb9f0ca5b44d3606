import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditStore, AuditStoreCorruptError } from '../../src/store/audit-store.js';
import type { StoredRecovery } from '../../src/store/audit-store.js';
import { makeIncident } from '../recovery/fake-incident-control.js';

function recovery(incidentId: string, progress: StoredRecovery['progress'], startedAtMs = 1000): StoredRecovery {
  return { incidentId, policy: 'restart', run: 1, progress, incident: makeIncident(incidentId), startedAtMs, updatedAtMs: startedAtMs };
}

describe('AuditStore', () => {
  let directory: string;
  let path: string;
  let store: AuditStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'faultline-store-'));
    path = join(directory, 'audit.db');
    store = new AuditStore(path);
  });

  afterEach(() => {
    store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('opens the file in WAL mode with synchronous FULL', () => {
    expect(store.durability()).toEqual({ journalMode: 'wal', synchronous: 2 });
    const reader = new Database(path, { readonly: true });
    expect(reader.pragma('journal_mode', { simple: true })).toBe('wal');
    reader.close();
  });

  describe('append', () => {
    it('stores every field of a call record', () => {
      store.append({
        event: 'call_finished',
        incidentId: 'inc-1',
        outcome: 'applied',
        policy: 'restart',
        stepIndex: 0,
        target: 'worker',
        endpoint: '127.0.0.1:7000',
        action: 'restart_worker',
        parameters: { grace_period: '5s' },
        idempotencyKey: 'inc-1:restart:0',
        attempt: 2,
        grpcCode: 0,
        latencyMs: 12.5,
        message: 'applied',
        atMs: 1234,
      });

      expect(store.records('inc-1')).toEqual([
        {
          id: 1,
          event: 'call_finished',
          incidentId: 'inc-1',
          outcome: 'applied',
          policy: 'restart',
          stepIndex: 0,
          target: 'worker',
          endpoint: '127.0.0.1:7000',
          action: 'restart_worker',
          parametersJson: '{"grace_period":"5s"}',
          idempotencyKey: 'inc-1:restart:0',
          attempt: 2,
          grpcCode: 0,
          latencyMs: 12.5,
          message: 'applied',
          atMs: 1234,
        },
      ]);
    });

    it('keeps records across a reopen, in order', () => {
      store.append({ event: 'decision', incidentId: 'inc-1', outcome: 'no_policy' });
      store.append({ event: 'decision', incidentId: 'inc-2', outcome: 'cooldown' });
      store.append({ event: 'decision', incidentId: 'inc-1', outcome: 'escalated' });
      store.close();

      store = new AuditStore(path);

      expect(store.records().map((record) => record.outcome)).toEqual(['no_policy', 'cooldown', 'escalated']);
      expect(store.records('inc-1').map((record) => record.outcome)).toEqual(['no_policy', 'escalated']);
    });
  });

  describe('recoveries', () => {
    it('round-trips each progress state', () => {
      const states: StoredRecovery['progress'][] = [
        { status: 'executing', stepIndex: 2 },
        { status: 'verifying', stepIndex: 1 },
        { status: 'recovered' },
        { status: 'escalated' },
        { status: 'ended' },
      ];
      for (const progress of states) {
        store.saveRecovery(recovery('inc-1', progress));
        expect(store.getRecovery('inc-1')?.progress).toEqual(progress);
      }
      expect(store.getRecovery('inc-1')?.incident.id).toBe('inc-1');
    });

    it('lists only unfinished recoveries, oldest first', () => {
      store.saveRecovery(recovery('inc-3', { status: 'verifying', stepIndex: 0 }, 3000));
      store.saveRecovery(recovery('inc-1', { status: 'executing', stepIndex: 1 }, 1000));
      store.saveRecovery(recovery('inc-2', { status: 'recovered' }, 2000));

      expect(store.unfinishedRecoveries().map((stored) => stored.incidentId)).toEqual(['inc-1', 'inc-3']);
    });

    it('records a finished step with the next progress', () => {
      store.finishStep(recovery('inc-1', { status: 'executing', stepIndex: 1 }), 0, 'failed');
      store.finishStep(recovery('inc-1', { status: 'verifying', stepIndex: 1 }), 1, 'applied');

      expect(store.finishedSteps('inc-1', 1)).toEqual(new Map([[0, 'failed'], [1, 'applied']]));
      expect(store.finishedSteps('inc-1', 2)).toEqual(new Map());
      expect(store.getRecovery('inc-1')?.progress).toEqual({ status: 'verifying', stepIndex: 1 });
    });

    it('rejects a stored status it does not know', () => {
      store.saveRecovery(recovery('inc-1', { status: 'recovered' }));
      const db = new Database(path);
      db.prepare(`UPDATE recoveries SET status = 'paused'`).run();
      db.close();

      expect(() => store.getRecovery('inc-1')).toThrow(AuditStoreCorruptError);
    });
  });

  it('closes idempotently', () => {
    store.close();
    expect(() => store.close()).not.toThrow();
  });
});

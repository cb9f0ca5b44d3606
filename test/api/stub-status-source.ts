import type { StatusEventListener } from '../../src/api/status-events.js';
import type { IncidentFilter, IncidentPage, StatusSource } from '../../src/api/status-source.js';
import type { Incident } from '../../src/correlation/incident.js';
import type { ServiceGraphSnapshot } from '../../src/correlation/service-graph.js';
import type { RootCauseCandidate, Verdict } from '../../src/correlation/verdict.js';
import type { IncidentRecoveryState, RecoveryResult } from '../../src/recovery/recovery-engine.js';
import type { AuditRecord } from '../../src/store/audit-store.js';

export const KNOWN_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

/**
 * A hand-written StatusSource that returns fixed values, for tests of the HTTP layer alone:
 * routing, errors, metrics and shutdown. Tests of real behaviour use FaultlineService.
 */
export class StubStatusSource implements StatusSource {
  ready = true;
  readonly listeners = new Set<StatusEventListener>();

  status(): Record<string, unknown> {
    return { receiver: { acceptedSpans: 10n } };
  }

  incidents(_filter: IncidentFilter): Incident[] {
    return [];
  }

  incidentPage(_filter: IncidentFilter, _limit: number): IncidentPage {
    return { incidents: [], next: undefined };
  }

  incident(_id: string): Incident | undefined {
    return undefined;
  }

  rootCauseCandidates(_id: string): RootCauseCandidate[] {
    return [];
  }

  recoveryState(_id: string): IncidentRecoveryState | null {
    return null;
  }

  recoveryHistory(_id: string): AuditRecord[] {
    return [];
  }

  verdict(traceId: string): Verdict | undefined {
    if (traceId !== KNOWN_TRACE_ID) return undefined;
    return { traceId, outcome: 'healthy' } as Verdict;
  }

  serviceGraph(): ServiceGraphSnapshot {
    return { nodes: [], edges: [], droppedEntries: 0 };
  }

  recover(id: string): Promise<RecoveryResult> {
    return Promise.resolve({ outcome: 'not_started', incidentId: id, reason: 'incident_not_found' });
  }

  resolve(id: string): Incident {
    throw new Error(`stub cannot resolve ${id}`);
  }

  acknowledge(id: string): Incident {
    throw new Error(`stub cannot acknowledge ${id}`);
  }

  subscribe(listener: StatusEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  isReady(): boolean {
    return this.ready;
  }
}

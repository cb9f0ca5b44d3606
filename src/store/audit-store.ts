import Database from 'better-sqlite3';
import type { Incident } from '../correlation/incident.js';

/**
 * The recovery engine's durable record, in one SQLite file:
 * - `audit_records`: an append-only log of every decision and every control call, written
 *   before the call (`call_started`) and after it (`call_finished`);
 * - `recoveries`: the progress of each incident's recovery, so a restarted process resumes
 *   at the first unfinished step instead of running finished steps again;
 * - `recovery_steps`: the result of each finished step.
 *
 * The database runs in WAL mode with `synchronous = FULL`, so every commit is fsynced before
 * the write returns. An audit row written before a state-changing call then survives a power
 * loss, not only a process crash, while NORMAL in WAL mode can lose the last commits on power
 * loss. The engine writes a few rows per action and actions are capped per minute, so the
 * fsync cost is small.
 */

/** The kind of an audit row: a decision of the engine, or one side of a control call. */
export type AuditEvent = 'decision' | 'call_started' | 'call_finished';

export interface AuditRecordInput {
  event: AuditEvent;
  incidentId: string;
  /** For decisions, the decision (`no_policy`, `cooldown`, ...); for calls, `started` or the call's result. */
  outcome: string;
  policy?: string;
  stepIndex?: number;
  target?: string;
  endpoint?: string;
  action?: string;
  parameters?: Record<string, string>;
  idempotencyKey?: string;
  /** 1 for the first call of a step, counting retries. */
  attempt?: number;
  /** The gRPC status code of a finished call; 0 (OK) when the server sent a response. */
  grpcCode?: number;
  latencyMs?: number;
  message?: string;
  /** When the record was made, in Unix milliseconds; defaults to now. */
  atMs?: number;
}

export interface AuditRecord {
  id: number;
  event: AuditEvent;
  incidentId: string;
  outcome: string;
  policy: string | null;
  stepIndex: number | null;
  target: string | null;
  endpoint: string | null;
  action: string | null;
  parametersJson: string | null;
  idempotencyKey: string | null;
  attempt: number | null;
  grpcCode: number | null;
  latencyMs: number | null;
  message: string | null;
  atMs: number;
}

/**
 * The progress of an incident's recovery:
 * - `executing`: step `stepIndex` has not finished; a resumed recovery runs it again with the
 *   same idempotency key;
 * - `verifying`: step `stepIndex` was applied and its verification window had not ended;
 *   a resumed recovery watches the incident for a new window;
 * - `recovered`, `escalated`: the recovery finished with that result;
 * - `ended`: the recovery stopped for another reason (resolved meanwhile, incident gone, dry run).
 */
export type RecoveryProgress =
  | { status: 'executing'; stepIndex: number }
  | { status: 'verifying'; stepIndex: number }
  | { status: 'recovered' }
  | { status: 'escalated' }
  | { status: 'ended' };

export interface StoredRecovery {
  incidentId: string;
  policy: string;
  /** 1 for the first recovery of the incident, 2 for a manual rerun, and so on. */
  run: number;
  progress: RecoveryProgress;
  /** The incident as it was when the recovery started, so a restarted process can still send its context. */
  incident: Incident;
  startedAtMs: number;
  updatedAtMs: number;
}

/** The result of one finished step: `applied` includes already-applied and in-progress responses. */
export type StepResult = 'applied' | 'failed' | 'skipped' | 'dry_run';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_records (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  event TEXT NOT NULL,
  incident_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  policy TEXT,
  step_index INTEGER,
  target TEXT,
  endpoint TEXT,
  action TEXT,
  parameters_json TEXT,
  idempotency_key TEXT,
  attempt INTEGER,
  grpc_code INTEGER,
  latency_ms REAL,
  message TEXT
);
CREATE INDEX IF NOT EXISTS audit_records_incident ON audit_records (incident_id, id);
CREATE TABLE IF NOT EXISTS recoveries (
  incident_id TEXT PRIMARY KEY,
  policy TEXT NOT NULL,
  run INTEGER NOT NULL,
  status TEXT NOT NULL,
  step_index INTEGER,
  incident_json TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS recovery_steps (
  incident_id TEXT NOT NULL,
  run INTEGER NOT NULL,
  step_index INTEGER NOT NULL,
  result TEXT NOT NULL,
  finished_at_ms INTEGER NOT NULL,
  PRIMARY KEY (incident_id, run, step_index)
);
`;

interface AuditRow {
  id: number;
  at_ms: number;
  event: AuditEvent;
  incident_id: string;
  outcome: string;
  policy: string | null;
  step_index: number | null;
  target: string | null;
  endpoint: string | null;
  action: string | null;
  parameters_json: string | null;
  idempotency_key: string | null;
  attempt: number | null;
  grpc_code: number | null;
  latency_ms: number | null;
  message: string | null;
}

interface RecoveryRow {
  incident_id: string;
  policy: string;
  run: number;
  status: RecoveryProgress['status'];
  step_index: number | null;
  incident_json: string;
  started_at_ms: number;
  updated_at_ms: number;
}

/** Receives each audit record right after it is written, for live views such as the status API's event stream. */
export interface AuditListener {
  /** Runs synchronously inside `append`; an exception it throws reaches the caller of `append`. */
  auditRecorded(record: AuditRecord): void;
}

/** The stored file contains a value this code cannot read. */
export class AuditStoreCorruptError extends Error {
  override readonly name = 'AuditStoreCorruptError';
}

export class AuditStore {
  private readonly db: Database.Database;
  private readonly insertRecord: Database.Statement;
  private readonly upsertRecovery: Database.Statement;
  private readonly insertStep: Database.Statement;
  private readonly listeners: AuditListener[] = [];
  private closed = false;

  /** Opens or creates the SQLite file at `path` (`:memory:` for a throwaway store). */
  constructor(readonly path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    // Prepared once, so each write skips parsing its SQL.
    this.insertRecord = this.db.prepare(
      `INSERT INTO audit_records (at_ms, event, incident_id, outcome, policy, step_index, target, endpoint, action,
           parameters_json, idempotency_key, attempt, grpc_code, latency_ms, message)
         VALUES (@at_ms, @event, @incident_id, @outcome, @policy, @step_index, @target, @endpoint, @action,
           @parameters_json, @idempotency_key, @attempt, @grpc_code, @latency_ms, @message)`,
    );
    this.upsertRecovery = this.db.prepare(
      `INSERT INTO recoveries (incident_id, policy, run, status, step_index, incident_json, started_at_ms, updated_at_ms)
         VALUES (@incident_id, @policy, @run, @status, @step_index, @incident_json, @started_at_ms, @updated_at_ms)
         ON CONFLICT (incident_id) DO UPDATE SET policy = excluded.policy, run = excluded.run, status = excluded.status,
           step_index = excluded.step_index, incident_json = excluded.incident_json,
           started_at_ms = excluded.started_at_ms, updated_at_ms = excluded.updated_at_ms`,
    );
    this.insertStep = this.db.prepare(`INSERT OR REPLACE INTO recovery_steps (incident_id, run, step_index, result, finished_at_ms) VALUES (?, ?, ?, ?, ?)`);
  }

  /** Adds a listener that receives every record appended from now on. */
  addListener(listener: AuditListener): void {
    this.listeners.push(listener);
  }

  /** Appends one audit record; it is on disk when this returns, and then listeners receive it. */
  append(record: AuditRecordInput): void {
    const row: Omit<AuditRow, 'id'> = {
      at_ms: record.atMs ?? Date.now(),
      event: record.event,
      incident_id: record.incidentId,
      outcome: record.outcome,
      policy: record.policy ?? null,
      step_index: record.stepIndex ?? null,
      target: record.target ?? null,
      endpoint: record.endpoint ?? null,
      action: record.action ?? null,
      parameters_json: record.parameters === undefined ? null : JSON.stringify(record.parameters),
      idempotency_key: record.idempotencyKey ?? null,
      attempt: record.attempt ?? null,
      grpc_code: record.grpcCode ?? null,
      latency_ms: record.latencyMs ?? null,
      message: record.message ?? null,
    };
    const result = this.insertRecord.run(row);
    if (this.listeners.length === 0) return;

    const written = toAuditRecord({ ...row, id: Number(result.lastInsertRowid) });
    for (const listener of this.listeners) listener.auditRecorded(written);
  }

  /** Returns audit records in the order written, all of them or one incident's. */
  records(incidentId?: string): AuditRecord[] {
    const rows =
      incidentId === undefined
        ? this.db.prepare<[], AuditRow>('SELECT * FROM audit_records ORDER BY id').all()
        : this.db.prepare<[string], AuditRow>('SELECT * FROM audit_records WHERE incident_id = ? ORDER BY id').all(incidentId);
    return rows.map(toAuditRecord);
  }

  /** Inserts or replaces an incident's recovery. */
  saveRecovery(recovery: StoredRecovery): void {
    this.upsertRecovery
      .run(toRecoveryRow(recovery));
  }

  /** Records a finished step and the recovery's new progress in one transaction. */
  finishStep(recovery: StoredRecovery, stepIndex: number, result: StepResult): void {
    this.db.transaction(() => {
      this.insertStep.run(recovery.incidentId, recovery.run, stepIndex, result, recovery.updatedAtMs);
      this.saveRecovery(recovery);
    })();
  }

  /** Returns the finished steps of one run of an incident's recovery, by step index. */
  finishedSteps(incidentId: string, run: number): Map<number, StepResult> {
    const rows = this.db
      .prepare<[string, number], { step_index: number; result: StepResult }>(
        'SELECT step_index, result FROM recovery_steps WHERE incident_id = ? AND run = ? ORDER BY step_index',
      )
      .all(incidentId, run);
    return new Map(rows.map((row) => [row.step_index, row.result]));
  }

  getRecovery(incidentId: string): StoredRecovery | undefined {
    const row = this.db.prepare<[string], RecoveryRow>('SELECT * FROM recoveries WHERE incident_id = ?').get(incidentId);
    return row === undefined ? undefined : toStoredRecovery(row);
  }

  /** Returns the recoveries that were executing or verifying, oldest first: after a crash, the ones to resume. */
  unfinishedRecoveries(): StoredRecovery[] {
    return this.db
      .prepare<[], RecoveryRow>(`SELECT * FROM recoveries WHERE status IN ('executing', 'verifying') ORDER BY started_at_ms`)
      .all()
      .map(toStoredRecovery);
  }

  /** Returns the journal mode and synchronous level (2 is FULL) of this connection. */
  durability(): { journalMode: string; synchronous: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
    };
  }

  /** Closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    event: row.event,
    incidentId: row.incident_id,
    outcome: row.outcome,
    policy: row.policy,
    stepIndex: row.step_index,
    target: row.target,
    endpoint: row.endpoint,
    action: row.action,
    parametersJson: row.parameters_json,
    idempotencyKey: row.idempotency_key,
    attempt: row.attempt,
    grpcCode: row.grpc_code,
    latencyMs: row.latency_ms,
    message: row.message,
    atMs: row.at_ms,
  };
}

function toRecoveryRow(recovery: StoredRecovery): RecoveryRow {
  const { progress } = recovery;
  return {
    incident_id: recovery.incidentId,
    policy: recovery.policy,
    run: recovery.run,
    status: progress.status,
    step_index: progress.status === 'executing' || progress.status === 'verifying' ? progress.stepIndex : null,
    incident_json: JSON.stringify(recovery.incident),
    started_at_ms: recovery.startedAtMs,
    updated_at_ms: recovery.updatedAtMs,
  };
}

function toStoredRecovery(row: RecoveryRow): StoredRecovery {
  return {
    incidentId: row.incident_id,
    policy: row.policy,
    run: row.run,
    progress: toProgress(row),
    incident: JSON.parse(row.incident_json) as Incident,
    startedAtMs: row.started_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

function toProgress(row: RecoveryRow): RecoveryProgress {
  switch (row.status) {
    case 'executing':
    case 'verifying':
      if (row.step_index === null) throw new AuditStoreCorruptError(`recovery of incident ${row.incident_id} is ${row.status} without a step index`);
      return { status: row.status, stepIndex: row.step_index };
    case 'recovered':
    case 'escalated':
    case 'ended':
      return { status: row.status };
    default:
      throw new AuditStoreCorruptError(`recovery of incident ${row.incident_id} has unknown status ${JSON.stringify(row.status)}`);
  }
}

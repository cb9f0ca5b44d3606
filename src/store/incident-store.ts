import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Incident, IncidentChange, IncidentListener } from '../correlation/incident.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  incident_json TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_by_state ON incidents (state);
`;

/**
 * Keeps the latest copy of every incident in SQLite, so that a restarted Faultline finds the
 * incidents a recovery was working on. It listens to the incident tracker and writes each
 * change before the listeners after it (the recovery engine) act on that change.
 */
export class IncidentStore implements IncidentListener {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement<{ id: string; state: string; incident_json: string; updated_at_ms: number }>;
  private readonly logger: Logger;
  private closed = false;

  /** Opens or creates the SQLite file at `path`; it may be the audit log's file. */
  constructor(path: string, logger: Logger) {
    this.logger = logger.child({ component: 'incident_store' });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.upsert = this.db.prepare(
      `INSERT INTO incidents (id, state, incident_json, updated_at_ms) VALUES (@id, @state, @incident_json, @updated_at_ms)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, incident_json = excluded.incident_json,
         updated_at_ms = excluded.updated_at_ms`,
    );
  }

  incidentChanged(change: IncidentChange): void {
    if (this.closed) return;
    this.save(change.incident);
  }

  save(incident: Incident): void {
    this.upsert.run({ id: incident.id, state: incident.state, incident_json: JSON.stringify(incident), updated_at_ms: Date.now() });
  }

  /** Returns the incidents not resolved when Faultline last stopped, oldest first. */
  unresolved(): Incident[] {
    const rows = this.db
      .prepare<[], { id: string; incident_json: string }>(
        `SELECT id, incident_json FROM incidents WHERE state != 'resolved' ORDER BY updated_at_ms`,
      )
      .all();
    const incidents: Incident[] = [];
    for (const row of rows) {
      try {
        incidents.push(JSON.parse(row.incident_json) as Incident);
      } catch (error) {
        this.logger.error({ err: error, incidentId: row.id }, 'stored incident is not valid JSON; it is not restored');
      }
    }
    return incidents;
  }

  /** Closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

import type Database from 'better-sqlite3';
import type { DeferredWrites } from './deferred-writes.ts';
import type { Synchronous } from './promised.ts';
import { type JobRow, jobColumns as columns, toJob } from '../rows/job-rows.ts';
import type { JobRecord, JobRepository } from '../store.ts';
import type { Migration } from './migrate.ts';

export const jobMigrations: Migration[] = [
  {
    id: 'jobs-1',
    sql: `CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        params TEXT NOT NULL,
        progress REAL NOT NULL DEFAULT 0,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
        error TEXT,
        result TEXT
      );
      CREATE INDEX jobs_status ON jobs(status);`,
  },
  {
    // Claimed by one worker, which beats while it runs them; result files in chunks.
    id: 'jobs-2',
    sql: `ALTER TABLE jobs ADD COLUMN worker TEXT;
      ALTER TABLE jobs ADD COLUMN heartbeat_at INTEGER;
      ALTER TABLE jobs ADD COLUMN cancel_requested_by TEXT;
      CREATE TABLE job_files (
        job_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (job_id, seq)
      ) WITHOUT ROWID;`,
  },
];

/**
 * `db` reads and makes the rare writes of a request (a job created, old ones deleted); `writer`
 * and `deferred` make the workers' — claims, heartbeats, status changes, the orphan sweep,
 * cancel requests — which must never make the event loop wait for the write lock the history
 * writer thread holds per batch (deferred-writes.ts). Claims, heartbeats and the sweep first
 * read whether there is anything to write, so an idle worker writes nothing.
 */
export function createSqliteJobs(db: Database.Database, writer: Database.Database, deferred: DeferredWrites): Synchronous<JobRepository> {
  const insert = db.prepare<[string, string, string, number]>("INSERT INTO jobs (kind, status, params, created_by, created_at) VALUES (?, 'queued', ?, ?, ?)");
  const byId = db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?');
  const newest = db.prepare<[number], JobRow>('SELECT * FROM jobs ORDER BY id DESC LIMIT ?');
  const ended = db.prepare<[number], { id: number }>("SELECT id FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled') AND ended_at < ?");
  const remove = db.prepare<[number]>('DELETE FROM jobs WHERE id = ?');
  const removeFiles = db.prepare<[number]>('DELETE FROM job_files WHERE job_id = ?');
  const anyQueued = db.prepare<[], { id: number }>("SELECT id FROM jobs WHERE status = 'queued' LIMIT 1");
  const claim = writer.prepare<[string, number, number], JobRow>(
    `UPDATE jobs SET status = 'running', worker = ?, started_at = ?, heartbeat_at = ?, progress = 0
     WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1) RETURNING *`,
  );
  const beatAll = writer.prepare<[number, string]>("UPDATE jobs SET heartbeat_at = ? WHERE worker = ? AND status = 'running'");
  const beatProgress = writer.prepare<[number, number, string]>("UPDATE jobs SET progress = ? WHERE id = ? AND worker = ? AND status = 'running'");
  const held = db.prepare<[string], { id: number; cancel_requested_by: string | null }>(
    "SELECT id, cancel_requested_by FROM jobs WHERE worker = ? AND status = 'running' ORDER BY id",
  );
  const heartbeat = writer.transaction((worker: string, progress: ReadonlyMap<number, number>, now: number) => {
    beatAll.run(now, worker);
    for (const [id, p] of progress) beatProgress.run(p, id, worker);
  });
  const cancelQueued = writer.prepare<[number, string, number]>(
    "UPDATE jobs SET status = 'cancelled', ended_at = ?, error = ? WHERE id = ? AND status = 'queued'",
  );
  const cancelRunning = writer.prepare<[string, number]>(
    "UPDATE jobs SET cancel_requested_by = ? WHERE id = ? AND status = 'running' AND cancel_requested_by IS NULL",
  );
  const orphanWhere = "status = 'running' AND (worker = ? OR heartbeat_at IS NULL OR heartbeat_at < ?)";
  const anyOrphan = db.prepare<[string | null, number | null], { id: number }>(`SELECT id FROM jobs WHERE ${orphanWhere} LIMIT 1`);
  const orphans = writer.prepare<[number, string, string | null, number | null], JobRow>(
    `UPDATE jobs SET status = 'failed', ended_at = ?, error = ? WHERE ${orphanWhere} RETURNING *`,
  );
  const putChunk = db.prepare<[number, number, Uint8Array]>('INSERT INTO job_files (job_id, seq, data) VALUES (?, ?, ?)');
  const getChunk = db.prepare<[number, number], { data: Uint8Array }>('SELECT data FROM job_files WHERE job_id = ? AND seq = ?');
  const updates = new Map<string, Database.Statement<unknown[]>>();

  return {
    create(job) {
      const id = Number(insert.run(job.kind, JSON.stringify(job.params), job.createdBy, job.createdAt).lastInsertRowid);
      return toJob(byId.get(id)!);
    },
    get(id) {
      const r = byId.get(id);
      return r && toJob(r);
    },
    list: (limit) => newest.all(limit).map(toJob),
    withStatus(statuses) {
      if (statuses.length === 0) return [];
      return db
        .prepare<string[], JobRow>(`SELECT * FROM jobs WHERE status IN (${statuses.map(() => '?').join(', ')}) ORDER BY id`)
        .all(...statuses)
        .map(toJob);
    },
    async update(id, changes) {
      const keys = Object.keys(changes)
        .filter((k) => k in columns && changes[k as keyof typeof changes] !== undefined)
        .sort();
      if (keys.length > 0) {
        // One statement per key set.
        const key = keys.join(',');
        let stmt = updates.get(key);
        if (!stmt) {
          stmt = writer.prepare(`UPDATE jobs SET ${keys.map((k) => `${columns[k]} = ?`).join(', ')} WHERE id = ?`);
          updates.set(key, stmt);
        }
        const values = keys.map((k) => {
          const v = changes[k as keyof typeof changes];
          return k === 'result' ? (v === null ? null : JSON.stringify(v)) : v;
        });
        const write = stmt;
        await deferred.run(() => write.run(...values, id));
      }
      const r = byId.get(id);
      return r && toJob(r);
    },
    deleteEndedBefore(before) {
      const ids = ended.all(before).map((r) => r.id);
      db.transaction(() => {
        for (const id of ids) {
          remove.run(id);
          removeFiles.run(id);
        }
      })();
      return ids;
    },
    async claim(worker, now) {
      if (!anyQueued.get()) return undefined;
      let claimed: JobRecord | undefined;
      await deferred.run(() => {
        const r = claim.get(worker, now, now);
        claimed = r && toJob(r);
      });
      return claimed;
    },
    async beat(worker, progress, now) {
      if (progress.size > 0 || held.get(worker)) await deferred.run(() => heartbeat(worker, progress, now));
      return held.all(worker).map((r) => ({ id: r.id, cancelRequestedBy: r.cancel_requested_by }));
    },
    async requestCancel(id, by, now) {
      await deferred.run(() => {
        if (cancelQueued.run(now, `cancelled by ${by}`, id).changes === 0) cancelRunning.run(by, id);
      });
      const r = byId.get(id);
      return r && toJob(r);
    },
    async failOrphans(o, error, now) {
      // A running row without a heartbeat predates heartbeats: no worker holds it either.
      const args = [o.worker ?? null, o.heartbeatBefore ?? null] as const;
      if (!anyOrphan.get(...args)) return [];
      let failed: JobRecord[] = [];
      await deferred.run(() => {
        failed = orphans.all(now, error, ...args).map(toJob);
      });
      return failed;
    },
    putResultChunk(id, seq, data) {
      putChunk.run(id, seq, data);
    },
    resultChunk(id, seq) {
      const r = getChunk.get(id, seq);
      return r ? new Uint8Array(r.data) : undefined;
    },
  };
}

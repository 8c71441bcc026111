import type Database from 'better-sqlite3';
import type { Synchronous } from './promised.ts';
import { type JobRow, jobColumns as columns, toJob } from '../rows/job-rows.ts';
import type { JobRepository } from '../store.ts';
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
];

export function createSqliteJobs(db: Database.Database): Synchronous<JobRepository> {
  const insert = db.prepare<[string, string, string, number]>("INSERT INTO jobs (kind, status, params, created_by, created_at) VALUES (?, 'queued', ?, ?, ?)");
  const byId = db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?');
  const newest = db.prepare<[number], JobRow>('SELECT * FROM jobs ORDER BY id DESC LIMIT ?');
  const ended = db.prepare<[number], { id: number }>("SELECT id FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled') AND ended_at < ?");
  const remove = db.prepare<[number]>('DELETE FROM jobs WHERE id = ?');
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
    update(id, changes) {
      const keys = Object.keys(changes)
        .filter((k) => k in columns && changes[k as keyof typeof changes] !== undefined)
        .sort();
      if (keys.length > 0) {
        // One statement per key set.
        const key = keys.join(',');
        let stmt = updates.get(key);
        if (!stmt) {
          stmt = db.prepare(`UPDATE jobs SET ${keys.map((k) => `${columns[k]} = ?`).join(', ')} WHERE id = ?`);
          updates.set(key, stmt);
        }
        const values = keys.map((k) => {
          const v = changes[k as keyof typeof changes];
          return k === 'result' ? (v === null ? null : JSON.stringify(v)) : v;
        });
        stmt.run(...values, id);
      }
      const r = byId.get(id);
      return r && toJob(r);
    },
    deleteEndedBefore(before) {
      const ids = ended.all(before).map((r) => r.id);
      db.transaction(() => {
        for (const id of ids) remove.run(id);
      })();
      return ids;
    },
  };
}

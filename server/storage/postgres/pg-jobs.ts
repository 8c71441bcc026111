import type pg from 'pg';
import { type JobRow, jobColumns as columns, toJob } from '../rows/job-rows.ts';
import type { JobRepository } from '../store.ts';
import type { Migration } from './pg-migrate.ts';
import { parameters } from './pg-transaction.ts';

export const postgresJobMigrations: Migration[] = [
  {
    id: 'jobs-1',
    sql: `CREATE TABLE jobs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        params jsonb NOT NULL,
        progress double precision NOT NULL DEFAULT 0,
        created_by text NOT NULL,
        created_at bigint NOT NULL,
        started_at bigint,
        ended_at bigint,
        error text,
        result jsonb
      );
      CREATE INDEX jobs_status ON jobs (status);`,
  },
  {
    // Claimed by one worker, which beats while it runs them; result files in chunks.
    id: 'jobs-2',
    sql: `ALTER TABLE jobs ADD COLUMN worker text, ADD COLUMN heartbeat_at bigint, ADD COLUMN cancel_requested_by text;
      CREATE TABLE job_files (
        job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (job_id, seq)
      );`,
  },
];

/** params and result as text, as JobRow has them (see there). */
const selectJob = 'id, kind, status, params::text AS params, progress, created_by, created_at, started_at, ended_at, error, result::text AS result, worker';

/** JSON goes in as text: pg would send a JS array as a PostgreSQL array, not as JSON. A null result is SQL NULL. */
const json = (value: unknown) => (value === null ? null : JSON.stringify(value));

export function createPostgresJobs(pool: pg.Pool): JobRepository {
  const byId = async (id: number) => {
    const { rows } = await pool.query<JobRow>(`SELECT ${selectJob} FROM jobs WHERE id = $1`, [id]);
    return rows[0] && toJob(rows[0]);
  };
  return {
    async create(job) {
      const { rows } = await pool.query<JobRow>(
        `INSERT INTO jobs (kind, status, params, created_by, created_at) VALUES ($1, 'queued', $2::jsonb, $3, $4) RETURNING ${selectJob}`,
        [job.kind, JSON.stringify(job.params), job.createdBy, job.createdAt],
      );
      return toJob(rows[0]!);
    },
    get: byId,
    async list(limit) {
      const { rows } = await pool.query<JobRow>(`SELECT ${selectJob} FROM jobs ORDER BY id DESC LIMIT $1`, [limit]);
      return rows.map(toJob);
    },
    async withStatus(statuses) {
      if (statuses.length === 0) return [];
      const { rows } = await pool.query<JobRow>(`SELECT ${selectJob} FROM jobs WHERE status = ANY($1::text[]) ORDER BY id`, [statuses]);
      return rows.map(toJob);
    },
    async update(id, changes) {
      const keys = Object.keys(changes).filter((k) => k in columns && changes[k as keyof typeof changes] !== undefined);
      if (keys.length === 0) return byId(id);
      const { values, p } = parameters();
      const sets = keys.map((k) => {
        const v = changes[k as keyof typeof changes];
        return k === 'result' ? `result = ${p(json(v))}::jsonb` : `${columns[k]} = ${p(v)}`;
      });
      const { rows } = await pool.query<JobRow>(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ${p(id)} RETURNING ${selectJob}`, values);
      return rows[0] && toJob(rows[0]);
    },
    async deleteEndedBefore(before) {
      const { rows } = await pool.query<{ id: number }>(
        "DELETE FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled') AND ended_at < $1 RETURNING id",
        [before],
      );
      return rows.map((r) => r.id).sort((a, b) => a - b);
    },
    async claim(worker, now) {
      // SKIP LOCKED: workers claiming at once take different jobs instead of waiting on one row.
      const { rows } = await pool.query<JobRow>(
        `UPDATE jobs SET status = 'running', worker = $1, started_at = $2, heartbeat_at = $2, progress = 0
         WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING ${selectJob}`,
        [worker, now],
      );
      return rows[0] && toJob(rows[0]);
    },
    async beat(worker, progress, now) {
      const { rows } = await pool.query<{ id: number; cancel_requested_by: string | null }>(
        `UPDATE jobs SET heartbeat_at = $1, progress = COALESCE(p.progress, jobs.progress)
         FROM jobs AS j LEFT JOIN unnest($3::bigint[], $4::float8[]) AS p (id, progress) ON p.id = j.id
         WHERE jobs.id = j.id AND j.worker = $2 AND j.status = 'running'
         RETURNING jobs.id, jobs.cancel_requested_by`,
        [now, worker, [...progress.keys()], [...progress.values()]],
      );
      return rows.map((r) => ({ id: Number(r.id), cancelRequestedBy: r.cancel_requested_by })).sort((a, b) => a.id - b.id);
    },
    async requestCancel(id, by, now) {
      // Each statement is atomic on the row: a claim between the two makes the second one apply.
      const queued = await pool.query("UPDATE jobs SET status = 'cancelled', ended_at = $1, error = $2 WHERE id = $3 AND status = 'queued'", [
        now,
        `cancelled by ${by}`,
        id,
      ]);
      if (queued.rowCount === 0) {
        await pool.query("UPDATE jobs SET cancel_requested_by = $1 WHERE id = $2 AND status = 'running' AND cancel_requested_by IS NULL", [by, id]);
      }
      return byId(id);
    },
    async failOrphans(o, error, now) {
      // A running row without a heartbeat predates heartbeats: no worker holds it either.
      const { rows } = await pool.query<JobRow>(
        `UPDATE jobs SET status = 'failed', ended_at = $1, error = $2
         WHERE status = 'running' AND (worker = $3 OR heartbeat_at IS NULL OR heartbeat_at < $4) RETURNING ${selectJob}`,
        [now, error, o.worker ?? null, o.heartbeatBefore ?? null],
      );
      return rows.map(toJob).sort((a, b) => a.id - b.id);
    },
    async putResultChunk(id, seq, data) {
      await pool.query('INSERT INTO job_files (job_id, seq, data) VALUES ($1, $2, $3)', [id, seq, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
    },
    async resultChunk(id, seq) {
      const { rows } = await pool.query<{ data: Buffer }>('SELECT data FROM job_files WHERE job_id = $1 AND seq = $2', [id, seq]);
      return rows[0] && new Uint8Array(rows[0].data.buffer, rows[0].data.byteOffset, rows[0].data.byteLength);
    },
  };
}

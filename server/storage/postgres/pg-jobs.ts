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
];

/** params and result as text, as JobRow has them (see there). */
const selectJob = 'id, kind, status, params::text AS params, progress, created_by, created_at, started_at, ended_at, error, result::text AS result';

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
  };
}

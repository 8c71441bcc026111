import type { JobRecord, JobStatus } from '../store.ts';

/**
 * A row of `jobs`. params and result are JSON text in both engines (PostgreSQL selects them
 * `::text`): their value may be a bare JSON string, which parsed jsonb could not be told from.
 */
export type JobRow = {
  id: number;
  kind: string;
  status: JobStatus;
  params: string;
  progress: number;
  created_by: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  error: string | null;
  result: string | null;
  worker: string | null;
};

export const toJob = (r: JobRow): JobRecord => ({
  id: r.id,
  kind: r.kind,
  status: r.status,
  params: JSON.parse(r.params) as unknown,
  progress: r.progress,
  createdBy: r.created_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  error: r.error,
  result: r.result === null ? null : (JSON.parse(r.result) as unknown),
  worker: r.worker,
});

/** The changes `update` may make, by their column. Column names come from here, never from input. */
export const jobColumns: Record<string, string> = {
  status: 'status',
  progress: 'progress',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  error: 'error',
  result: 'result',
};

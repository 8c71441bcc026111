import type { ExportJobParams, JobInfo } from '../../lib/types.ts';
import type { JobRecord } from '../storage/store.ts';

/** A stored job as the API and the `job` event show it. */
export function toJobInfo(r: JobRecord): JobInfo {
  return {
    id: r.id,
    kind: 'csv-export',
    status: r.status,
    progress: r.progress,
    params: r.params as ExportJobParams,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    error: r.error,
    result: (r.result as JobInfo['result']) ?? null,
  };
}

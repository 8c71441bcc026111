import { ApiRequestError, apiFetch } from '../../../lib/client/api-fetch.ts';
import { deviceDateFormat, formatDateTime } from '../../../lib/client/format.ts';
import type { PlantFile } from '../../../lib/plant/schema.ts';
import type { TestReadResult } from '../../../lib/plant/test-read-result.ts';
import type { ConnectionFile, Problem } from './draft.ts';

/** The plant API (app/api/plant/**) as the editor uses it. */

export interface VersionInfo {
  version: number;
  appliedAt: number;
  appliedBy: string;
  comment: string | null;
}

export interface CurrentPlant extends VersionInfo {
  /** The file is the source of truth: the app shows the plant, nobody edits it here. */
  readOnly: boolean;
  plant: PlantFile;
}

export interface VersionWithPlant extends VersionInfo {
  plant: PlantFile;
}

export interface Applied {
  version: number;
  /** Human-readable summary lines. */
  changes: string[];
}

export type { TestReadTag } from '../../../lib/plant/test-read-result.ts';
export type TestRead = TestReadResult;

/** Why an apply (or rollback) was refused, as the page shows it. */
export type Refusal =
  | { kind: 'conflict'; message: string; current: VersionInfo }
  | { kind: 'invalid'; message: string; problems: Problem[] }
  | { kind: 'error'; message: string; status: number | null };

export const plantUrl = '/api/plant';
export const versionsUrl = '/api/plant/versions';

export const fetchVersion = (v: number) => apiFetch<VersionWithPlant>(`${versionsUrl}/${v}`);

/** The refusal an apply or rollback error stands for. */
export function refusalOf(error: unknown): Refusal {
  if (!(error instanceof ApiRequestError)) return { kind: 'error', message: (error as Error).message, status: null };
  const body = (error.body ?? {}) as { current?: VersionInfo; problems?: Problem[] };
  if (error.status === 409 && body.current) return { kind: 'conflict', message: error.message, current: body.current };
  if (error.status === 400) {
    const problems = body.problems?.length ? body.problems : [{ path: error.field ?? '(plant)', message: error.message }];
    return { kind: 'invalid', message: error.message, problems };
  }
  return { kind: 'error', message: error.message, status: error.status };
}

export function applyPlant(baseVersion: number, plant: PlantFile, comment: string): Promise<Applied> {
  return apiFetch<Applied>(plantUrl, { method: 'PUT', body: JSON.stringify({ baseVersion, plant, ...(comment ? { comment } : {}) }) });
}

export function rollBack(version: number, baseVersion: number): Promise<Applied> {
  return apiFetch<Applied>('/api/plant/rollback', { method: 'POST', body: JSON.stringify({ version, baseVersion }) });
}

export function testRead(line: string, connection: ConnectionFile): Promise<TestRead> {
  return apiFetch<TestRead>('/api/plant/test-read', { method: 'POST', body: JSON.stringify({ line, connection }) });
}

/** When a version was applied, in the browser's time and this device's date format. */
export const stamp = (ms: number) => formatDateTime(ms, deviceDateFormat(), { seconds: true });

import type { AlarmKpis } from '../../lib/alarms/alarm-types.ts';
import type { KpiRequest } from '../alarms/alarm-kpis.ts';
import type { HistoryPoint } from '../storage/store.ts';
import type { TrendRequest, TrendSeriesJson } from './trend-query.ts';

/** Main thread → query worker. */
export type QueryRequest =
  | { id: number; op: 'trend'; request: TrendRequest }
  | { id: number; op: 'points'; tag: string; from: number; to: number; limit: number }
  | { id: number; op: 'alarmKpis'; request: KpiRequest };

/** Query worker → main thread. `ms`: time spent on it in the worker. */
export type QueryReply =
  | { id: number; ok: true; op: 'trend'; result: TrendSeriesJson; ms: number }
  | { id: number; ok: true; op: 'points'; result: HistoryPoint[]; ms: number }
  | { id: number; ok: true; op: 'alarmKpis'; result: AlarmKpis; ms: number }
  | { id: number; ok: false; message: string };

export interface QueryWorkerData {
  /** SQLite file to open read-only. */
  file: string;
}

import type { AlarmKpis } from '../../lib/alarms/alarm-types.ts';
import type { Resolution } from '../../lib/history/trend.ts';
import type { KpiRequest } from '../alarms/alarm-kpis.ts';
import type { StoreLocation } from '../storage/store.ts';
import type { AnswerBody } from './answer-body.ts';
import type { TrendsRequest } from './trend-query.ts';

/** Raw points of one tag, oldest first, at most `limit`. */
export interface PointsRequest {
  tag: string;
  from: number;
  to: number;
  limit: number;
  gzip: boolean;
}

/** A trend answer: its body (a `TrendResponse`), and a summary of it for logs, tests and benchmarks. */
export interface TrendAnswer {
  body: AnswerBody;
  resolution: Resolution | 'mixed';
  /** Time the worker spent computing the series, ms (as in the body). */
  tookMs: number;
  series: { tag: string; resolution: Resolution; points: number; scanned: number }[];
}

/** Main thread → query worker. */
export type QueryRequest =
  | { id: number; op: 'trend'; request: TrendsRequest & { gzip: boolean } }
  | { id: number; op: 'points'; request: PointsRequest }
  | { id: number; op: 'alarmKpis'; request: KpiRequest };

/** Query worker → main thread. `ms`: time spent on it in the worker. */
export type QueryReply =
  | { id: number; ok: true; op: 'trend'; result: TrendAnswer; ms: number }
  | { id: number; ok: true; op: 'points'; result: { body: AnswerBody; truncated: boolean }; ms: number }
  | { id: number; ok: true; op: 'alarmKpis'; result: AlarmKpis; ms: number }
  | { id: number; ok: false; message: string };

export interface QueryWorkerData {
  /** The store the worker reads from, on a connection of its own (SQLite: read-only). */
  location: StoreLocation;
}

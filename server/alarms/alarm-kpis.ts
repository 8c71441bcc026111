import { ValidationError } from '../../lib/errors.ts';
import { alarmPriorities, type AlarmKpis, type AlarmPriority, type AlarmView } from '../../lib/alarms/alarm-types.ts';

/** One activation (`raised` journal entry). */
export interface Activation {
  ts: number;
  alarm: string;
  message: string;
  line: string;
  priority: AlarmPriority;
  suppressed: boolean;
}

/** EEMUA 191 / ISA-18.2 figures. */
export const kpiRules = {
  periodMs: 10 * 60_000,
  /** More than this many alarms in one 10-minute period is a flood. */
  floodAbove: 10,
  /** This many activations of one alarm within `chatterWindowMs` is chattering. */
  chatterActivations: 3,
  chatterWindowMs: 60_000,
  /** Active longer than this is a standing (stale) alarm. */
  standingMs: 24 * 3600_000,
  topCount: 10,
} as const;

/**
 * Alarm-system performance over [from, to): rate per 10 minutes (ISA-18.2's fixed periods,
 * aligned to the clock: each starts at a multiple of 10 minutes; `peakAt` is the start of the
 * busiest one, which holds the alarms counted in `peak`),
 * floods, chattering, standing alarms (from the current state), bad actors and the priority
 * mix. Rates count annunciated activations; chattering counts every activation (a shelved
 * chattering alarm still chatters). Pure: `activations` in any order, `now` given.
 */
export function computeKpis(activations: readonly Activation[], active: readonly AlarmView[], from: number, to: number, now: number): AlarmKpis {
  const { periodMs } = kpiRules;
  // Fixed periods on the clock (02:20:00–02:30:00), not counted from `from`: a period then
  // holds the alarms its label says, and the same alarms give the same peak on every request
  // (a request's `from` is "now − 24 h", a different millisecond each time). The first and
  // last periods may be cut by the range.
  const first = Math.floor(from / periodMs) * periodMs;
  const periods = Math.max(1, Math.ceil((to - first) / periodMs));
  const counts = new Array<number>(periods).fill(0);
  const byPriority = Object.fromEntries(alarmPriorities.map((p) => [p, 0])) as Record<AlarmPriority, number>;
  const byAlarm = new Map<string, { message: string; line: string; count: number; times: number[] }>();
  let annunciated = 0;
  let suppressed = 0;

  for (const a of activations) {
    if (a.ts < from || a.ts >= to) continue;
    let entry = byAlarm.get(a.alarm);
    if (!entry) byAlarm.set(a.alarm, (entry = { message: a.message, line: a.line, count: 0, times: [] }));
    entry.times.push(a.ts);
    if (a.suppressed) {
      suppressed++;
      continue;
    }
    annunciated++;
    entry.count++;
    byPriority[a.priority]++;
    counts[Math.floor((a.ts - first) / periodMs)]!++;
  }

  const buckets = counts.map((count, i) => ({ start: first + i * periodMs, count }));
  /** The range in periods: a rate over a cut period must not count it as a whole one. */
  const spanPeriods = Math.max(1, (to - from) / periodMs);
  let peak = 0;
  let peakAt: number | null = null;
  for (const b of buckets) {
    if (b.count > peak) {
      peak = b.count;
      peakAt = b.start;
    }
  }

  const floods: AlarmKpis['floods'] = [];
  let floodPeriods = 0;
  for (const b of buckets) {
    if (b.count <= kpiRules.floodAbove) continue;
    floodPeriods++;
    const last = floods.at(-1);
    if (last && last.end === b.start) {
      last.end = b.start + periodMs;
      last.count += b.count;
    } else {
      floods.push({ start: b.start, end: b.start + periodMs, count: b.count });
    }
  }

  const chattering: AlarmKpis['chattering'] = [];
  for (const [alarm, e] of byAlarm) {
    const maxPerMinute = maxInWindow(e.times, kpiRules.chatterWindowMs);
    if (maxPerMinute >= kpiRules.chatterActivations) chattering.push({ alarm, message: e.message, line: e.line, activations: e.times.length, maxPerMinute });
  }
  chattering.sort((a, b) => b.maxPerMinute - a.maxPerMinute || b.activations - a.activations);

  const standing = active
    .filter((a) => a.active && a.activeSince !== null && now - a.activeSince > kpiRules.standingMs)
    .map((a) => ({ alarm: a.id, message: a.message, line: a.line, priority: a.priority, activeSince: a.activeSince!, durationMs: now - a.activeSince! }))
    .sort((a, b) => b.durationMs - a.durationMs);

  const top = [...byAlarm.entries()]
    .filter(([, e]) => e.count > 0)
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .slice(0, kpiRules.topCount)
    .map(([alarm, e]) => ({ alarm, message: e.message, line: e.line, count: e.count, share: annunciated ? e.count / annunciated : 0 }));

  return {
    from,
    to,
    annunciated,
    suppressed,
    per10Min: { average: annunciated / spanPeriods, peak, peakAt },
    buckets,
    floods,
    floodPercent: Math.min(100, (floodPeriods / spanPeriods) * 100),
    chattering,
    standing,
    top,
    byPriority,
  };
}

/** An activation the engine has not written to the journal yet, with its journal seq. */
export interface QueuedActivation extends Activation {
  seq: number;
}

/**
 * What KPIs need besides the journal, taken on the main thread at the request: the period,
 * the clock, the alarms active now (standing alarms) and the activations still queued for
 * the journal. Sent to a query worker, which reads the journal and computes the rest.
 */
/** A KPI request reads the journal of its whole period: bound it. */
const maxKpiSpanMs = 31 * 24 * 3600_000;

/** Refuses a period the KPIs are not computed for (ValidationError, field `from`). */
export function checkKpiPeriod(from: number, to: number): void {
  if (!(from < to)) throw new ValidationError('"from" must be before "to"', { field: 'from' });
  if (to - from > maxKpiSpanMs) throw new ValidationError('the period may span at most 31 days', { field: 'from' });
}

export interface KpiRequest {
  from: number;
  to: number;
  now: number;
  active: AlarmView[];
  queued: QueuedActivation[];
}

/**
 * KPIs of the journal as read (`stored`, written up to seq `storedSeq`) plus the queued
 * activations. The journal is written in seq order, all or nothing, so a queued activation
 * with seq ≤ `storedSeq` was written between the request and the read: counted once.
 */
export function kpisOfJournal(stored: readonly Activation[], storedSeq: number, request: KpiRequest): AlarmKpis {
  const queued = request.queued.filter((q) => q.seq > storedSeq).map(({ seq: _seq, ...activation }) => activation);
  return computeKpis([...stored, ...queued], request.active, request.from, request.to, request.now);
}

/** Largest number of times within any window of `windowMs` (inclusive span). */
function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! > windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

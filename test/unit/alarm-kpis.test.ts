import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlarmPriority, AlarmView } from '../../lib/alarms/alarm-types.ts';
import { computeKpis, kpiRules, type Activation } from '../../server/alarms/alarm-kpis.ts';

const min = 60_000;
const from = Date.UTC(2026, 0, 1);
const act = (offsetMs: number, alarm = 'l.a.hi', priority: AlarmPriority = 'high', suppressed = false): Activation => ({
  ts: from + offsetMs,
  alarm,
  message: alarm.toUpperCase(),
  line: 'l',
  priority,
  suppressed,
});

test('rate per fixed 10-minute period: average, peak, buckets; suppressed activations not counted', () => {
  const list = [act(0), act(1 * min), act(12 * min, 'l.b.lo', 'low'), act(13 * min, 'l.c.hi', 'critical', true), act(59 * min)];
  const k = computeKpis(list, [], from, from + 60 * min, from + 60 * min);
  assert.equal(k.annunciated, 4);
  assert.equal(k.suppressed, 1);
  assert.deepEqual(
    k.buckets.map((b) => b.count),
    [2, 1, 0, 0, 0, 1],
  );
  assert.equal(k.buckets[1]!.start, from + 10 * min);
  assert.equal(k.per10Min.average, 4 / 6);
  assert.equal(k.per10Min.peak, 2);
  assert.equal(k.per10Min.peakAt, from);
  assert.deepEqual(k.byPriority, { critical: 0, high: 3, medium: 0, low: 1 });
  assert.deepEqual(k.floods, []);
  assert.equal(k.floodPercent, 0);
});

test('activations outside [from, to) are ignored; an empty period has zero rates', () => {
  const k = computeKpis([act(-1), act(10 * min)], [], from, from + 10 * min, from + 10 * min);
  assert.equal(k.annunciated, 0);
  assert.equal(k.per10Min.peakAt, null);
  assert.deepEqual(k.top, []);
});

test('floods: periods with more than 10 alarms, consecutive ones merged', () => {
  const burst = (startMin: number, n: number, alarmPrefix: string) =>
    Array.from({ length: n }, (_, i) => act(startMin * min + i * 1000, `l.${alarmPrefix}${i}.hi`));
  const list = [...burst(0, 10, 'a'), ...burst(20, 11, 'b'), ...burst(30, 15, 'c'), ...burst(50, 11, 'd')];
  const k = computeKpis(list, [], from, from + 60 * min, from + 60 * min);
  assert.deepEqual(k.floods, [
    { start: from + 20 * min, end: from + 40 * min, count: 26 },
    { start: from + 50 * min, end: from + 60 * min, count: 11 },
  ]);
  assert.equal(k.floodPercent, 50, '3 of 6 periods');
  assert.equal(k.buckets[0]!.count, 10, 'exactly 10 is not a flood');
});

test('chattering: 3 or more activations of one alarm within a minute (suppressed ones count)', () => {
  const list = [
    act(0, 'l.x.hi'),
    act(20_000, 'l.x.hi', 'high', true),
    act(60_000, 'l.x.hi'),
    act(0, 'l.y.hi'),
    act(30_000, 'l.y.hi'),
    act(61_000, 'l.y.hi'),
    act(200_000, 'l.y.hi'),
  ];
  const k = computeKpis(list, [], from, from + 10 * min, from + 10 * min);
  assert.deepEqual(k.chattering, [{ alarm: 'l.x.hi', message: 'L.X.HI', line: 'l', activations: 3, maxPerMinute: 3 }]);
});

test('standing alarms: active for more than 24 h now; bad actors ranked with their share', () => {
  const now = from + 30 * 3600_000;
  const view = (id: string, activeSince: number, active = true) => ({ id, message: id, line: 'l', priority: 'low', active, activeSince }) as AlarmView;
  const k = computeKpis(
    [act(0, 'l.a.hi'), act(min, 'l.a.hi'), act(2 * min, 'l.b.hi')],
    [view('l.old.hi', from), view('l.new.hi', now - 3600_000), view('l.cleared.hi', from, false)],
    from,
    from + 10 * min,
    now,
  );
  assert.deepEqual(k.standing, [{ alarm: 'l.old.hi', message: 'l.old.hi', line: 'l', priority: 'low', activeSince: from, durationMs: 30 * 3600_000 }]);
  assert.deepEqual(
    k.top.map((t) => [t.alarm, t.count, Number(t.share.toFixed(3))]),
    [
      ['l.a.hi', 2, 0.667],
      ['l.b.hi', 1, 0.333],
    ],
  );
});

test('periods sit on the clock: the peak names the period that holds its alarms, the same on every request', () => {
  // Alarms at 02:21:54 and 02:22:00; the page asks for "the last 24 h" ending at a different millisecond each time.
  const day = Date.UTC(2026, 11, 6);
  const at = (h: number, m: number, s: number) => day + ((h * 60 + m) * 60 + s) * 1000;
  const list = [at(2, 21, 54), at(2, 22, 0)].map((ts) => ({ ...act(0), ts }));
  for (const now of [at(2, 30, 1) + 123, at(2, 33, 56), at(2, 47, 12) + 999]) {
    const k = computeKpis(list, [], now - 24 * 3600_000, now, now);
    assert.equal(k.per10Min.peak, 2);
    assert.equal(k.per10Min.peakAt, at(2, 20, 0), `period 02:20–02:30 for a request at ${new Date(now).toISOString()}`);
    assert.ok(
      list.every((a) => a.ts >= k.per10Min.peakAt! && a.ts < k.per10Min.peakAt! + kpiRules.periodMs),
      'the peak period holds its alarms',
    );
    assert.ok(
      k.buckets.every((b) => b.start % kpiRules.periodMs === 0),
      'every period starts at a multiple of 10 minutes',
    );
    assert.equal(
      k.buckets.reduce((n, b) => n + b.count, 0),
      2,
    );
  }
});

test('a range cut inside periods: the rate is per 10 minutes of the range, not per period touched', () => {
  const k = computeKpis([act(5 * min), act(6 * min)], [], from + 5 * min, from + 25 * min, from + 25 * min);
  assert.deepEqual(
    k.buckets.map((b) => [b.start - from, b.count]),
    [
      [0, 2],
      [10 * min, 0],
      [20 * min, 0],
    ],
  );
  assert.equal(k.per10Min.average, 1, '2 alarms in 20 minutes');
});

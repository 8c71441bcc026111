import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendTrend, newTrend, trendPoints, type Trend, type TrendPoint } from '../../lib/client/live-trend.ts';

const point = (ts: number, value: number | null = ts): TrendPoint => ({ ts, value, quality: 'good' });
const append = (t: Trend, times: number[], windowMs = 100) => times.reduce((acc, ts) => appendTrend(acc, point(ts), windowMs), t);
const times = (t: Trend) => trendPoints(t).map((p) => p.ts);

test('appendTrend: in time order, within the window', () => {
  const cases: [string, number[], number, number[]][] = [
    ['empty', [], 100, []],
    ['in order', [1, 2, 3], 100, [1, 2, 3]],
    ['a point not newer than the last is ignored', [1, 3, 3, 2, 4], 100, [1, 3, 4]],
    ['older than the newest minus the window goes', [0, 50, 100, 151], 100, [100, 151]],
    ['exactly the window back stays', [0, 50, 100], 100, [0, 50, 100]],
    ['a gap longer than the window leaves only the newest', [1, 2, 3, 500], 100, [500]],
  ];
  for (const [name, ts, windowMs, expected] of cases) assert.deepEqual(times(append(newTrend(), ts, windowMs)), expected, name);
});

test('appendTrend never changes a trend it was given, also when two appends start from one version', () => {
  const a = append(newTrend(), [1, 2, 3]);
  const b = appendTrend(a, point(4), 100);
  const c = appendTrend(a, point(5), 100);
  assert.deepEqual(times(a), [1, 2, 3]);
  assert.deepEqual(times(b), [1, 2, 3, 4]);
  assert.deepEqual(times(c), [1, 2, 3, 5]);
  assert.deepEqual(times(appendTrend(b, point(6), 100)), [1, 2, 3, 4, 6]);
  assert.deepEqual(times(c), [1, 2, 3, 5]);
});

test('appending shares the buffer (no copy of the window per point); the dead prefix goes once it outgrows the live part', () => {
  let t = newTrend();
  let copies = 0;
  let longest = 0;
  for (let ts = 0; ts < 10_000; ts++) {
    const next = appendTrend(t, point(ts), 499);
    if (next.buf !== t.buf) copies++;
    longest = Math.max(longest, next.buf.length);
    t = next;
  }
  assert.equal(t.end - t.start, 500);
  assert.deepEqual(times(t).slice(0, 2), [9500, 9501]);
  // One copy per compaction (every ~window points), not one per point.
  assert.ok(copies > 0 && copies <= 25, `copies ${copies}`);
  assert.ok(longest <= 1100, `buffer length ${longest}`);
});

test('trendPoints: the same array for a version until the trend changes', () => {
  const a = append(newTrend(), [1, 2]);
  assert.equal(trendPoints(a), trendPoints(a));
  const b = appendTrend(a, point(3), 100);
  assert.notEqual(trendPoints(b), trendPoints(a));
  assert.equal(appendTrend(b, point(3), 100), b, 'a repeated point changes nothing');
  assert.deepEqual(times(a), [1, 2]);
});

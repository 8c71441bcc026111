import assert from 'node:assert/strict';
import { test } from 'node:test';
import { followsLive, withLivePoints } from '../../app/history/follow.ts';
import { parseSavedViews, removeView, saveView, MAX_SAVED_VIEWS } from '../../app/history/saved-views.ts';
import type { TrendPoint } from '../../lib/client/live-trend.ts';
import type { TrendResponse } from '../../lib/history/trend.ts';

const answer = (t: number[], v: (number | null)[]): TrendResponse => ({
  from: '',
  to: '',
  width: 100,
  resolution: 'raw',
  tookMs: 1,
  series: [
    { tag: 'a.x', resolution: 'raw', t, v, scanned: t.length },
    { tag: 'a.y', resolution: 'raw', t: [1000], v: [5], scanned: 1 },
  ],
});
const pt = (ts: number, value: number | null, quality: TrendPoint['quality'] = 'good'): TrendPoint => ({ ts, value, quality });

test('follow: last hour and this shift follow the live data; longer and custom ranges do not', () => {
  assert.equal(followsLive({ kind: 'preset', preset: '1h' }), true);
  assert.equal(followsLive({ kind: 'preset', preset: '8h' }), true);
  assert.equal(followsLive({ kind: 'preset', preset: '24h' }), false);
  assert.equal(followsLive({ kind: 'custom', from: 0, to: 1 }), false);
});

test('follow: live points newer than the answer are appended up to the right edge; bad ones are gaps', () => {
  const data = answer([1000, 2000], [1, 2]);
  const live = new Map([['a.x', [pt(1500, 9), pt(2000, 9), pt(3000, 3), pt(4000, 4, 'bad'), pt(9000, 9)]]]);
  const out = withLivePoints(data, (tag) => live.get(tag) ?? [], 5000);
  assert.deepEqual(out.series[0]!.t, [1000, 2000, 3000, 4000]);
  assert.deepEqual(out.series[0]!.v, [1, 2, 3, null]);
  assert.equal(out.series[1], data.series[1], 'a series without new points is the same object');
  assert.deepEqual(data.series[0]!.t, [1000, 2000], 'the answer is not changed');
  assert.equal(
    withLivePoints(data, () => [], 5000),
    data,
    'nothing new: the same answer',
  );
});

test('follow: an empty series takes every live point', () => {
  const out = withLivePoints(answer([], []), () => [pt(10, 1), pt(20, 2)], 100);
  assert.deepEqual(out.series[0]!.t, [10, 20]);
});

test('saved views: parsed defensively, saved newest first, replaced by name, bounded', () => {
  assert.deepEqual(parseSavedViews(null), []);
  assert.deepEqual(parseSavedViews('not json'), []);
  assert.deepEqual(parseSavedViews('{"name":"x"}'), []);
  assert.deepEqual(parseSavedViews('[{"name":"  Melt ","search":"?tags=a.x"},{"name":"bad","search":"tags"},{"name":1}]'), [
    { name: 'Melt', search: '?tags=a.x' },
  ]);
  let list = saveView([], { name: 'Melt', search: '?tags=a.x&range=1h' });
  list = saveView(list, { name: 'Speeds', search: '?tags=a.y&range=8h' });
  list = saveView(list, { name: 'melt', search: '?tags=a.x,a.y&range=8h' });
  assert.deepEqual(list, [
    { name: 'melt', search: '?tags=a.x,a.y&range=8h' },
    { name: 'Speeds', search: '?tags=a.y&range=8h' },
  ]);
  assert.deepEqual(removeView(list, 'Speeds'), [{ name: 'melt', search: '?tags=a.x,a.y&range=8h' }]);
  assert.deepEqual(saveView(list, { name: '  ', search: '?x' }), list, 'a blank name saves nothing');
  for (let i = 0; i < 30; i++) list = saveView(list, { name: `v${i}`, search: '?tags=a.x' });
  assert.equal(list.length, MAX_SAVED_VIEWS);
  assert.equal(list[0]!.name, 'v29');
});

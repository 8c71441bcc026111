import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clampRange,
  historySearch,
  MIN_SPAN_MS,
  pan,
  parseHistoryParams,
  queryWidth,
  resolveRange,
  timeTicks,
  trendHref,
  zoomAt,
} from '../../app/history/range.ts';

const known = new Set(['a.x', 'a.y', 'b.z']);

test('history range: presets end now; zoom keeps its anchor; pan moves by a fraction of the span', () => {
  assert.deepEqual(resolveRange({ kind: 'preset', preset: '1h' }, 10_000_000), { from: 10_000_000 - 3600_000, to: 10_000_000 });
  assert.deepEqual(resolveRange({ kind: 'custom', from: 1, to: 2 }, 99), { from: 1, to: 2 });
  assert.deepEqual(zoomAt(0, 1000, 0.5), { from: 250, to: 750 });
  assert.deepEqual(zoomAt(0, 1000, 0.5, 1000), { from: 500, to: 1000 });
  assert.deepEqual(zoomAt(0, 1000, 2, 0), { from: 0, to: 2000 });
  assert.deepEqual(pan(0, 1000, -0.5), { from: -500, to: 500 });
});

test('history range: clamping keeps a minimum span and does not run past the present', () => {
  assert.deepEqual(clampRange(5000, 5001, 1e12), { from: 1, to: 1 + MIN_SPAN_MS });
  assert.deepEqual(clampRange(900_000, 1_100_000, 1_000_000), { from: 800_000, to: 1_000_000 });
});

test('history range: query width follows the screen in steps, within the API bounds', () => {
  assert.equal(queryWidth(360, 3), 700);
  assert.equal(queryWidth(1024, 1), 1000);
  assert.equal(queryWidth(3000, 2), 4000);
  assert.equal(queryWidth(2, 1), 10);
});

test('history range: the address bar round-trips; unknown tags and ranges fall back', () => {
  assert.deepEqual(parseHistoryParams({ tags: 'a.x,nope,a.y,a.x', range: '24h' }, known), { tags: ['a.x', 'a.y'], choice: { kind: 'preset', preset: '24h' } });
  assert.deepEqual(parseHistoryParams({ range: 'forever' }, known), { tags: [], choice: { kind: 'preset', preset: '8h' } });
  const custom = { kind: 'custom' as const, from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 2) };
  const search = historySearch(['a.x', 'b.z'], custom);
  assert.equal(search, '?tags=a.x,b.z&from=2026-01-01T00%3A00%3A00.000Z&to=2026-01-02T00%3A00%3A00.000Z');
  assert.deepEqual(parseHistoryParams(Object.fromEntries(new URLSearchParams(search)), known), { tags: ['a.x', 'b.z'], choice: custom });
});

test('history range: time-axis labels in the device format, with seconds on short ranges and dates on long ones', () => {
  const at = Date.UTC(2026, 4, 4, 14, 3, 7);
  const gb = { style: 'locale', locale: 'en-GB', timeZone: 'UTC' } as const;
  const us = { style: 'locale', locale: 'en-US', timeZone: 'UTC' } as const;
  assert.deepEqual(timeTicks([at], 5 * 60_000, gb), ['14:03:07']);
  assert.deepEqual(timeTicks([at], 8 * 3600_000, gb), ['14:03']);
  assert.deepEqual(timeTicks([at], 8 * 3600_000, us), ['02:03 PM']);
  assert.deepEqual(timeTicks([at], 8 * 3600_000, { ...us, style: '24h' }), ['14:03']);
  assert.deepEqual(timeTicks([at], 7 * 86_400_000, gb), ['04/05/2026\n14:03']);
  assert.deepEqual(timeTicks([at], 30 * 86_400_000, { ...gb, style: 'iso' }), ['2026-05-04']);
});

test('trend links: one tag over the last hour', () => {
  assert.equal(trendHref('extrusion.melt-temp'), '/history?tags=extrusion.melt-temp&range=1h');
  assert.equal(trendHref('a.b', '8h'), '/history?tags=a.b&range=8h');
});

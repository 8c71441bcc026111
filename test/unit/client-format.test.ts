import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAge, formatDate, formatDateTime, formatDuration, formatSpanEnds, formatTime, formatValue, formatZone } from '../../lib/client/format.ts';

test('formatValue: tag decimals, grouping, bools, missing values', () => {
  const cases: [number | null | undefined, number, string | undefined, string][] = [
    [212.345, 1, 'float32', '212.3'],
    [212, 1, 'float32', '212.0'],
    [-420, 0, 'int16', '-420'],
    [1234567, 0, 'uint32', '1,234,567'],
    [0.6049, 2, 'float32', '0.60'],
    [1, 0, 'bool', 'On'],
    [0, 0, 'bool', 'Off'],
    [null, 1, 'float32', '—'],
    [undefined, 1, 'float32', '—'],
    [Number.NaN, 1, 'float32', '—'],
    [1.23456, 9, 'float32', '1.234560'],
  ];
  for (const [value, decimals, type, expected] of cases) assert.equal(formatValue(value, decimals, type), expected, `${value} @${decimals}`);
});

test('formatAge and formatDuration: whole seconds, then minutes, hours, days', () => {
  assert.equal(formatAge(0), 'now');
  assert.equal(formatAge(999), 'now');
  assert.equal(formatAge(1000), '1 s ago');
  assert.equal(formatAge(12_400), '12 s ago');
  assert.equal(formatAge(65_000), '1 min 05 s ago');
  assert.equal(formatDuration(59_999), '59 s');
  assert.equal(formatDuration(3_600_000 + 3 * 60_000), '1 h 03 min');
  assert.equal(formatDuration(27 * 3_600_000), '1 d 3 h');
  assert.equal(formatDuration(-5), '0 s');
});

test('dates and times: one format per locale and style, in the given zone', () => {
  // 2026-12-06 14:21:54.321 UTC
  const ts = Date.UTC(2026, 11, 6, 14, 21, 54, 321);
  const us = { style: 'locale', locale: 'en-US', timeZone: 'UTC' } as const;
  const gb = { style: 'locale', locale: 'en-GB', timeZone: 'UTC' } as const;
  const us24 = { style: '24h', locale: 'en-US', timeZone: 'UTC' } as const;
  const iso = { style: 'iso', locale: 'en-US', timeZone: 'Europe/Berlin' } as const;
  assert.equal(formatDate(ts, us), '12/06/2026');
  assert.equal(formatDate(ts, gb), '06/12/2026', 'day first where the locale puts it first');
  assert.equal(formatDate(ts, { ...gb, locale: 'de-DE' }), '06.12.2026');
  assert.equal(formatDate(ts, iso), '2026-12-06');
  assert.equal(formatTime(ts, us), '02:21:54 PM');
  assert.equal(formatTime(ts, us, { seconds: false }), '02:21 PM');
  assert.equal(formatTime(ts, us24), '14:21:54', 'the 24 h setting');
  assert.equal(formatTime(ts, gb), '14:21:54');
  assert.equal(formatTime(ts, iso), '15:21:54', 'in the zone given');
  assert.equal(formatDateTime(ts, us), '12/06/2026, 02:21 PM');
  assert.equal(formatDateTime(ts, us24, { seconds: true }), '12/06/2026, 14:21:54');
  assert.equal(formatDateTime(ts, gb), '06/12/2026, 14:21');
  assert.equal(formatDateTime(ts, iso, { seconds: true }), '2026-12-06 15:21:54');
  assert.equal(formatDateTime(ts, gb, { zone: true }), '06/12/2026, 14:21 UTC', 'the zone stated');
  assert.equal(formatDateTime(ts, iso, { zone: true }), '2026-12-06 15:21 GMT+1');
  assert.equal(formatZone(ts, us), 'UTC');
  assert.equal(formatDate(Number.NaN, us), '—');
  // Midnight in 24 h is 00, never 24.
  assert.equal(formatTime(Date.UTC(2026, 0, 1), us24, { seconds: false }), '00:00');
  assert.equal(formatTime(Date.UTC(2026, 0, 1), iso, { seconds: false }), '01:00');
});

test('spans: the date once when both ends are on the same day', () => {
  const f = { style: '24h', locale: 'en-GB', timeZone: 'UTC' } as const;
  const at = (d: number, h: number, m: number) => Date.UTC(2026, 11, d, h, m);
  assert.deepEqual(formatSpanEnds(at(6, 2, 20), at(6, 2, 30), f), ['06/12/2026, 02:20', '02:30']);
  assert.deepEqual(formatSpanEnds(at(5, 23, 50), at(6, 0, 0), f), ['05/12/2026, 23:50', '06/12/2026, 00:00']);
  assert.deepEqual(formatSpanEnds(at(6, 2, 20), at(6, 2, 30), f, { zone: true }), ['06/12/2026, 02:20', '02:30 UTC']);
});

test('an unknown locale falls back instead of throwing', () => {
  assert.equal(formatDate(Date.UTC(2026, 11, 6), { style: 'locale', locale: 'not a locale!', timeZone: 'UTC' }), '12/06/2026');
});

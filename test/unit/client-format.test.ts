import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAge, formatDuration, formatValue } from '../../lib/client/format.ts';

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

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Quality, Sample } from '../../lib/types.ts';
import { createDeadbandFilter } from '../../server/historian/deadband.ts';

const s = (ts: number, value: number | null, quality: Quality = 'good', reason?: string): Sample => ({
  tag: 'l.t',
  ts,
  value,
  quality,
  ...(reason ? { reason } : {}),
});

function run(input: Sample[], deadband = 1, maxIntervalMs = 60_000): [number, number | null, Quality][] {
  const filter = createDeadbandFilter({ deadbands: new Map([['l.t', deadband]]), maxIntervalMs });
  const out: Sample[] = [];
  for (const x of input) filter.accept(x, out);
  return out.map((x) => [x.ts, x.value, x.quality]);
}

const cases: { name: string; input: Sample[]; want: [number, number | null, Quality][]; deadband?: number; maxIntervalMs?: number }[] = [
  { name: 'the first sample is stored', input: [s(0, 10)], want: [[0, 10, 'good']] },
  { name: 'moves within the deadband are held back', input: [s(0, 10), s(1, 10.5), s(2, 9.2), s(3, 11)], want: [[0, 10, 'good']] },
  {
    name: 'a move past the deadband stores the last value before it, then the move',
    input: [s(0, 10), s(1, 10.5), s(2, 10.2), s(3, 15)],
    want: [
      [0, 10, 'good'],
      [2, 10.2, 'good'],
      [3, 15, 'good'],
    ],
  },
  {
    name: 'without a held value, only the move is stored',
    input: [s(0, 10), s(1, 15)],
    want: [
      [0, 10, 'good'],
      [1, 15, 'good'],
    ],
  },
  {
    name: 'the deadband is measured from the last stored value, not the last seen',
    input: [s(0, 10), s(1, 10.8), s(2, 11.6), s(3, 12.4)],
    want: [
      [0, 10, 'good'],
      [1, 10.8, 'good'],
      [2, 11.6, 'good'],
    ],
  },
  {
    name: 'a quality change is always stored, with the value held before it',
    input: [s(0, 10), s(1, 10.1), s(2, 10.1, 'bad', 'timeout'), s(3, 10.1, 'bad', 'timeout'), s(4, 10.1)],
    want: [
      [0, 10, 'good'],
      [1, 10.1, 'good'],
      [2, 10.1, 'bad'],
      [3, 10.1, 'bad'],
      [4, 10.1, 'good'],
    ],
  },
  {
    name: 'a new reason for bad quality is stored (after the last sample of the old one)',
    input: [s(0, 1, 'bad', 'timeout'), s(1, 1, 'bad', 'timeout'), s(2, 1, 'bad', 'refused')],
    want: [
      [0, 1, 'bad'],
      [1, 1, 'bad'],
      [2, 1, 'bad'],
    ],
  },
  {
    name: 'a flat value is still stored every maxIntervalMs',
    input: [s(0, 5), s(30, 5), s(59, 5), s(60, 5), s(90, 5), s(120, 5)],
    maxIntervalMs: 60,
    want: [
      [0, 5, 'good'],
      [60, 5, 'good'],
      [120, 5, 'good'],
    ],
  },
  {
    name: 'deadband 0 stores every change but not repeats',
    deadband: 0,
    input: [s(0, 1), s(1, 1), s(2, 2), s(3, 2)],
    want: [
      [0, 1, 'good'],
      [1, 1, 'good'],
      [2, 2, 'good'],
    ],
  },
  {
    name: 'null ↔ value is a change',
    input: [s(0, null), s(1, 3)],
    want: [
      [0, null, 'good'],
      [1, 3, 'good'],
    ],
  },
];

for (const c of cases) {
  test(`deadband: ${c.name}`, () => assert.deepEqual(run(c.input, c.deadband, c.maxIntervalMs), c.want));
}

test('deadband: tags without one pass through; drain returns what is held, once', () => {
  const filter = createDeadbandFilter({ deadbands: new Map([['l.t', 1]]) });
  const out: Sample[] = [];
  filter.accept({ tag: 'other', ts: 0, value: 1, quality: 'good' }, out);
  filter.accept({ tag: 'other', ts: 1, value: 1, quality: 'good' }, out);
  filter.accept(s(0, 10), out);
  filter.accept(s(1, 10.2), out);
  assert.equal(out.length, 3);
  assert.deepEqual(
    filter.drain().map((x) => [x.ts, x.value]),
    [[1, 10.2]],
  );
  assert.deepEqual(filter.drain(), []);
  assert.throws(() => createDeadbandFilter({ deadbands: new Map([['x', -1]]) }), RangeError);
});

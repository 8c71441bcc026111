import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createM4, m4, type PointColumns } from '../../server/history/downsample.ts';

const cols = (pairs: [number, number][]): PointColumns => ({
  t: Float64Array.from(pairs.map((p) => p[0])),
  v: Float64Array.from(pairs.map((p) => p[1])),
});
const pairs = (c: PointColumns): [number, number | null][] => Array.from(c.t, (t, i) => [t, Number.isNaN(c.v[i]!) ? null : c.v[i]!]);
const G = Number.NaN;

const cases: { name: string; input: [number, number][]; from: number; to: number; width: number; want: [number, number | null][] }[] = [
  { name: 'empty input gives nothing', input: [], from: 0, to: 100, width: 10, want: [] },
  {
    name: 'fewer points than buckets are all kept, unchanged',
    input: [
      [5, 1],
      [37, 2],
      [81, 3],
    ],
    from: 0,
    to: 100,
    width: 10,
    want: [
      [5, 1],
      [37, 2],
      [81, 3],
    ],
  },
  {
    name: 'one bucket keeps first, min, max and last, in time order',
    input: [
      [0, 5],
      [1, 9],
      [2, 1],
      [3, 4],
      [4, 6],
    ],
    from: 0,
    to: 10,
    width: 1,
    want: [
      [0, 5],
      [1, 9],
      [2, 1],
      [4, 6],
    ],
  },
  {
    name: 'a one-sample spike among a thousand flat points survives',
    input: Array.from({ length: 1000 }, (_, i): [number, number] => [i, i === 613 ? 99 : 10]),
    from: 0,
    to: 999,
    width: 4,
    want: [
      [0, 10],
      [249, 10],
      [250, 10],
      [499, 10],
      [500, 10],
      [613, 99],
      [749, 10],
      [750, 10],
      [999, 10],
    ],
  },
  {
    name: 'a negative spike survives too',
    input: [
      [0, 0],
      [1, 0],
      [2, -50],
      [3, 0],
      [4, 0],
    ],
    from: 0,
    to: 5,
    width: 1,
    want: [
      [0, 0],
      [2, -50],
      [4, 0],
    ],
  },
  {
    name: 'bucket edges: a point on an edge opens the next bucket; `to` is in the last bucket',
    input: [
      [0, 1],
      [10, 2],
      [20, 3],
      [30, 4],
    ],
    from: 0,
    to: 30,
    width: 3,
    want: [
      [0, 1],
      [10, 2],
      [20, 3],
      [30, 4],
    ],
  },
  {
    name: 'points outside [from, to] are ignored',
    input: [
      [-1, 100],
      [0, 1],
      [5, 2],
      [11, -100],
    ],
    from: 0,
    to: 10,
    width: 2,
    want: [
      [0, 1],
      [5, 2],
    ],
  },
  {
    name: 'a gap inside a bucket is kept as a break between the values around it',
    input: [
      [0, 1],
      [1, 2],
      [2, G],
      [3, 3],
      [4, 4],
    ],
    from: 0,
    to: 5,
    width: 1,
    want: [
      [0, 1],
      [2, null],
      [4, 4],
    ],
  },
  {
    name: 'a bucket with only gaps keeps its first one',
    input: [
      [0, 1],
      [10, G],
      [12, G],
      [14, G],
      [20, 2],
    ],
    from: 0,
    to: 30,
    width: 3,
    want: [
      [0, 1],
      [10, null],
      [20, 2],
    ],
  },
  {
    name: 'ties keep the earliest point',
    input: [
      [0, 3],
      [1, 7],
      [2, 7],
      [3, 3],
    ],
    from: 0,
    to: 4,
    width: 1,
    want: [
      [0, 3],
      [1, 7],
      [3, 3],
    ],
  },
  {
    name: 'order of adds does not matter',
    input: [
      [4, 6],
      [2, 1],
      [0, 5],
      [3, 4],
      [1, 9],
    ],
    from: 0,
    to: 10,
    width: 1,
    want: [
      [0, 5],
      [1, 9],
      [2, 1],
      [4, 6],
    ],
  },
];

for (const c of cases) {
  test(`m4: ${c.name}`, () => {
    assert.deepEqual(pairs(m4(cols(c.input), c.from, c.to, c.width)), c.want);
  });
}

test('m4: at most 4 points per bucket without gaps, 5 with; times ascend', () => {
  const n = 100_000;
  const t = Float64Array.from({ length: n }, (_, i) => i * 7);
  const v = Float64Array.from({ length: n }, (_, i) => (i % 997 === 0 ? G : Math.sin(i / 13) * 100 + (i % 31)));
  for (const width of [1, 7, 100, 1000]) {
    const out = m4({ t, v }, 0, (n - 1) * 7, width);
    assert.ok(out.t.length <= 5 * width, `width ${width}: ${out.t.length}`);
    for (let i = 1; i < out.t.length; i++) assert.ok(out.t[i]! > out.t[i - 1]!, 'strictly ascending');
    const noGaps = m4({ t, v: v.map((x) => (Number.isNaN(x) ? 0 : x)) }, 0, (n - 1) * 7, width);
    assert.ok(noGaps.t.length <= 4 * width);
  }
});

test('m4: global min and max of the input are always kept', () => {
  const n = 50_000;
  const t = Float64Array.from({ length: n }, (_, i) => i);
  const v = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 100) + (i === 31_337 ? 1e6 : 0) - (i === 7 ? 1e6 : 0));
  const out = m4({ t, v }, 0, n - 1, 300);
  assert.equal(Math.max(...out.v), Math.max(...v));
  assert.equal(Math.min(...out.v), Math.min(...v));
});

test('createM4: refuses an empty range or a bad width; counts what it took', () => {
  assert.throws(() => createM4(10, 10, 5), RangeError);
  assert.throws(() => createM4(0, 10, 0), RangeError);
  assert.throws(() => createM4(0, 10, 1.5), RangeError);
  const acc = createM4(0, 10, 2);
  acc.add(-5, 1);
  acc.add(3, 1);
  acc.add(4, G);
  assert.equal(acc.added, 2);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analogScale, nearestLimit, pointerAt, scaleWords, zoneOf } from '../../lib/client/analog-scale.ts';

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

test('analogScale: the span each kind of tag gets (or none)', () => {
  const cases: [string, Parameters<typeof analogScale>, [number, number] | null][] = [
    // Both sides: outermost limits widened by a quarter of their distance each side.
    ['lo/hi/hihi (zone 1)', [{ lo: 170, hi: 200, hihi: 210 }], [160, 220]],
    ['lo/hi narrow (diameter)', [{ lo: 62.4, hi: 63.6 }], [62.1, 63.9]],
    // Never below 0 when every limit is ≥ 0 (a level).
    ['lolo/lo/hi (tank level)', [{ lolo: 8, lo: 15, hi: 95 }], [0, 116.75]],
    ['negative limits keep their pad', [{ lo: -20, hi: 20 }], [-30, 30]],
    // High only: from 0 to the outermost limit plus a tenth.
    ['hi/hihi (melt temperature)', [{ hi: 230, hihi: 240 }], [0, 264]],
    ['hi only (motor current)', [{ hi: 108 }], [0, 118.8]],
    // Low only: from 0 to twice the inner low limit.
    ['lolo/lo (CO2 pressure)', [{ lolo: 4.5, lo: 5 }], [0, 10]],
    // Nothing sensible to draw.
    ['no limits', [undefined], null],
    ['empty limits', [{}], null],
    ['hi at or below 0', [{ hi: -300 }], null],
    ['lo at 0', [{ lo: 0 }], null],
    ['not a number', [{ hi: Number.NaN }], null],
    ['limits in the wrong order', [{ lo: 10, hi: 5 }], null],
  ];
  for (const [name, args, span] of cases) {
    const s = analogScale(...args);
    if (span === null) {
      assert.equal(s, null, name);
      continue;
    }
    assert.ok(s, name);
    close(s.min, span[0], `${name} min`);
    close(s.max, span[1], `${name} max`);
  }
});

test('analogScale: normal band inside the inner limits, marks left to right', () => {
  const s = analogScale({ hihi: 210, hi: 200, lo: 170 })!;
  assert.deepEqual(
    s.marks.map((m) => [m.kind, m.value]),
    [
      ['lo', 170],
      ['hi', 200],
      ['hihi', 210],
    ],
  );
  // 160 … 220: 170 at 1/6, 200 at 2/3, 210 at 5/6.
  close(s.marks[0]!.at, 1 / 6, 'lo');
  close(s.marks[1]!.at, 2 / 3, 'hi');
  close(s.marks[2]!.at, 5 / 6, 'hihi');
  assert.equal(s.normal.from, 170);
  assert.equal(s.normal.to, 200);
  close(s.normal.fromAt, 1 / 6, 'band from');
  close(s.normal.toAt, 2 / 3, 'band to');
  // High only: the band runs from the scale's start.
  const h = analogScale({ hi: 8, hihi: 9 })!;
  assert.equal(h.normal.from, 0);
  assert.equal(h.normal.fromAt, 0);
});

test('pointerAt: a fraction of the track, pinned at the ends off the scale', () => {
  const s = analogScale({ lo: 170, hi: 200, hihi: 210 })!;
  assert.deepEqual(pointerAt(s, 190), { at: 0.5, off: null });
  assert.deepEqual(pointerAt(s, 160), { at: 0, off: null });
  assert.deepEqual(pointerAt(s, 220), { at: 1, off: null });
  assert.deepEqual(pointerAt(s, 150), { at: 0, off: 'below' });
  assert.deepEqual(pointerAt(s, 400), { at: 1, off: 'above' });
});

test('nearestLimit: the outermost limit passed, else the nearest', () => {
  const s = analogScale({ lolo: 8, lo: 15, hi: 95 })!;
  const near = (v: number) => {
    const n = nearestLimit(s, v)!;
    return [n.mark.kind, n.passed];
  };
  assert.deepEqual(near(40), ['lo', false]);
  assert.deepEqual(near(80), ['hi', false]);
  assert.deepEqual(near(95), ['hi', true]); // active at value ≥ limit
  assert.deepEqual(near(12), ['lo', true]);
  assert.deepEqual(near(8), ['lolo', true]);
  assert.deepEqual(near(2), ['lolo', true]);
});

test('zoneOf: from a limit outwards to the next limit further out, else the end', () => {
  const s = analogScale({ lolo: 8, lo: 15, hi: 95 })!; // 0 … 116.75
  const at = (v: number) => v / 116.75;
  const z = (k: Parameters<typeof zoneOf>[1]) => zoneOf(s, k);
  close(z('hi')!.fromAt, at(95), 'hi from');
  assert.equal(z('hi')!.toAt, 1);
  close(z('lo')!.fromAt, at(8), 'lo from (up to lolo)');
  close(z('lo')!.toAt, at(15), 'lo to');
  assert.equal(z('lolo')!.fromAt, 0);
  close(z('lolo')!.toAt, at(8), 'lolo to');
  assert.equal(z('hihi'), null);
  const t = analogScale({ hi: 200, hihi: 210, lo: 170 })!;
  close(zoneOf(t, 'hi')!.toAt, 5 / 6, 'hi up to hihi');
  assert.equal(zoneOf(t, 'hihi')!.toAt, 1);
});

test('scaleWords: value, the limit that matters and the normal range, as a screen reader says them', () => {
  const s = analogScale({ lo: 170, hi: 200, hihi: 210 })!;
  const fmt = (n: number) => n.toFixed(1);
  const normal = 'normal 170.0 to 200.0 °C';
  assert.equal(scaleWords(s, 180.25, fmt, '°C'), `180.3 °C, low limit 170.0 °C; ${normal}`);
  assert.equal(scaleWords(s, 196, fmt, '°C'), `196.0 °C, high limit 200.0 °C; ${normal}`);
  assert.equal(scaleWords(s, 203, fmt, '°C'), `203.0 °C, above high limit 200.0 °C; ${normal}`);
  assert.equal(scaleWords(s, 215, fmt, '°C'), `215.0 °C, above high-high limit 210.0 °C; ${normal}`);
  assert.equal(scaleWords(s, 165, fmt, '°C'), `165.0 °C, below low limit 170.0 °C; ${normal}`);
  assert.equal(scaleWords(s, null, fmt, '°C'), `no value; ${normal}`);
  assert.equal(scaleWords(s, 185, fmt, ''), '185.0, low limit 170.0; normal 170.0 to 200.0');
  // One-sided: the normal range is open on the other side.
  assert.equal(scaleWords(analogScale({ hi: 230, hihi: 240 })!, 212, fmt, '°C'), '212.0 °C, high limit 230.0 °C; normal up to 230.0 °C');
  assert.equal(scaleWords(analogScale({ lolo: 4.5, lo: 5 })!, 5.8, fmt, 'bar'), '5.8 bar, low limit 5.0 bar; normal from 5.0 bar');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, bounded, nextSlot, scanSlot, sleep } from '../../server/poller/timing.ts';

test('nextSlot: one period later, or the first grid slot after an overrun', () => {
  const cases: [due: number, period: number, now: number, next: number, skipped: number][] = [
    [0, 100, 5, 100, 0], // read took 5 ms
    [0, 100, 99.9, 100, 0],
    [0, 100, 100, 200, 1], // exactly at the next slot: that slot is gone
    [0, 100, 150, 200, 1], // overran one slot
    [0, 100, 420, 500, 4], // overran four: skipped, not queued
    [1000, 250, 1001, 1250, 0],
  ];
  for (const [due, period, now, next, skipped] of cases) {
    assert.deepEqual(nextSlot(due, period, now), { due: next, skipped }, `due ${due} period ${period} now ${now}`);
  }
});

test('backoffDelay doubles from min to max, with half of it jittered', () => {
  const table: [attempt: number, low: number, high: number][] = [
    [0, 125, 250],
    [1, 250, 500],
    [2, 500, 1000],
    [5, 4000, 8000],
    [6, 5000, 10_000],
    [100, 5000, 10_000],
  ];
  for (const [attempt, low, high] of table) {
    assert.equal(backoffDelay(attempt, 250, 10_000, 0), low, `attempt ${attempt} low`);
    assert.equal(backoffDelay(attempt, 250, 10_000, 1), high, `attempt ${attempt} high`);
    const d = backoffDelay(attempt, 250, 10_000);
    assert.ok(d >= low && d <= high);
  }
});

test('sleep runs its course, or stops early on any signal and leaves no listener', async () => {
  assert.equal(await sleep(5), true);
  const a = new AbortController();
  const b = new AbortController();
  const started = performance.now();
  setTimeout(() => b.abort(), 20);
  assert.equal(await sleep(10_000, a.signal, b.signal), false);
  assert.ok(performance.now() - started < 1000);
  assert.equal(await sleep(10, b.signal), false, 'already aborted');
  const c = new AbortController();
  let added = 0;
  let removed = 0;
  const add = c.signal.addEventListener.bind(c.signal);
  const remove = c.signal.removeEventListener.bind(c.signal);
  c.signal.addEventListener = ((...args: Parameters<typeof add>) => (added++, add(...args))) as typeof add;
  c.signal.removeEventListener = ((...args: Parameters<typeof remove>) => (removed++, remove(...args))) as typeof remove;
  await sleep(1, c.signal);
  assert.equal(added, removed);
});

test('sleep(Infinity) waits until interrupted (no 1 ms overflow)', async () => {
  const a = new AbortController();
  let done = false;
  const p = sleep(Infinity, a.signal).then((full) => ((done = true), full));
  await sleep(30);
  assert.equal(done, false);
  a.abort();
  assert.equal(await p, false);
});

test('bounded: value, error, timeout on a promise that never settles, interruption', async () => {
  assert.deepEqual(await bounded(Promise.resolve(7), 100), { ok: true, value: 7 });
  const error = new Error('boom');
  assert.deepEqual(await bounded(Promise.reject(error), 100), { ok: false, error });
  const never = new Promise<number>(() => {});
  const started = performance.now();
  assert.deepEqual(await bounded(never, 30), { ok: false, timedOut: true });
  assert.ok(performance.now() - started < 500);
  const a = new AbortController();
  setTimeout(() => a.abort(), 10);
  const r = await bounded(never, 10_000, a.signal);
  assert.equal(r.ok, false);
  assert.equal('interrupted' in r && r.interrupted, a.signal);
});

test('bounded swallows a rejection that arrives after the timeout', async () => {
  let unhandled = 0;
  const onUnhandled = () => unhandled++;
  process.on('unhandledRejection', onUnhandled);
  try {
    const late = new Promise<void>((_, reject) => setTimeout(() => reject(new Error('late')), 20));
    assert.deepEqual(await bounded(late, 5), { ok: false, timedOut: true });
    await sleep(40);
    assert.equal(unhandled, 0);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('scanSlot: the next slot of the wall-clock grid shifted by the phase, in performance.now() terms', () => {
  // [timeOrigin, now, period, phase, expected slot]
  const cases: [number, number, number, number, number][] = [
    [1_000_000, 0, 100, 0, 0], // exactly on the grid
    [1_000_000, 1, 100, 0, 100],
    [1_000_050, 0, 100, 0, 50],
    [1_000_050, 49.5, 100, 0, 50],
    [1_000_050.25, 10, 1000, 0, 949.75],
    [1_000_000, 0, 100, 0.5, 50],
    [1_000_000, 60, 100, 0.5, 150],
    [1_000_070, 0, 100, 0.25, 55],
  ];
  for (const [origin, now, period, phase, expected] of cases) {
    const slot = scanSlot(now, period, phase, origin);
    assert.ok(Math.abs(slot - expected) < 1e-6, `origin ${origin} now ${now} period ${period} phase ${phase}: ${slot}`);
    assert.ok(slot >= now && slot - now < period);
  }
});

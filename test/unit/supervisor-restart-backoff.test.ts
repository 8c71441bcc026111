import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restartDelay } from '../../server/supervisor/restart-backoff.ts';

const mid = () => 0.5; // no jitter
const low = () => 0; // -20 %
const high = () => 0.999999; // ~+20 %

test('doubles from the initial delay and caps before jitter', () => {
  const policy = { maxRestarts: 10, initialDelayMs: 100, maxDelayMs: 1000 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((n) => restartDelay(n, policy, mid)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.equal(restartDelay(1000, policy, mid), 1000, 'huge attempt counts stay finite');
});

test('jitter stays within ±20 %', () => {
  const policy = { maxRestarts: 10, initialDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(restartDelay(1, policy, low), 160);
  assert.equal(restartDelay(1, policy, high), 240);
  assert.equal(restartDelay(5, policy, high), 1200);
  for (let i = 0; i < 200; i++) {
    const d = restartDelay(2, policy);
    assert.ok(d >= 320 && d <= 480, String(d));
  }
});

test('defaults: 250 ms initial, 10 s cap', () => {
  assert.equal(restartDelay(0, { maxRestarts: 1 }, mid), 250);
  assert.equal(restartDelay(10, { maxRestarts: 1 }, mid), 10_000);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLoginThrottle } from '../../server/auth/login-throttle.ts';

test('up to maxFailures pass, then each attempt waits a doubling delay', () => {
  const t = createLoginThrottle({ maxFailures: 3, windowMs: 60_000, baseDelayMs: 1000, maxDelayMs: 8000 });
  for (let i = 0; i < 3; i++) {
    assert.equal(t.retryAfterMs('u', 100 * i), 0);
    t.fail('u', 100 * i);
  }
  assert.equal(t.retryAfterMs('u', 200), 1000, 'first delay after the limit');
  t.fail('u', 1200);
  assert.equal(t.retryAfterMs('u', 1200), 2000, 'doubles');
  t.fail('u', 3200);
  t.fail('u', 7200);
  t.fail('u', 15_200);
  assert.equal(t.retryAfterMs('u', 15_200), 8000, 'capped');
  assert.equal(t.retryAfterMs('other', 15_200), 0, 'per key');
});

test('failures age out of the window; success clears the key', () => {
  const t = createLoginThrottle({ maxFailures: 2, windowMs: 10_000 });
  t.fail('k', 0);
  t.fail('k', 1);
  assert.ok(t.retryAfterMs('k', 2) > 0);
  assert.equal(t.retryAfterMs('k', 10_002), 0, 'window passed');
  t.fail('k', 20_000);
  t.fail('k', 20_001);
  t.succeed('k');
  assert.equal(t.retryAfterMs('k', 20_002), 0);
});

test('release takes back one failure counted in advance', () => {
  const t = createLoginThrottle({ maxFailures: 2, windowMs: 10_000 });
  t.fail('k', 0);
  t.fail('k', 5);
  assert.ok(t.retryAfterMs('k', 6) > 0);
  t.release('k', 5);
  assert.equal(t.retryAfterMs('k', 6), 0, 'one failure left');
  t.release('k', 99);
  t.fail('k', 7);
  assert.ok(t.retryAfterMs('k', 8) > 0, 'an unknown time releases nothing');
});

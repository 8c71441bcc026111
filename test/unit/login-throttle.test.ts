import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFailureCounter } from '../../server/auth/failure-counter.ts';
import { createLoginThrottle, type LoginVerdict } from '../../server/auth/login-throttle.ts';
import { createRefusalTally } from '../../server/auth/refusal-tally.ts';

test('failure counter: up to maxFailures pass, then each attempt waits a doubling delay', () => {
  const c = createFailureCounter({ maxFailures: 3, windowMs: 60_000, baseDelayMs: 1000, maxDelayMs: 8000 });
  for (let i = 0; i < 3; i++) {
    assert.equal(c.retryAfterMs('u', 100 * i), 0);
    c.fail('u', 100 * i);
  }
  assert.equal(c.retryAfterMs('u', 200), 1000, 'first delay after the limit');
  c.fail('u', 1200);
  assert.equal(c.retryAfterMs('u', 1200), 2000, 'doubles');
  c.fail('u', 3200);
  c.fail('u', 7200);
  c.fail('u', 15_200);
  assert.equal(c.retryAfterMs('u', 15_200), 8000, 'capped');
  assert.equal(c.retryAfterMs('other', 15_200), 0, 'per key');
  assert.equal(c.count('u', 15_200), 7);
});

test('failure counter: failures age out of the window; clear forgets a key; release takes back one', () => {
  const c = createFailureCounter({ maxFailures: 2, windowMs: 10_000 });
  c.fail('k', 0);
  c.fail('k', 1);
  assert.ok(c.retryAfterMs('k', 2) > 0);
  assert.equal(c.retryAfterMs('k', 10_002), 0, 'window passed');
  assert.equal(c.count('k', 10_002), 0);
  c.fail('k', 20_000);
  c.fail('k', 20_001);
  c.clear('k');
  assert.equal(c.retryAfterMs('k', 20_002), 0);
  c.fail('k', 30_000);
  c.fail('k', 30_005);
  c.release('k', 30_005);
  assert.equal(c.retryAfterMs('k', 30_006), 0, 'one failure left');
  c.release('k', 99);
  c.fail('k', 30_007);
  assert.ok(c.retryAfterMs('k', 30_008) > 0, 'an unknown time releases nothing');
});

test('failure counter: memory stays bounded under a flood of new keys, the latest kept', () => {
  const c = createFailureCounter({ maxFailures: 1, maxKeys: 1000 });
  for (let i = 0; i < 5000; i++) c.fail(`k${i}`, i);
  assert.equal(c.count('k4999', 5000), 1);
  assert.equal(c.count('k0', 5000), 0);
});

/** One attempt after another, each at its time: `[account, ip, at]` → the verdict, or what the previous left. */
type Step = [account: string, ip: string, at: number, want: 'ok' | 'slowed' | `refused:${string}`, succeed?: boolean];

const table: { name: string; steps: Step[] }[] = [
  {
    name: 'an attacker hammering an account never keeps the right password out from an address that has not failed',
    steps: [
      ['admin', 'evil', 0, 'ok'],
      ['admin', 'evil', 1, 'ok'],
      ['admin', 'evil', 2, 'ok'],
      ['admin', 'evil', 3, 'refused:account-ip'],
      // The delay ran out: the attacker fails again, keeping the account under attack.
      ['admin', 'evil', 1003, 'slowed'],
      ['admin', 'evil', 1004, 'refused:account-ip'],
      ['admin', 'desk', 1005, 'slowed', true],
      ['ADMIN', 'desk', 1006, 'slowed', true],
      ['admin', 'evil', 1007, 'refused:account-ip'],
    ],
  },
  {
    name: 'per account × address: failures hold that pair, not the address for other accounts',
    steps: [
      ['ann', 'a', 0, 'ok'],
      ['ann', 'a', 1, 'ok'],
      ['ann', 'a', 2, 'ok'],
      ['ann', 'a', 3, 'refused:account-ip'],
      ['bob', 'a', 4, 'ok'],
      ['ann', 'b', 5, 'slowed', true],
    ],
  },
  {
    name: 'per address: twice the limit across accounts holds the address',
    steps: [
      ['x1', 'scan', 0, 'ok'],
      ['x2', 'scan', 1, 'ok'],
      ['x3', 'scan', 2, 'ok'],
      ['x4', 'scan', 3, 'ok'],
      ['x5', 'scan', 4, 'ok'],
      ['x6', 'scan', 5, 'ok'],
      ['ann', 'scan', 6, 'refused:ip'],
      ['ann', 'other', 7, 'ok'],
    ],
  },
  {
    name: 'an account under attack: an address that already failed against it waits the account delay; a fresh one is slowed only',
    steps: [
      ['ann', 'a1', 0, 'ok'],
      ['ann', 'a2', 1, 'ok'],
      ['ann', 'a3', 2, 'ok'],
      ['ann', 'a1', 3, 'refused:account'],
      ['ann', 'a4', 4, 'slowed'],
      ['ann', 'a4', 5, 'refused:account'],
      ['ann', 'a5', 6, 'slowed', true],
      // 4 failures: the account delay is 2 s from the last.
      ['ann', 'a1', 2003, 'refused:account'],
      ['ann', 'a1', 2005, 'slowed'],
    ],
  },
  {
    name: 'the right password forgets what its own address did against the account, nothing else',
    steps: [
      ['ann', 'a', 0, 'ok'],
      ['ann', 'a', 1, 'ok', true],
      ['ann', 'a', 2, 'ok'],
      ['ann', 'a', 3, 'ok'],
      ['ann', 'a', 4, 'ok'],
      ['ann', 'a', 5, 'refused:account-ip'],
    ],
  },
];

for (const { name, steps } of table) {
  test(`login throttle: ${name}`, () => {
    const t = createLoginThrottle({ maxFailures: 3, windowMs: 60_000, baseDelayMs: 1000, hotAccountWaitMs: 500 });
    for (const [i, [account, ip, at, want, succeed]] of steps.entries()) {
      const v: LoginVerdict = t.attempt(account, ip, at);
      const got = v.ok ? (v.waitMs > 0 ? 'slowed' : 'ok') : `refused:${v.limit}`;
      assert.equal(got, want, `step ${i}: ${account} from ${ip} at ${at}`);
      if (v.ok && v.waitMs > 0) assert.equal(v.waitMs, 500);
      if (!v.ok) assert.ok(v.retryAfterMs > 0);
      if (v.ok && succeed) t.succeeded(v.ticket);
    }
  });
}

test('login throttle: parallel attempts are counted as they are admitted, so N at once cannot all pass', () => {
  const t = createLoginThrottle({ maxFailures: 3 });
  const verdicts = Array.from({ length: 10 }, () => t.attempt('admin', 'p', 0).ok);
  assert.deepEqual(verdicts, [true, true, true, ...Array(7).fill(false)]);
});

test('refusal tally: one summary per account × address and period; per address for the address limit', () => {
  const r = createRefusalTally({ periodMs: 1000 });
  assert.equal(r.note('ann', 'a', 'account-ip', 0), true, 'opens a period');
  for (let i = 1; i < 500; i++) assert.equal(r.note('Ann', 'a', 'account-ip', i), false);
  r.note('bob', 'a', 'account-ip', 10);
  for (let i = 0; i < 300; i++) r.note(`user-${i}`, 'scan', 'ip', 20 + i);
  assert.deepEqual(r.take(999), [], 'no period has ended');
  const due = r.take(1320);
  assert.deepEqual(
    due.map((s) => [s.username, s.ip, s.limit, s.count, s.accounts, s.first, s.last]),
    [
      ['ann', 'a', 'account-ip', 500, 1, 0, 499],
      ['bob', 'a', 'account-ip', 1, 1, 10, 10],
      [null, 'scan', 'ip', 300, 300, 20, 319],
    ],
  );
  assert.deepEqual(r.take(5000), [], 'taken once');
  r.note('ann', 'a', 'account', 6000);
  assert.equal(r.take(6001).length, 0);
  assert.equal(r.take(6001, true).length, 1, 'all, at shutdown');
});

test('refusal tally: full once it holds maxKeys tallies', () => {
  const r = createRefusalTally({ maxKeys: 3 });
  for (const ip of ['a', 'b']) r.note('ann', ip, 'account-ip', 0);
  assert.equal(r.full(), false);
  r.note('ann', 'c', 'account-ip', 0);
  assert.equal(r.full(), true);
});

test('login throttle: a refused attempt counts from its refusal, so a slow password check does not eat the delay', () => {
  const throttle = createLoginThrottle({ maxFailures: 3, baseDelayMs: 1000 });
  let at = 0;
  for (let i = 0; i < 3; i++) {
    const admitted = throttle.attempt('operator', '10.0.0.1', at);
    assert.ok(admitted.ok);
    // The check took 1.5 s (a loaded server): the refusal comes then.
    at += 1500;
    throttle.failed(admitted.ticket, at);
  }
  const next = throttle.attempt('operator', '10.0.0.1', at + 10);
  assert.equal(next.ok, false, 'the right password too waits after the third refusal');
  assert.ok(!next.ok && next.retryAfterMs > 900, `retry after ${!next.ok && next.retryAfterMs} ms`);
});

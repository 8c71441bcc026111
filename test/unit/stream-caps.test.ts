import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOpenRate, streamRefusal, type StreamOwner } from '../../server/live/stream-caps.ts';

const caps = { perSession: 2, perUser: 3, perIp: 4, opensPerMinute: 60 };
const o = (session: string, userId: number, ip: string): StreamOwner => ({ session, userId, ip });

test('streamRefusal: per sign-in, then per user, then per address', () => {
  const cases: [string, StreamOwner[], StreamOwner, RegExp | null][] = [
    ['nothing open', [], o('s1', 1, 'a'), null],
    ['one below the session cap', [o('s1', 1, 'a')], o('s1', 1, 'a'), null],
    ['session cap reached', [o('s1', 1, 'a'), o('s1', 1, 'a')], o('s1', 1, 'a'), /2 live streams per sign-in/],
    ['another session of the same user', [o('s1', 1, 'a'), o('s1', 1, 'a')], o('s2', 1, 'b'), null],
    ['user cap reached over sessions', [o('s1', 1, 'a'), o('s2', 1, 'b'), o('s3', 1, 'c')], o('s4', 1, 'd'), /3 live streams per user/],
    [
      'address cap reached over users',
      [o('s1', 1, 'a'), o('s2', 2, 'a'), o('s3', 3, 'a'), o('s4', 4, 'a')],
      o('s5', 5, 'a'),
      /4 live streams from one address/,
    ],
    ['others do not count', [o('s1', 1, 'a'), o('s1', 1, 'a'), o('s2', 2, 'b')], o('s3', 3, 'c'), null],
  ];
  for (const [name, open, owner, expected] of cases) {
    const refusal = streamRefusal(open, owner, caps);
    if (expected === null) assert.equal(refusal, null, name);
    else assert.match(refusal ?? '', expected, name);
  }
});

test('createOpenRate: a burst of twice the per-user cap, then opensPerMinute, per user', () => {
  const opens = createOpenRate(caps);
  const t0 = 1_000_000;
  for (let i = 0; i < 6; i++) assert.equal(opens.take(1, t0), null, `open ${i + 1} of the burst`);
  assert.match(opens.take(1, t0) ?? '', /at most 60 live streams opened a minute per user/);
  assert.equal(opens.take(2, t0), null, 'another user has a bucket of their own');
  assert.notEqual(opens.take(1, t0 + 999), null, 'not quite one token back after 999 ms at 60 a minute');
  assert.equal(opens.take(1, t0 + 1000), null, 'one more after a second');
  assert.notEqual(opens.take(1, t0 + 1000), null);
  assert.equal(opens.take(1, t0 + 60 * 60_000), null, 'refilled after an hour…');
  for (let i = 0; i < 5; i++) assert.equal(opens.take(1, t0 + 60 * 60_000), null);
  assert.notEqual(opens.take(1, t0 + 60 * 60_000), null, '…to the burst, not beyond');
});

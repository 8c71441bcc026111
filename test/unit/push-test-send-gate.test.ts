import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admitTestSend, createTestSendGate } from '../../server/push/test-send-gate.ts';

const o = { perWindow: 3, windowMs: 60_000 };

test('test sends: at most `perWindow` in a sliding window; the wait is until the oldest counted one leaves it', () => {
  const table: [string, number[], number, { ok: true; times: number[] } | { ok: false; retryAfterMs: number }][] = [
    ['first', [], 1000, { ok: true, times: [1000] }],
    ['third', [0, 10], 20, { ok: true, times: [0, 10, 20] }],
    ['fourth within the window', [0, 10, 20], 30, { ok: false, retryAfterMs: 59_970 }],
    ['the oldest has left', [0, 10, 20], 60_000, { ok: true, times: [10, 20, 60_000] }],
    ['old ones are forgotten', [0, 1, 2, 3, 4], 200_000, { ok: true, times: [200_000] }],
  ];
  for (const [name, times, now, expected] of table) assert.deepEqual(admitTestSend(times, now, o), expected, name);
});

test('test send gate: one at a time per user, then the rate; LimitError (429) with a message that says why', async () => {
  let now = 0;
  const gate = createTestSendGate(o, () => now);
  let release: () => void = () => undefined;
  const first = gate.run(1, () => new Promise<string>((resolve) => (release = () => resolve('sent'))));
  await assert.rejects(
    gate.run(1, async () => 'again'),
    (e: Error & { status?: number; code?: string }) => e.status === 429 && /still on its way/.test(e.message),
  );
  assert.equal(await gate.run(2, async () => 'other user'), 'other user', 'users are apart');
  release();
  assert.equal(await first, 'sent');
  assert.equal(await gate.run(1, async () => 'second'), 'second');
  await assert.rejects(
    gate.run(1, async () => {
      throw new Error('push failed');
    }),
    /push failed/,
  );
  await assert.rejects(
    gate.run(1, async () => 'fourth'),
    (e: Error & { status?: number }) => e.status === 429 && /at most 3 test notifications per 60 s: try again in 60 s/.test(e.message),
  );
  now = 60_000;
  assert.equal(await gate.run(1, async () => 'later'), 'later');
});

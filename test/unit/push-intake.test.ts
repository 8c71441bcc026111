import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { FloodSummaryPush } from '../../lib/push/push-types.ts';
import type { FloodOptions } from '../../server/push/flood-gate.ts';
import type { PushJob } from '../../server/push/delivery-queue.ts';
import { createPushIntake } from '../../server/push/push-intake.ts';
import type { Recipient } from '../../server/push/push-subscriptions.ts';
import type { PushSubscriptionRecord } from '../../server/storage/store.ts';
import { alarmEvent } from '../helpers/push-service.ts';

/**
 * Alarm events to pushes, with flood control. Timers are node:test's mock timers and the
 * clock is the test's own, so each test says exactly when a timer fires and what the clock
 * reads then — including the clock lagging the timer, as Date.now() does now and then.
 */

const device = (id: number, prefs: Partial<Pick<PushSubscriptionRecord, 'lines' | 'minPriority'>> = {}): PushSubscriptionRecord => ({
  id,
  userId: 1,
  endpoint: `https://push.example.com/${id}`,
  p256dh: 'p',
  auth: 'a',
  lines: prefs.lines ?? null,
  minPriority: prefs.minPriority ?? 'low',
  userAgent: 'test',
  createdAt: 0,
  updatedAt: 0,
  lastSuccessAt: null,
  lastError: null,
  session: null,
});

function setup(t: TestContext, flood: FloodOptions, recipients: Recipient[] = [{ sub: device(1), canAck: true }]) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const clock = { now: 1_000_000 };
  const jobs: PushJob[] = [];
  const subs = new Map(recipients.map((r) => [r.sub.id, r.sub]));
  const intake = createPushIntake(
    {
      subscriptions: { size: () => subs.size, get: (id) => subs.get(id), audience: async () => recipients.filter((r) => subs.has(r.sub.id)) },
      enqueue: (job) => jobs.push(job),
      lineName: (line) => `Line ${line}`,
      now: () => clock.now,
    },
    flood,
  );
  /** setImmediate stays real: the intake's batch runs on it. */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  const raise = (i: number, overrides: Parameters<typeof alarmEvent>[0] = {}) =>
    intake.take(alarmEvent({ id: `filling.tag${i}.hi`, message: `Alarm ${i}`, priority: 'medium', ...overrides }));
  const summaries = () => jobs.filter((j) => j.payload.kind === 'summary').map((j) => j.payload as FloodSummaryPush);
  return { intake, clock, jobs, subs, settle, raise, summaries };
}

const flood: FloodOptions = { windowMs: 60_000, burst: 3, summaryDelayMs: 150 };

test('the flood summary goes out when its timer fires, even if the clock reads 1 ms short of its due time', async (t) => {
  const { clock, jobs, settle, raise, summaries } = setup(t, flood);
  for (let i = 0; i < 12; i++) raise(i, { priority: i === 5 ? 'critical' : 'medium' });
  await settle();
  assert.deepEqual(
    jobs.map((j) => j.payload.kind),
    ['alarm', 'alarm', 'alarm'],
    'three one by one, nine held',
  );
  // Node timers and Date.now() round differently: the timer for `summaryAt - now` may run
  // while the clock still says summaryAt - 1. That summary used to be lost for good.
  clock.now += 149;
  t.mock.timers.tick(150);
  const [summary] = summaries();
  assert.ok(summary, 'the summary was sent');
  assert.equal(summary.count, 12);
  assert.equal(summary.priority, 'critical');
  assert.equal(summary.newest[0]!.message, 'Alarm 11');
  assert.equal(summary.ts, 1_000_150, 'stamped with its due time, not the lagging clock');
  assert.equal(jobs.at(-1)!.urgency, 'high');
  assert.equal(jobs.at(-1)!.rank, 0, 'queued at the priority of the highest alarm in it');
});

test('a flood summary waits for its timer; one per summaryDelayMs while the flood goes on', async (t) => {
  const { clock, settle, raise, summaries } = setup(t, flood);
  for (let i = 0; i < 5; i++) raise(i);
  await settle();
  t.mock.timers.tick(149);
  assert.equal(summaries().length, 0, 'not before summaryDelayMs');
  clock.now += 150;
  t.mock.timers.tick(1);
  assert.deepEqual(
    summaries().map((s) => s.count),
    [5],
  );
  clock.now += 1000;
  raise(5);
  raise(6);
  await settle();
  clock.now += 150;
  t.mock.timers.tick(150);
  assert.deepEqual(
    summaries().map((s) => s.count),
    [5, 7],
    'the next summary counts the whole flood',
  );
});

test('a summary timer that fires before a later due time (a new flood began) is set again, not lost', async (t) => {
  // A window shorter than the summary delay: the flood ends while its summary waits, and the
  // next flood's held alarm is due later than the timer already set for this device and line.
  const { clock, settle, raise, summaries } = setup(t, { windowMs: 100, burst: 1, summaryDelayMs: 300 });
  raise(0);
  raise(1);
  await settle();
  clock.now += 200;
  raise(2);
  raise(3);
  await settle();
  clock.now += 100;
  t.mock.timers.tick(300);
  assert.equal(summaries().length, 0, 'the new flood’s summary is not due yet');
  clock.now += 200;
  t.mock.timers.tick(200);
  assert.deepEqual(
    summaries().map((s) => s.ts),
    [1_000_500],
    'sent once, when the new flood’s summary was due',
  );
});

test('only devices that want the alarm get it; each device and line has its own flood gate', async (t) => {
  const recipients: Recipient[] = [
    { sub: device(1), canAck: true },
    { sub: device(2, { lines: ['packaging'] }), canAck: true },
    { sub: device(3, { minPriority: 'critical' }), canAck: false },
    { sub: device(4, { lines: ['filling'], minPriority: 'high' }), canAck: false },
  ];
  const { jobs, settle, raise } = setup(t, { ...flood, burst: 1 }, recipients);
  raise(0, { priority: 'high' });
  raise(1, { priority: 'high', line: 'packaging' });
  raise(2, { priority: 'critical' });
  raise(3, { transition: 'acknowledged' });
  await settle();
  const got = jobs.map((j) => `${j.sub.id}:${j.payload.kind === 'alarm' ? `${j.payload.id}${j.payload.canAck ? '+ack' : ''}` : j.payload.kind}`);
  assert.deepEqual(got, ['1:filling.tag0.hi+ack', '4:filling.tag0.hi', '1:filling.tag1.hi+ack', '2:filling.tag1.hi+ack', '3:filling.tag2.hi']);
});

test('a forgotten device gets no summary; stop() cancels the rest and counts what they held', async (t) => {
  const recipients: Recipient[] = [
    { sub: device(1), canAck: true },
    { sub: device(2), canAck: true },
  ];
  const { intake, clock, settle, raise, summaries, subs } = setup(t, { ...flood, burst: 1 }, recipients);
  for (let i = 0; i < 4; i++) raise(i);
  await settle();
  subs.delete(1);
  intake.forget(1);
  assert.equal(intake.stop(), 3, 'device 2 held three alarms');
  raise(9);
  await settle();
  clock.now += 150;
  t.mock.timers.tick(150);
  assert.equal(summaries().length, 0);
});

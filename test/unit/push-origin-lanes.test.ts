import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLanes, originOf } from '../../server/push/origin-lanes.ts';

test('origin lanes: one per push service origin; services take turns; a full or paused one is passed over', () => {
  const lanes = createLanes<string>(10);
  const a = lanes.of('https://fcm.googleapis.com/fcm/send/1');
  assert.equal(lanes.of('https://fcm.googleapis.com/wp/2'), a, 'same origin, same lane');
  const b = lanes.of('https://web.push.apple.com/x');
  const c = lanes.of('https://web.push.apple.com:8443/x');
  assert.deepEqual([a.origin, b.origin, c.origin], ['https://fcm.googleapis.com', 'https://web.push.apple.com', 'https://web.push.apple.com:8443']);
  for (const item of ['a1', 'a2', 'a3']) a.queue.push(item, 1);
  for (const item of ['b1', 'b2']) b.queue.push(item, 1);
  c.queue.push('c1', 1);
  c.breaker = { failures: 5, pausedUntil: 1000, pauses: 1 };
  const taken: string[] = [];
  for (let next = lanes.take(0, 2); next; next = lanes.take(0, 2)) {
    next.lane.inFlight++;
    taken.push(next.item);
  }
  assert.deepEqual(taken, ['a1', 'b1', 'a2', 'b2'], 'turns, two in flight each, the paused one skipped');
  assert.equal(lanes.queued(), 2);
  assert.equal(lanes.nextWake(0), 1000);
  assert.equal(lanes.take(1000, 2)?.item, 'c1', 'the probe once the pause is over');
  assert.equal(lanes.nextWake(1000), null);

  b.inFlight = 0;
  lanes.release(b);
  assert.notEqual(lanes.of('https://web.push.apple.com/y'), b, 'an idle lane with nothing to remember is forgotten');
  c.inFlight = 0;
  c.queue.clear();
  lanes.release(c);
  assert.equal(lanes.of('https://web.push.apple.com:8443/y'), c, 'a failing one keeps its breaker');
  assert.equal(lanes.clear(), 1);
  assert.equal(originOf('not a url'), 'not a url');
});

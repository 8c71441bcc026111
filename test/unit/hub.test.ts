import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHub } from '../../server/hub/hub.ts';
import { keepAsWireJson } from '../../server/stream/frames.ts';

const sample = (line: string) => ({ line, readAt: 0, samples: [] });

// A fixed clock: every id is `1000-<seq>`, the start (floor) `1000-0`.
const at1000 = () => 1000;
const id = (seq: number) => `1000-${seq}`;

test('ids increase within one ms and across ms, in the form of Redis Stream ids', () => {
  let now = 1000;
  const hub = createHub({ now: () => now });
  assert.equal(hub.lastId(), '1000-0');
  assert.equal(hub.publish('sample', sample('a')).id, '1000-1');
  assert.equal(hub.publish('sample', sample('a')).id, '1000-2');
  now = 1005;
  assert.equal(hub.publish('sample', sample('a')).id, '1005-0');
  now = 1001;
  assert.equal(hub.publish('sample', sample('a')).id, '1005-1', 'a clock going back does not');
  assert.equal(hub.lastId(), '1005-1');
});

test('ids start from the clock, so an id of a previous life is older than anything kept', () => {
  const before = Date.now();
  const hub = createHub();
  assert.ok(Number(hub.publish('sample', sample('a')).id.split('-')[0]) >= before);
  assert.equal(hub.since(`${before - 5000}-3`), null);
});

test('since() replays exactly the missed events, oldest first', () => {
  const hub = createHub({ ringSize: 10, now: at1000 });
  for (let i = 0; i < 8; i++) hub.publish('sample', sample(`l${i}`));
  assert.deepEqual(
    hub.since(id(5))!.map((e) => e.id),
    [id(6), id(7), id(8)],
  );
  assert.deepEqual(hub.since(id(8)), []);
  assert.deepEqual(
    hub.since(id(0))!.map((e) => e.id),
    [1, 2, 3, 4, 5, 6, 7, 8].map(id),
  );
});

test('since() returns null when events left the ring or the id is unknown', () => {
  const hub = createHub({ ringSize: 4, now: at1000 });
  for (let i = 0; i < 10; i++) hub.publish('sample', sample('a'));
  assert.deepEqual(
    hub.since(id(6))!.map((e) => e.id),
    [id(7), id(8), id(9), id(10)],
  );
  assert.equal(hub.since(id(5)), null, 'event 6 was overwritten');
  assert.equal(hub.since(id(11)), null, 'an id from the future is unknown');
  assert.equal(hub.since('12'), null, 'an id of an older release is unknown');
  assert.equal(hub.since('x-1'), null);
});

test('appended events keep the ids a bus gave them; resuming before the floor is refused', () => {
  const hub = createHub({ floorId: '500-7', now: at1000 });
  assert.equal(hub.lastId(), '500-7');
  hub.append('600-0', 'sample', sample('a'));
  hub.append('600-4', 'sample', sample('b'));
  hub.append('700-0', 'sample', sample('c'));
  assert.deepEqual(
    hub.since('600-1')!.map((e) => e.id),
    ['600-4', '700-0'],
    'an id between two kept ones resumes after it',
  );
  assert.deepEqual(
    hub.since('500-7')!.map((e) => e.id),
    ['600-0', '600-4', '700-0'],
  );
  assert.equal(hub.since('500-6'), null, 'events up to the floor are not kept');
});

test('subscribers get every event synchronously and can leave', () => {
  const hub = createHub({ now: at1000 });
  const seen: string[] = [];
  const off = hub.subscribe((e) => seen.push(e.id));
  hub.publish('sample', sample('a'));
  assert.equal(hub.subscriberCount(), 1);
  off();
  hub.publish('sample', sample('a'));
  assert.deepEqual(seen, [id(1)]);
  assert.equal(hub.subscriberCount(), 0);
});

test('events older than the replay window are let go: resuming after them gets a fresh snapshot', () => {
  let now = 0;
  const hub = createHub({ ringSize: 100, replayMs: 1000, now: () => now });
  const published: string[] = [];
  for (let i = 0; i < 5; i++, now += 300) published.push(hub.publish('sample', sample('a')).id);
  // Published at 0, 300, 600, 900, 1200; now 1500: the first two are older than 1 s.
  assert.deepEqual(
    hub.since(published[1]!)!.map((e) => e.id),
    published.slice(2),
  );
  assert.equal(hub.since(published[0]!), null, 'the second event is gone');
  now += 2000;
  assert.equal(hub.since(published[3]!), null, 'nothing is kept after a long quiet');
  assert.deepEqual(hub.since(published[4]!), [], 'a client that saw the newest event has missed nothing');
  const later = hub.publish('sample', sample('a')).id;
  assert.deepEqual(
    hub.since(published[4]!)!.map((e) => e.id),
    [later],
  );
});

test('kept as wire JSON (the runtime codec), replayed events equal the published ones', () => {
  const hub = createHub({ keep: keepAsWireJson, now: at1000 });
  const published = [
    hub.publish('sample', {
      line: 'l1',
      readAt: 1_700_000_000_123.5,
      samples: [
        { tag: 'l1.speed', ts: 1_700_000_000_100, value: 12.5, quality: 'good' },
        { tag: 'l1.temp', ts: 1_700_000_000_100, value: null, quality: 'bad', reason: 'timeout' },
        { tag: 'l1.level', ts: 1_699_999_999_000, value: 3, quality: 'good' },
        { tag: 'l1.flow', ts: 1_700_000_000_100, value: -0.25, quality: 'stale' },
      ],
    }),
    hub.publish('line', { id: 'l1', state: 'running', lastSampleAt: 1_700_000_000_100 }),
    hub.publish('sample', { line: 'l2', readAt: 5, samples: [] }),
  ];
  const replayed = hub.since(id(0))!;
  assert.deepEqual(replayed, published);
  assert.notEqual(replayed[0], published[0], 'rebuilt from the kept string, not the published object');
  assert.deepEqual(hub.since(id(2)), [published[2]]);
});

test('forget(): after a bus outage, resuming at or before the newest id gets a fresh snapshot; later ids replay', () => {
  const hub = createHub({ ringSize: 10, now: at1000 });
  for (let i = 0; i < 4; i++) hub.publish('sample', sample('a'));
  hub.forget();
  assert.equal(hub.since(id(2)), null, 'events were lost after it');
  assert.equal(hub.since(id(4)), null, 'up to date before the outage is not up to date after it');
  hub.publish('sample', sample('a'));
  hub.publish('sample', sample('a'));
  assert.deepEqual(
    hub.since(id(5))!.map((e) => e.id),
    [id(6)],
  );
});

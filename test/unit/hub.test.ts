import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHub } from '../../server/hub/hub.ts';
import { keepAsWireJson } from '../../server/stream/frames.ts';

const sample = (line: string) => ({ line, readAt: 0, samples: [] });

test('ids are monotonic and start at firstId', () => {
  const hub = createHub({ firstId: 100 });
  assert.equal(hub.lastId(), 99);
  assert.equal(hub.publish('sample', sample('a')).id, 100);
  assert.equal(hub.publish('sample', sample('a')).id, 101);
  assert.equal(hub.lastId(), 101);
});

test('default ids start from the clock, so they grow across restarts', () => {
  const before = Date.now() * 1000;
  const hub = createHub();
  assert.ok(hub.publish('sample', sample('a')).id >= before);
});

test('since() replays exactly the missed events, oldest first', () => {
  const hub = createHub({ firstId: 1, ringSize: 10 });
  for (let i = 0; i < 8; i++) hub.publish('sample', sample(`l${i}`));
  assert.deepEqual(
    hub.since(5)!.map((e) => e.id),
    [6, 7, 8],
  );
  assert.deepEqual(hub.since(8), []);
  assert.deepEqual(
    hub.since(0)!.map((e) => e.id),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
});

test('since() returns null when events left the ring or the id is unknown', () => {
  const hub = createHub({ firstId: 1, ringSize: 4 });
  for (let i = 0; i < 10; i++) hub.publish('sample', sample('a'));
  assert.deepEqual(
    hub.since(6)!.map((e) => e.id),
    [7, 8, 9, 10],
  );
  assert.equal(hub.since(5), null, 'event 6 was overwritten');
  assert.equal(hub.since(11), null, 'an id from the future is unknown');
});

test('subscribers get every event synchronously and can leave', () => {
  const hub = createHub({ firstId: 1 });
  const seen: number[] = [];
  const off = hub.subscribe((e) => seen.push(e.id));
  hub.publish('sample', sample('a'));
  assert.equal(hub.subscriberCount(), 1);
  off();
  hub.publish('sample', sample('a'));
  assert.deepEqual(seen, [1]);
  assert.equal(hub.subscriberCount(), 0);
});

test('events older than the replay window are let go: resuming after them gets a fresh snapshot', () => {
  let now = 0;
  const hub = createHub({ firstId: 1, ringSize: 100, replayMs: 1000, now: () => now });
  for (let i = 0; i < 5; i++, now += 300) hub.publish('sample', sample('a'));
  // Published at 0, 300, 600, 900, 1200; now 1500: 1 and 2 are older than 1 s.
  assert.deepEqual(
    hub.since(2)!.map((e) => e.id),
    [3, 4, 5],
  );
  assert.equal(hub.since(1), null, 'event 2 is gone');
  now += 2000;
  assert.equal(hub.since(4), null, 'nothing is kept after a long quiet');
  assert.deepEqual(hub.since(5), [], 'a client that saw the newest event has missed nothing');
  assert.equal(hub.publish('sample', sample('a')).id, 6);
  assert.deepEqual(
    hub.since(5)!.map((e) => e.id),
    [6],
  );
});

test('kept as wire JSON (the runtime codec), replayed events equal the published ones', () => {
  const hub = createHub({ firstId: 1, keep: keepAsWireJson });
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
  const replayed = hub.since(0)!;
  assert.deepEqual(replayed, published);
  assert.notEqual(replayed[0], published[0], 'rebuilt from the kept string, not the published object');
  assert.deepEqual(hub.since(2), [published[2]]);
});

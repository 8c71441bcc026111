import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventPayloads, Sample, Snapshot } from '../../lib/types.ts';
import type { JobInfo } from '../../lib/types.ts';
import { createHub } from '../../server/hub/hub.ts';
import { openStreamSession, type StreamMessage } from '../../server/stream/stream-session.ts';

const s = (tag: string, value: number): Sample => ({ tag, ts: value, value, quality: 'good' });
// A fixed clock: the hub's ids are `1000-<seq>` (seq 1, 2, … as published); tests name events by seq.
const at1000 = () => 1000;
const idOf = (seq: number) => `1000-${seq}`;
const seqOf = (id: string) => Number(id.split('-')[1]);
const snapshotOf = (seq: number | string) => (): Snapshot => ({
  id: typeof seq === 'string' ? seq : idOf(seq),
  lines: [],
  values: [],
  processes: [],
  alarms: [],
});
const ids = (ms: StreamMessage[]) => ms.map((m) => ('id' in m ? seqOf(m.id) : -1));
const job = (id: number): JobInfo => ({
  id,
  kind: 'csv-export',
  status: 'queued',
  progress: 0,
  params: { tags: [], from: 0, to: 1 },
  createdBy: 'test',
  createdAt: 0,
  startedAt: null,
  endedAt: null,
  error: null,
  result: null,
});

test('a new session starts with a snapshot at the current id, then live events', () => {
  const hub = createHub({ now: at1000 });
  hub.publish('sample', { line: 'a', readAt: 0, samples: [s('a.x', 1)] });
  const session = openStreamSession(hub, () => snapshotOf(hub.lastId())());
  hub.publish('sample', { line: 'a', readAt: 0, samples: [s('a.x', 2)] });
  const got = session.take();
  assert.deepEqual(
    got.map((m) => m.event),
    ['snapshot', 'sample'],
  );
  assert.deepEqual(ids(got), [1, 2]);
  session.close();
});

test('Last-Event-ID in the ring replays without a gap or a duplicate', () => {
  const hub = createHub({ now: at1000 });
  for (let i = 1; i <= 5; i++) hub.publish('sample', { line: 'a', readAt: 0, samples: [s('a.x', i)] });
  const session = openStreamSession(hub, snapshotOf(0), { lastEventId: idOf(3) });
  hub.publish('sample', { line: 'a', readAt: 0, samples: [s('a.x', 6)] });
  assert.deepEqual(ids(session.take()), [4, 5, 6]);
  session.close();
});

test('Last-Event-ID that left the ring gets a fresh snapshot', () => {
  const hub = createHub({ now: at1000, ringSize: 2 });
  for (let i = 1; i <= 5; i++) hub.publish('sample', { line: 'a', readAt: 0, samples: [] });
  const session = openStreamSession(hub, snapshotOf(5), { lastEventId: idOf(1) });
  assert.deepEqual(
    session.take().map((m) => m.event),
    ['snapshot'],
  );
  session.close();
});

test('line filter keeps that line and events without a line', () => {
  const hub = createHub({ now: at1000 });
  const session = openStreamSession(hub, snapshotOf(0), { line: 'a' });
  session.take();
  hub.publish('sample', { line: 'b', readAt: 0, samples: [s('b.x', 1)] });
  hub.publish('line', { id: 'b', state: 'running', lastSampleAt: 1 });
  hub.publish('sample', { line: 'a', readAt: 0, samples: [s('a.x', 1)] });
  hub.publish('line', { id: 'a', state: 'running', lastSampleAt: 1 });
  hub.publish('job', job(1));
  assert.deepEqual(
    session.take().map((m) => m.event),
    ['sample', 'line', 'job'],
  );
  session.close();
});

test('a slow client gets the latest value per tag, and never loses non-sample events', () => {
  const hub = createHub({ now: at1000 });
  const dropped: number[] = [];
  const session = openStreamSession(hub, snapshotOf(0), { maxQueued: 10, onCoalesced: (n) => dropped.push(n) });
  session.take();
  for (let i = 1; i <= 1000; i++) {
    hub.publish('sample', { line: 'a', readAt: i, samples: [s('a.x', i), s('a.y', -i)] });
    // The session never looks inside an event: a marker payload is enough.
    if (i % 100 === 0) hub.publish('alarm', { n: i } as unknown as EventPayloads['alarm']);
  }
  const got = session.take();
  assert.equal(got.length, 20, 'one merged sample before each alarm');
  assert.deepEqual(
    got.map((m) => m.event),
    Array.from({ length: 10 }, () => ['sample', 'alarm']).flat(),
  );
  const alarms = got.filter((m) => m.event === 'alarm').map((m) => (m.data as unknown as { n: number }).n);
  assert.deepEqual(alarms, [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000], 'all alarm events kept, in order');
  const last = got.filter((m) => m.event === 'sample').at(-1)!;
  const values = (last.data as { samples: Sample[] }).samples.map((x) => x.value).sort((a, b) => a! - b!);
  assert.deepEqual(values, [-1000, 1000], 'latest value of each tag survives');
  assert.ok(dropped.reduce((a, b) => a + b, 0) > 1900);
  session.close();
});

test('coalescing keeps ids in order: a merged sample takes the place and id of its first part', () => {
  const hub = createHub({ now: at1000 });
  const session = openStreamSession(hub, snapshotOf(0), { maxQueued: 2 });
  session.take();
  hub.publish('sample', { line: 'a', readAt: 0, samples: [s('a.x', 1)] }); // 1
  hub.publish('line', { id: 'a', state: 'running', lastSampleAt: 1 }); // 2
  hub.publish('sample', { line: 'a', readAt: 0, samples: [s('a.y', 2)] }); // 3
  hub.publish('sample', { line: 'b', readAt: 0, samples: [s('b.x', 3)] }); // 4
  hub.publish('sample', { line: 'a', readAt: 0, samples: [s('a.y', 4), s('a.z', 5)] }); // 5
  const got = session.take();
  assert.deepEqual(ids(got), [1, 2, 3, 4], 'increasing, never a later id before an earlier one');
  const tags = (m: StreamMessage) => (m.data as EventPayloads['sample']).samples.map((x) => `${x.tag}=${x.value}`);
  assert.deepEqual(tags(got[0]!), ['a.x=1'], 'no sample moves past the line event');
  assert.deepEqual(tags(got[2]!), ['a.y=4', 'a.z=5'], '5 merged into 3');
  // A client that saw 4 resumes after it: it gets 5 again (values it holds), no gap, no id twice.
  const resumed = openStreamSession(hub, snapshotOf(0), { lastEventId: idOf(ids(got).at(-1)!) });
  assert.deepEqual(ids(resumed.take()), [5]);
  resumed.close();
  session.close();
});

test('a client too slow for the events that are never dropped is closed; resuming catches it up', () => {
  const hub = createHub({ now: at1000 });
  const closes: string[] = [];
  const session = openStreamSession(hub, snapshotOf(0), { maxQueued: 4, maxBacklog: 8, onClose: (r) => closes.push(r) });
  const taken = session.take();
  for (let i = 1; i <= 8; i++) hub.publish('alarm', { n: i } as unknown as EventPayloads['alarm']);
  assert.deepEqual(closes, [], 'up to maxBacklog it waits');
  hub.publish('alarm', { n: 9 } as unknown as EventPayloads['alarm']);
  assert.deepEqual(closes, ['too-slow']);
  assert.equal(hub.subscriberCount(), 0);
  assert.deepEqual(session.take(), [], 'nothing is held after close');
  session.close();
  assert.deepEqual(closes, ['too-slow'], 'closed once');

  // The client resumes after the last id it took: all nine alarms are replayed.
  const resumed = openStreamSession(hub, snapshotOf(0), { lastEventId: idOf(ids(taken)[0]!), maxQueued: 4, maxBacklog: 16 });
  assert.deepEqual(ids(resumed.take()), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  resumed.close();
  // A replay larger than the queue may hold starts over from a fresh snapshot instead.
  const tooMuch = openStreamSession(hub, snapshotOf(9), { lastEventId: idOf(0), maxQueued: 4, maxBacklog: 8 });
  assert.deepEqual(
    tooMuch.take().map((m) => m.event),
    ['snapshot'],
  );
  tooMuch.close();
});

test('only the newest heartbeat waits in the queue', (t) => {
  // Mocked: exactly twelve ticks pass, whatever the machine's load.
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 });
  const hub = createHub({ now: at1000 });
  const session = openStreamSession(hub, snapshotOf(0), { heartbeatMs: 5 });
  session.take();
  hub.publish('job', job(1));
  t.mock.timers.tick(60);
  hub.publish('job', job(2));
  const got = session.take();
  assert.deepEqual(
    got.map((m) => m.event),
    ['job', 'job', 'heartbeat'],
    'one heartbeat, however many ticks passed',
  );
  assert.equal((got[2]!.data as { ts: number }).ts, 1_000_060, 'the newest one');
  session.close();
});

test('onReadable fires once per take cycle, after the current turn; close unsubscribes', async () => {
  const hub = createHub({ now: at1000 });
  const session = openStreamSession(hub, snapshotOf(0));
  let calls = 0;
  session.onReadable(() => calls++);
  await Promise.resolve();
  assert.equal(calls, 0, 'not within the turn: events published in it go out together');
  await new Promise((r) => setImmediate(r));
  assert.equal(calls, 1, 'snapshot pending');
  hub.publish('job', job(1));
  hub.publish('job', job(1));
  await new Promise((r) => setImmediate(r));
  assert.equal(calls, 1, 'no new wake-up before take()');
  session.take();
  hub.publish('job', job(1));
  await new Promise((r) => setImmediate(r));
  assert.equal(calls, 2);
  session.close();
  assert.equal(hub.subscriberCount(), 0);
});

test('?line: the snapshot holds only that line; its events pass, other lines do not', () => {
  const hub = createHub({ now: at1000 });
  const line = (id: string) => ({ id, state: 'running' as const, lastSampleAt: null, tags: [] });
  const alarm = (line: string) => ({ id: `${line}.t.hi`, line }) as unknown as Snapshot['alarms'][number];
  const snapshot = (): Snapshot => ({
    id: idOf(0),
    lines: [line('a'), line('b')] as unknown as Snapshot['lines'],
    values: [s('a.x', 1), s('b.x', 2)],
    processes: [],
    alarms: [alarm('a'), alarm('b')],
  });
  const session = openStreamSession(hub, snapshot, { line: 'a' });
  hub.publish('sample', { line: 'b', readAt: 0, samples: [s('b.x', 3)] });
  hub.publish('sample', { line: 'a', readAt: 0, samples: [s('a.x', 4)] });
  const [first, ...rest] = session.take();
  assert.equal(first!.event, 'snapshot');
  const snap = first!.data as Snapshot;
  assert.deepEqual(
    snap.lines.map((l) => l.id),
    ['a'],
  );
  assert.deepEqual(
    snap.values.map((v) => v.tag),
    ['a.x'],
  );
  assert.deepEqual(
    snap.alarms.map((a) => a.line),
    ['a'],
  );
  assert.deepEqual(
    rest.map((m) => (m.data as EventPayloads['sample']).line),
    ['a'],
  );
  session.close();
});

test('health: a session opened while the bus is down says so at once; beat() tells open ones of a change', () => {
  const hub = createHub({ now: at1000 });
  let health: { bus: 'down'; since: number } | undefined = { bus: 'down', since: 42 };
  const session = openStreamSession(hub, snapshotOf(0), { health: () => health });
  const first = session.take();
  assert.deepEqual(
    first.map((m) => m.event),
    ['snapshot', 'heartbeat'],
  );
  assert.deepEqual(first[1]!.data, { ts: (first[1]!.data as { ts: number }).ts, lastId: hub.lastId(), bus: 'down', since: 42 });
  health = undefined;
  session.beat();
  const [beat] = session.take();
  assert.equal(beat!.event, 'heartbeat');
  assert.equal('bus' in beat!.data, false, 'healthy again: no bus field');
  session.close();
  const healthy = openStreamSession(hub, snapshotOf(0), { health: () => undefined });
  assert.deepEqual(
    healthy.take().map((m) => m.event),
    ['snapshot'],
  );
  healthy.close();
});

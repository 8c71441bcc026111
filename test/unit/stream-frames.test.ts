import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HubEvent } from '../../lib/types.ts';
import { sseBatch, sseFrame, wsFrame } from '../../server/stream/frames.ts';

const sample = (seq: number): HubEvent => ({
  id: `1000-${seq}`,
  event: 'sample',
  data: { line: 'a', readAt: 1.5, samples: [{ tag: 'a.x', ts: 1, value: seq, quality: 'good' }] },
});

test('SSE and WebSocket frames: id, event, the wire form of the data; built once per event', () => {
  const e = sample(7);
  assert.equal(sseFrame(e).toString(), 'id: 1000-7\nevent: sample\ndata: {"line":"a","readAt":1.5,"ts":1,"s":[["x",7]]}\n\n');
  assert.equal(wsFrame(e).toString(), '{"id":"1000-7","event":"sample","data":{"line":"a","readAt":1.5,"ts":1,"s":[["x",7]]}}');
  assert.equal(sseFrame(e), sseFrame(e), 'the same buffer for every client');
  const heartbeat = { event: 'heartbeat' as const, data: { ts: 5, lastId: '1000-7' } };
  assert.equal(sseFrame(heartbeat).toString(), 'event: heartbeat\ndata: {"ts":5,"lastId":"1000-7"}\n\n');
});

test('a run of events taken by many clients is joined once; another run gets its own bytes', () => {
  const run = [sample(1), sample(2), sample(3)];
  const a = sseBatch([...run]);
  const b = sseBatch([...run]);
  assert.equal(a, b, 'shared between clients that took the same run');
  assert.equal(a.toString(), run.map((e) => sseFrame(e).toString()).join(''));
  const shorter = sseBatch(run.slice(0, 2));
  assert.equal(
    shorter.toString(),
    run
      .slice(0, 2)
      .map((e) => sseFrame(e).toString())
      .join(''),
  );
  assert.equal(sseBatch([run[1]!]), sseFrame(run[1]!));
});

test('runs with the same ends and length but different middles get their own bytes', () => {
  // Two `?line=` clients: process events pass every filter, each keeps its own line's samples.
  const proc = (seq: number): HubEvent => ({
    id: `1000-${seq}`,
    event: 'process',
    data: { id: 'sim', status: 'running' } as unknown as HubEvent<'process'>['data'],
  });
  const first = proc(10);
  const last = proc(13);
  const lineA: HubEvent = { id: '1000-11', event: 'sample', data: { line: 'a', readAt: 1, samples: [{ tag: 'a.x', ts: 1, value: 1, quality: 'good' }] } };
  const lineB: HubEvent = { id: '1000-12', event: 'sample', data: { line: 'b', readAt: 1, samples: [{ tag: 'b.x', ts: 1, value: 2, quality: 'good' }] } };
  const a = sseBatch([first, lineA, last]);
  const b = sseBatch([first, lineB, last]);
  assert.equal(a.toString(), [first, lineA, last].map((e) => sseFrame(e).toString()).join(''));
  assert.equal(b.toString(), [first, lineB, last].map((e) => sseFrame(e).toString()).join(''));
  assert.equal(sseBatch([first, lineB, last]), b, 'still shared between clients that took the same run');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeKpis, kpisOfJournal, type Activation, type QueuedActivation } from '../../server/alarms/alarm-kpis.ts';

const from = Date.UTC(2026, 0, 1);
const to = from + 3600_000;
const act = (min: number, alarm = 'l.a.hi'): Activation => ({ ts: from + min * 60_000, alarm, message: alarm, line: 'l', priority: 'high', suppressed: false });
const queued = (seq: number, a: Activation): QueuedActivation => ({ ...a, seq });

test('kpisOfJournal: queued activations count once, whether or not the read already holds them', () => {
  const stored = [act(1), act(2), act(3, 'l.b.lo')];
  // seq 3 was written between the request and the read (storedSeq 3); seq 4 is still queued.
  const request = { from, to, now: to, active: [], queued: [queued(3, act(3, 'l.b.lo')), queued(4, act(4))] };
  const k = kpisOfJournal(stored, 3, request);
  assert.deepEqual(k, computeKpis([...stored, act(4)], [], from, to, to));
  assert.equal(k.annunciated, 4);
  // Nothing written yet: everything comes from the queue.
  assert.equal(kpisOfJournal([act(1), act(2)], 2, request).annunciated, 4);
});

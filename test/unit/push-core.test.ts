import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointProblem } from '../../server/push/endpoint-policy.ts';
import { isOver, offer, takeSummary, type FloodOptions, type FloodState } from '../../server/push/flood-gate.ts';
import { alarmPayload, maxPayloadBytes, summaryPayload, topicOf } from '../../server/push/push-payload.ts';
import { alarmEvent as event } from '../helpers/push-service.ts';

const o: FloodOptions = { windowMs: 60_000, burst: 3, summaryDelayMs: 3000 };
const a = (i: number) => ({ id: `l2.t${i}.hi`, message: `alarm ${i}`, priority: i === 7 ? ('critical' as const) : ('medium' as const) });

test('flood gate: the first alarms go one by one, the rest become one summary counting the whole flood', () => {
  let state: FloodState | undefined;
  const actions: string[] = [];
  for (let i = 0; i < 12; i++) {
    const step = offer(state, a(i), 1000 + i * 10, o);
    state = step.state;
    actions.push(step.action);
  }
  assert.deepEqual(actions, ['send', 'send', 'send', ...Array(9).fill('hold')]);
  assert.equal(state!.summaryAt, 1030 + 3000, 'due summaryDelayMs after the first held alarm');
  assert.equal(takeSummary(state!, 2000), null, 'not due yet');
  const summary = takeSummary(state!, 4030)!;
  assert.equal(summary.count, 12);
  assert.equal(summary.top, 'critical', 'the highest priority of the whole flood');
  assert.deepEqual(summary.newest.map((x) => x.id), ['l2.t11.hi', 'l2.t10.hi', 'l2.t9.hi', 'l2.t8.hi', 'l2.t7.hi'], 'newest five, newest first');
  state = summary.state;
  // Still flooding: the next alarm is held for the next summary, which counts on.
  const next = offer(state, a(12), 5000, o);
  assert.equal(next.action, 'hold');
  assert.equal(takeSummary(next.state, 8000)!.count, 13);
});

test('flood gate: a quiet window ends the flood; the next alarm goes out at once', () => {
  const first = offer(undefined, a(0), 0, o);
  assert.equal(first.action, 'send');
  assert.equal(isOver(first.state, 30_000, o), false);
  assert.equal(isOver(first.state, 60_001, o), true);
  assert.equal(offer(first.state, a(1), 60_001, o).state.count, 1, 'a new flood');
});

test('alarm payload: what the notification needs, a link to the alarm, and always under the size limit', () => {
  const p = alarmPayload(event(), 'Filling 2', true);
  assert.deepEqual(
    { kind: p.kind, id: p.id, line: p.line, lineName: p.lineName, message: p.message, priority: p.priority, value: p.value, ts: p.ts, canAck: p.canAck, url: p.url },
    {
      kind: 'alarm',
      id: 'filling.fault.discrete',
      line: 'filling',
      lineName: 'Filling 2',
      message: 'Filler fault: line stopped',
      priority: 'high',
      value: 1,
      ts: 1_700_000_000_000,
      canAck: true,
      url: '/alarms?focus=filling.fault.discrete',
    },
  );
  const huge = alarmPayload(event({ message: '€'.repeat(5000), label: 'ü'.repeat(5000) }), 'x'.repeat(500), false);
  assert.ok(Buffer.byteLength(JSON.stringify(huge)) <= maxPayloadBytes, 'multi-byte text is clipped to fit');
  assert.ok(huge.message.endsWith('…'));
  const summary = summaryPayload('filling', 'Filling 2', 12, 'critical', Array.from({ length: 9 }, (_, i) => ({ id: `x${i}`, message: 'm'.repeat(3000), priority: i === 4 ? 'critical' : 'low' })), 1);
  assert.equal(summary.newest.length, 5);
  assert.ok(Buffer.byteLength(JSON.stringify(summary)) <= maxPayloadBytes);
});

test('topic: at most 32 base64url characters, stable per key', () => {
  const t = topicOf('alarm:extrusion.zone3-temp.hihi');
  assert.match(t, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(t, topicOf('alarm:extrusion.zone3-temp.hihi'));
  assert.notEqual(t, topicOf('alarm:extrusion.zone3-temp.hi'));
});

test('endpoint policy: https to public hosts; http only to loopback and only when allowed', () => {
  const table: [string, boolean, string | null][] = [
    ['https://fcm.googleapis.com/fcm/send/abc', false, null],
    ['https://updates.push.services.mozilla.com/wpush/v2/x', false, null],
    ['http://fcm.googleapis.com/fcm/send/abc', false, 'must be an https: URL'],
    ['http://127.0.0.1:4000/push/1', false, 'must be an https: URL'],
    ['http://127.0.0.1:4000/push/1', true, null],
    ['http://10.0.0.5/push', true, 'must be an https: URL'],
    ['https://127.0.0.1/push', false, 'must be a public push service'],
    ['https://localhost/push', false, 'must be a public push service'],
    ['https://192.168.1.10/push', false, 'must be a public push service'],
    ['https://169.254.169.254/latest', false, 'must be a public push service'],
    ['https://[::1]/push', false, 'must be a public push service'],
    ['https://[fd00::1]/push', false, 'must be a public push service'],
    ['https://user:pw@push.example.com/x', false, 'must not contain credentials'],
    ['ftp://push.example.com/x', false, 'must be an https: URL'],
    ['not a url', false, 'must be an absolute URL'],
  ];
  for (const [url, allow, expected] of table) assert.equal(endpointProblem(url, allow), expected, url);
});

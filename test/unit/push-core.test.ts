import assert from 'node:assert/strict';
import { test } from 'node:test';
import webpush from 'web-push';
import { isOver, offer, takeSummary, type FloodOptions, type FloodState } from '../../server/push/flood-gate.ts';
import { alarmPayload, maxPayloadBytes, summaryPayload, topicOf } from '../../server/push/push-payload.ts';
import { pushRequest } from '../../server/push/push-request.ts';
import { afterAttempt, retryAfterMs, type AttemptResult, type Verdict } from '../../server/push/retry-policy.ts';
import { createVapidSigner } from '../../server/push/vapid.ts';
import { alarmEvent as event, browserKeys } from '../helpers/push-service.ts';

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
  assert.deepEqual(
    summary.newest.map((x) => x.id),
    ['l2.t11.hi', 'l2.t10.hi', 'l2.t9.hi', 'l2.t8.hi', 'l2.t7.hi'],
    'newest five, newest first',
  );
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
    {
      kind: p.kind,
      id: p.id,
      line: p.line,
      lineName: p.lineName,
      message: p.message,
      priority: p.priority,
      value: p.value,
      ts: p.ts,
      canAck: p.canAck,
      url: p.url,
    },
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
  const summary = summaryPayload(
    'filling',
    'Filling 2',
    12,
    'critical',
    Array.from({ length: 9 }, (_, i) => ({ id: `x${i}`, message: 'm'.repeat(3000), priority: i === 4 ? 'critical' : 'low' })),
    1,
  );
  assert.equal(summary.newest.length, 5);
  assert.ok(Buffer.byteLength(JSON.stringify(summary)) <= maxPayloadBytes);
});

test('topic: at most 32 base64url characters, stable per key', () => {
  const t = topicOf('alarm:extrusion.zone3-temp.hihi');
  assert.match(t, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(t, topicOf('alarm:extrusion.zone3-temp.hihi'));
  assert.notEqual(t, topicOf('alarm:extrusion.zone3-temp.hi'));
});

test('retry policy: 404/410 mean gone; 429, 5xx and no answer are retried with backoff or Retry-After, capped; the rest fail', () => {
  const policy = { maxAttempts: 4, maxRetryDelayMs: 60_000 };
  const answer = (status: number | null, retryAfter?: number): AttemptResult => ({
    delivered: false,
    status,
    ...(retryAfter !== undefined && { retryAfterMs: retryAfter }),
  });
  const table: [string, AttemptResult, number, number, Verdict][] = [
    ['201', { delivered: true, status: 201 }, 0, 0.5, { kind: 'sent' }],
    ['410', answer(410), 0, 0.5, { kind: 'gone' }],
    ['404, even on the last attempt', answer(404), 3, 0.5, { kind: 'gone' }],
    ['400', answer(400), 0, 0.5, { kind: 'failed' }],
    ['403 (a VAPID key the browser did not subscribe with)', answer(403), 0, 0.5, { kind: 'failed' }],
    ['413', answer(413), 0, 0.5, { kind: 'failed' }],
    ['no answer, first attempt: 1 s', answer(null), 0, 0.5, { kind: 'retry', delayMs: 1000 }],
    ['503, third attempt: 4 s', answer(503), 2, 0.5, { kind: 'retry', delayMs: 4000 }],
    ['500, jitter low: -25 %', answer(500), 1, 0, { kind: 'retry', delayMs: 1500 }],
    ['500, jitter high: up to +25 %', answer(500), 1, 0.999, { kind: 'retry', delayMs: 2000 * (0.75 + 0.999 * 0.5) }],
    ['429 with Retry-After', answer(429, 7000), 0, 0.5, { kind: 'retry', delayMs: 7000 }],
    ['429 with Retry-After 0', answer(429, 0), 0, 0.5, { kind: 'retry', delayMs: 0 }],
    ['Retry-After beyond the cap', answer(429, 3_600_000), 0, 0.5, { kind: 'retry', delayMs: 60_000 }],
    ['503 on the last attempt', answer(503), 3, 0.5, { kind: 'failed' }],
  ];
  for (const [name, result, attempt, jitter, expected] of table) assert.deepEqual(afterAttempt(result, attempt, policy, jitter), expected, name);
  assert.deepEqual(afterAttempt(answer(503), 0, { maxAttempts: 1, maxRetryDelayMs: 60_000 }), { kind: 'failed' }, 'one attempt allowed: no retry');
});

test('Retry-After: seconds or an HTTP date, from now; nothing when absent or unreadable', () => {
  const now = Date.parse('2026-12-06T10:00:00Z');
  const table: [string | null, number | undefined][] = [
    [null, undefined],
    ['', undefined],
    ['120', 120_000],
    ['0', 0],
    ['1.5', 1500],
    ['Sun, 06 Dec 2026 10:00:30 GMT', 30_000],
    ['Sun, 06 Dec 2026 09:00:00 GMT', 0],
    ['soon', undefined],
  ];
  for (const [header, expected] of table) assert.equal(retryAfterMs(header, now), expected, String(header));
});

test('VAPID signer: one signature per push service origin, renewed after 11 hours', () => {
  const keys = webpush.generateVAPIDKeys();
  let now = Date.now();
  const signer = createVapidSigner(keys, 'mailto:ops@example.com', () => now);
  const first = signer.authorization('https://fcm.googleapis.com/fcm/send/a');
  assert.match(first, /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
  assert.equal(signer.authorization('https://fcm.googleapis.com/fcm/send/b'), first, 'same origin, same header');
  assert.notEqual(signer.authorization('https://updates.push.services.mozilla.com/wpush/v2/c'), first, 'another audience');
  now += 11 * 3600_000 - 1;
  assert.equal(signer.authorization('https://fcm.googleapis.com/fcm/send/a'), first);
  now += 1;
  assert.notEqual(signer.authorization('https://fcm.googleapis.com/fcm/send/a'), first, 'renewed before it expires (12 h)');
});

test('push request: the payload encrypted for the device, TTL, Urgency, Topic and our VAPID header; fetch sets the length', () => {
  const keys = browserKeys();
  const payload = alarmPayload(event(), 'Filling 2', true);
  const request = pushRequest(
    { sub: { endpoint: 'https://push.example.com/x', ...keys }, payload, ttlS: 3600, urgency: 'high', topic: topicOf('alarm:x') },
    'vapid t=a.b.c, k=k',
  );
  assert.equal(request.url, 'https://push.example.com/x');
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  assert.deepEqual(
    {
      authorization: headers.authorization,
      ttl: headers.ttl,
      urgency: headers.urgency,
      topic: headers.topic,
      encoding: headers['content-encoding'],
      length: headers['content-length'],
    },
    { authorization: 'vapid t=a.b.c, k=k', ttl: '3600', urgency: 'high', topic: topicOf('alarm:x'), encoding: 'aes128gcm', length: undefined },
  );
  assert.deepEqual(keys.decrypt(Buffer.from(request.body!)), payload);
  const untopical = pushRequest({ sub: { endpoint: 'https://push.example.com/x', ...keys }, payload, ttlS: 60, urgency: 'low' }, 'v');
  assert.equal(
    Object.keys(untopical.headers).some((k) => k.toLowerCase() === 'topic'),
    false,
    'no topic, no header',
  );
  assert.throws(() =>
    pushRequest({ sub: { endpoint: 'https://push.example.com/x', p256dh: 'short', auth: keys.auth }, payload, ttlS: 60, urgency: 'low' }, 'v'),
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { priorityRank, type AlarmPriority } from '../../lib/alarms/alarm-types.ts';
import { createDeliveryQueue, type DeliveryOptions, type DeliveryResult, type PushJob } from '../../server/push/delivery-queue.ts';
import { testPayload } from '../../server/push/push-payload.ts';
import type { PushSubscriptionRecord } from '../../server/storage/store.ts';
import type { PushPost } from '../../server/push/push-http.ts';
import { browserKeys } from '../helpers/push-service.ts';
import { captureLog } from '../helpers/capture-log.ts';

/**
 * The delivery queue with real encryption and a stand-in `fetch` that answers as a push
 * service would; the real HTTP path is covered by push-sender.test.ts.
 */

const record = (id: number, userId = 1, host = 'push.example.com'): PushSubscriptionRecord => {
  const keys = browserKeys();
  return {
    id,
    userId,
    endpoint: `https://${host}/${id}`,
    p256dh: keys.p256dh,
    auth: keys.auth,
    lines: null,
    minPriority: 'low',
    userAgent: 'test',
    createdAt: 0,
    updatedAt: 0,
    lastSuccessAt: null,
    lastError: null,
    session: null,
  };
};

const job = (sub: PushSubscriptionRecord, priority: AlarmPriority): PushJob => ({
  sub,
  payload: testPayload(0),
  ttlS: 60,
  urgency: 'normal',
  rank: priorityRank[priority],
  attempt: 0,
});

/** `answer` gets the device id and how many requests that device had before; `hold` keeps a request open until aborted. */
function setup(
  options: Partial<DeliveryOptions>,
  answer: (subId: number, previous: number) => Response | 'hold' | Error = () => new Response(null, { status: 201 }),
  records = [1, 2, 3, 4].map((id) => record(id)),
) {
  const subs = new Map(records.map((r) => [r.id, r]));
  const requests: number[] = [];
  const results: string[] = [];
  const { log, lines: logs } = captureLog();
  const fakePost: PushPost = (url, init) => {
    const id = Number(url.split('/').at(-1));
    const reply = answer(id, requests.filter((r) => r === id).length);
    requests.push(id);
    if (reply instanceof Error) return Promise.reject(reply);
    if (reply !== 'hold') return Promise.resolve(reply);
    return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
  };
  const delivery = createDeliveryQueue(
    {
      authorization: () => 'vapid t=a.b.c, k=k',
      current: (id) => subs.get(id),
      settled: (sub: PushSubscriptionRecord, result: DeliveryResult) => results.push(`${sub.id} ${result.kind}`),
      log,
      post: fakePost,
    },
    options,
  );
  return { delivery, subs, requests, results, logs };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('highest priority first; when the queue is full the lowest priority is dropped and counted', async () => {
  const { delivery, subs, requests, logs } = setup({ concurrency: 1, maxQueue: 3 });
  const [a, b, c, d] = [...subs.values()] as [PushSubscriptionRecord, PushSubscriptionRecord, PushSubscriptionRecord, PushSubscriptionRecord];
  delivery.enqueue(job(a, 'low'));
  delivery.enqueue(job(b, 'medium'));
  delivery.enqueue(job(c, 'critical'));
  delivery.enqueue(job(d, 'high'));
  await until(() => requests.length === 3);
  assert.deepEqual(requests, [3, 4, 2], 'critical, high, medium; the low one made room');
  assert.equal(delivery.stats().dropped, 1);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /^warn push queue full.*"maxQueue":3,"dropped":1/);
  await delivery.stop();
  assert.equal(delivery.stats().sent, 3);
});

test('410 reports the device gone; 503 is retried (Retry-After 0) and then sent; 400 fails at once and is logged', async () => {
  const { delivery, subs, requests, results, logs } = setup({ concurrency: 4 }, (id, previous) => {
    if (id === 1) return new Response(null, { status: 410 });
    if (id === 2 && previous === 0) return new Response(null, { status: 503, headers: { 'retry-after': '0' } });
    if (id === 3) return new Response('bad key', { status: 400 });
    return new Response(null, { status: 201 });
  });
  for (const id of [1, 2, 3]) delivery.enqueue(job(subs.get(id)!, 'high'));
  await until(() => results.length === 3);
  assert.deepEqual(results.toSorted(), ['1 gone', '2 sent', '3 failed']);
  assert.deepEqual(requests.toSorted(), [1, 2, 2, 3]);
  assert.deepEqual(delivery.stats(), { queued: 0, inFlight: 0, sent: 1, failed: 1, retried: 1, dropped: 0, lastLatencyMs: null });
  assert.deepEqual(logs, ['warn push failed {"subscription":3,"origin":"https://push.example.com","attempts":1,"reason":"400","detail":"bad key"}']);
  await delivery.stop();
});

test('a retry goes nowhere once its subscription is deleted; sendNow never retries', async () => {
  const { delivery, subs, requests, results } = setup({ concurrency: 1 }, () => new Response(null, { status: 503, headers: { 'retry-after': '0.05' } }));
  delivery.enqueue(job(subs.get(1)!, 'high'));
  await until(() => delivery.stats().retried === 1);
  subs.delete(1);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(requests, [1]);
  assert.deepEqual(results, [], 'nothing to record on a deleted subscription');

  const answer = await delivery.sendNow(job(subs.get(2)!, 'critical'));
  assert.deepEqual(answer, { delivered: false, status: 503, error: '503' });
  assert.deepEqual(results, ['2 failed']);
  assert.equal(delivery.stats().retried, 1);
  await delivery.stop();
});

test('stop() lets queued pushes go for the grace period, then drops the rest and aborts those in flight', async () => {
  const { delivery, subs, requests, logs } = setup({ concurrency: 1, stopGraceMs: 50 }, () => 'hold');
  for (const sub of subs.values()) delivery.enqueue(job(sub, 'high'));
  await until(() => requests.length === 1);
  const started = performance.now();
  await delivery.stop();
  assert.ok(performance.now() - started < 1000);
  assert.deepEqual(delivery.stats(), { queued: 0, inFlight: 0, sent: 0, failed: 1, retried: 0, dropped: 0, lastLatencyMs: null });
  assert.ok(logs.includes('warn pushes not sent at stop {"unsent":3}'), logs.join('\n'));
  delivery.enqueue(job(subs.get(1)!, 'critical'));
  assert.equal(delivery.stats().queued, 0, 'a stopped queue takes nothing');
  assert.equal(delivery.stop(), delivery.stop(), 'a second stop() is the same promise');
});

test('a push service that hangs holds only its own connections: an alarm to another one leaves at once (issue 17)', async () => {
  // Users 2..: ten devices each on a push service that never answers; user 1: one device on a healthy one.
  const silent = Array.from({ length: 30 }, (_, i) => record(100 + i, 2 + Math.floor(i / 10), 'silent.example.com'));
  const healthy = record(1, 1, 'push.example.com');
  const { delivery, subs, requests, results } = setup(
    { concurrency: 2, timeoutMs: 60_000, stopGraceMs: 0 },
    (id) => (id === 1 ? new Response(null, { status: 201 }) : 'hold'),
    [healthy, ...silent],
  );
  for (const sub of silent) delivery.enqueue(job(sub, 'critical'));
  await until(() => requests.length === 2);
  const started = performance.now();
  delivery.enqueue(job(subs.get(1)!, 'high'));
  await until(() => results.includes('1 sent'), 2000);
  assert.ok(performance.now() - started < 200, `${performance.now() - started} ms`);
  assert.equal(requests.filter((id) => id >= 100).length, 2, 'the silent push service never has more than `concurrency` requests');
  assert.equal(delivery.stats().queued, 28);
  await delivery.stop();
});

test('users take turns within a rank: one user’s many devices do not make another’s wait behind them all', async () => {
  const records = [...[1, 2, 3, 4, 5].map((id) => record(id, 7)), record(6, 8)];
  const { delivery, subs, requests } = setup({ concurrency: 1 }, undefined, records);
  for (const id of [1, 2, 3, 4, 5, 6]) delivery.enqueue(job(subs.get(id)!, 'high'));
  delivery.enqueue(job(subs.get(5)!, 'critical'));
  await until(() => requests.length === 7);
  assert.deepEqual(requests, [5, 1, 6, 2, 3, 4, 5], 'critical first, then user 7 and user 8 in turn');
  await delivery.stop();
});

test('a push service that keeps failing is paused, answers a test at once meanwhile, and is probed once the pause is over', async () => {
  let down = true;
  const records = [1, 2, 3, 4, 5, 6].map((id) => record(id));
  const { delivery, subs, requests, results, logs } = setup(
    { concurrency: 1, maxAttempts: 1, breaker: { failures: 3, pauseMs: 300, maxPauseMs: 1000 } },
    () => (down ? Object.assign(new Error('connect ECONNREFUSED 203.0.113.9:443'), { code: 'ECONNREFUSED' }) : new Response(null, { status: 201 })),
    records,
  );
  for (const id of [1, 2, 3, 4, 5]) delivery.enqueue(job(subs.get(id)!, 'high'));
  await until(() => results.length === 3);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(requests, [1, 2, 3], 'paused after three failures in a row: the rest wait');
  assert.deepEqual(results, ['1 failed', '2 failed', '3 failed']);
  assert.ok(logs.some((l) => l.startsWith('warn push service paused: it keeps failing {"origin":"https://push.example.com","failures":3,"pauseMs":300')));
  assert.ok(logs.some((l) => l.includes('"reason":"could not reach the push service (ECONNREFUSED)","detail":"connect ECONNREFUSED 203.0.113.9:443"')));

  const answer = await delivery.sendNow(job(subs.get(6)!, 'critical'));
  assert.equal(answer.delivered, false);
  assert.match(String(answer.error), /^the push service keeps failing: paused, next try in \d s$/);
  assert.deepEqual(requests, [1, 2, 3], 'no request for the test');

  down = false;
  await until(() => results.length === 5, 3000);
  assert.deepEqual(requests, [1, 2, 3, 4, 5]);
  assert.deepEqual(results.slice(3), ['4 sent', '5 sent']);
  assert.ok(logs.includes('info push service answers again {"origin":"https://push.example.com"}'));
  await delivery.stop();
});

test('the push service’s body never reaches the answer: status and reason only; a refused endpoint is not tried again', async () => {
  const { delivery, subs, requests, logs } = setup(
    { concurrency: 1 },
    () => new Response('<html>admin console of 10.0.0.8</html>', { status: 403, statusText: 'Forbidden' }),
  );
  const answer = await delivery.sendNow(job(subs.get(1)!, 'high'));
  assert.deepEqual(answer, { delivered: false, status: 403, error: '403 Forbidden' });
  assert.ok(
    logs.some((l) => l.includes('"detail":"<html>admin console of 10.0.0.8</html>"')),
    'the body is for the log',
  );

  const refusing = createDeliveryQueue(
    {
      authorization: () => 'vapid t=a.b.c, k=k',
      current: (id) => subs.get(id),
      settled: () => undefined,
      post: () => Promise.reject(new Error('no request expected')),
      endpointProblem: () => 'must be a public push service',
      log: captureLog().log,
    },
    { maxAttempts: 4 },
  );
  refusing.enqueue(job(subs.get(2)!, 'high'));
  await until(() => refusing.stats().failed === 1);
  assert.equal(refusing.stats().retried, 0);
  assert.deepEqual(await refusing.sendNow(job(subs.get(2)!, 'high')), {
    delivered: false,
    status: null,
    error: 'refused: the endpoint must be a public push service',
  });
  assert.deepEqual(requests, [1]);
  await refusing.stop();
  await delivery.stop();
});

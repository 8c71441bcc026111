import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AlarmPush, TestPush } from '../../lib/push/push-types.ts';
import { browserKeys, startPushCapture, verifyVapid, type PushCapture } from '../helpers/push-service.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Web Push end to end: the real server (demo plant, simulated PLCs, alarm engine, SQLite) and
 * a local HTTP push service. A `jam` on the filling line raises its fault alarm; the device
 * subscribed through the API gets a request that a push service would accept.
 */

let server: TestServer;
let capture: PushCapture;
const cookies: Record<'admin' | 'operator' | 'viewer', string> = { admin: '', operator: '', viewer: '' };

before(async () => {
  capture = await startPushCapture();
  // Plain HTTP to the local capture service: the test-only escape hatch of the endpoint policy.
  server = await startTestServer({ push: { allowLoopbackHttp: true } });
  Object.assign(cookies, server.cookies);
});
after(async () => {
  await server?.close();
  await capture?.close();
});

const api = (path: string, as: keyof typeof cookies | 'anonymous', init: RequestInit = {}) =>
  fetch(server.url + path, {
    ...init,
    headers: { ...(as === 'anonymous' ? {} : { cookie: cookies[as] }), 'content-type': 'application/json', ...init.headers },
  });

function device(name: string) {
  const keys = browserKeys();
  return {
    name,
    path: `/push/${name}`,
    keys,
    subscription: { endpoint: `${capture.url}/push/${name}`, expirationTime: null, keys: { p256dh: keys.p256dh, auth: keys.auth } },
  };
}

test('the VAPID key: a session is needed; 65 bytes, the same on every call', async () => {
  assert.equal((await api('/api/push/vapid-key', 'anonymous')).status, 401);
  const { publicKey } = await (await api('/api/push/vapid-key', 'viewer')).json();
  assert.equal(Buffer.from(publicKey, 'base64url').length, 65);
  assert.equal((await (await api('/api/push/vapid-key', 'operator')).json()).publicKey, publicKey);
});

test('subscriptions are validated strictly, belong to their user, and are audited', async () => {
  const d = device('validation');
  const post = (body: unknown, as: 'viewer' | 'operator' = 'viewer') => api('/api/push/subscriptions', as, { method: 'POST', body: JSON.stringify(body) });
  const field = async (res: Response) => (await res.json()).error?.field;

  const shortKey = { ...d.subscription, keys: { ...d.subscription.keys, p256dh: Buffer.alloc(33, 4).toString('base64url') } };
  let res = await post({ subscription: shortKey });
  assert.equal(res.status, 400);
  assert.equal(await field(res), 'subscription.keys.p256dh');
  res = await post({ subscription: { ...d.subscription, keys: { ...d.subscription.keys, auth: 'not base64url!' } } });
  assert.equal(await field(res), 'subscription.keys.auth');
  res = await post({ subscription: { ...d.subscription, endpoint: 'http://push.example.com/x' } });
  assert.equal(res.status, 400);
  assert.equal(await field(res), 'subscription.endpoint', 'plain http only to loopback (tests)');
  res = await post({ subscription: d.subscription, preferences: { lines: ['filling', 'nope'], minPriority: 'high' } });
  assert.equal(await field(res), 'preferences.lines[1]');
  res = await post({ subscription: d.subscription, extra: 1 });
  assert.equal(await field(res), 'extra');

  res = await post({ subscription: d.subscription, preferences: { lines: ['packaging'], minPriority: 'critical' } });
  assert.equal(res.status, 201);
  const { subscription } = await res.json();
  assert.equal(subscription.endpoint, d.subscription.endpoint);
  assert.deepEqual(subscription.lines, ['packaging']);
  assert.equal(subscription.p256dh, undefined, 'keys never come back');

  const mine = await (await api('/api/push/subscriptions', 'viewer')).json();
  assert.deepEqual(
    mine.subscriptions.map((s: { endpoint: string }) => s.endpoint),
    [d.subscription.endpoint],
  );
  const theirs = await (await api('/api/push/subscriptions', 'operator')).json();
  assert.equal(
    theirs.subscriptions.some((s: { endpoint: string }) => s.endpoint === d.subscription.endpoint),
    false,
    'not listed to others',
  );
  const steal = await api('/api/push/subscriptions', 'operator', { method: 'DELETE', body: JSON.stringify({ endpoint: d.subscription.endpoint }) });
  assert.equal(steal.status, 404);
  assert.equal(await field(steal), 'endpoint');
  assert.equal((await api('/api/push/subscriptions', 'viewer', { method: 'DELETE', body: JSON.stringify({ endpoint: d.subscription.endpoint }) })).status, 200);
  assert.equal((await (await api('/api/push/subscriptions', 'viewer')).json()).subscriptions.length, 0);

  const { entries } = await (await api('/api/audit?limit=100', 'admin')).json();
  const actions = entries
    .filter((e: { username: string; action: string }) => e.username === 'viewer' && e.action.startsWith('push.'))
    .map((e: { action: string; result: string }) => `${e.action} ${e.result}`);
  assert.ok(actions.includes('push.subscribe ok') && actions.includes('push.unsubscribe ok'), actions.join(', '));
});

test('a raised alarm reaches the device: the VAPID JWT verifies, the body decrypts to the alarm; a 410 deletes its subscription', async () => {
  const phone = device('phone');
  const gone = device('gone');
  capture.answer = (req) => ({ status: req.path === gone.path ? 410 : 201 });
  for (const d of [phone, gone]) {
    const res = await api('/api/push/subscriptions', 'operator', {
      method: 'POST',
      body: JSON.stringify({ subscription: d.subscription, preferences: { lines: ['filling'], minPriority: 'high' } }),
    });
    assert.equal(res.status, 201);
  }
  const { publicKey } = await (await api('/api/push/vapid-key', 'operator')).json();

  assert.equal((await api('/api/lines/filling/simulation', 'operator', { method: 'DELETE' })).status, 200);
  assert.equal((await api('/api/lines/filling/simulation', 'operator', { method: 'POST', body: '{"scenario":"jam"}' })).status, 202);
  const isFault = (r: { path: string; body: Buffer }) => r.path === phone.path && (phone.keys.decrypt(r.body) as AlarmPush).id === 'filling.fault.discrete';
  await capture.waitFor((all) => all.some(isFault) && all.some((r) => r.path === gone.path), 30_000);

  const req = capture.requests.find(isFault)!;
  const { claims, publicKey: k } = verifyVapid(req.headers.authorization, capture.url);
  assert.equal(k, publicKey, 'signed with the key browsers subscribed with');
  assert.match(claims.sub, /^(mailto:|https:)/);
  assert.equal(req.headers['content-encoding'], 'aes128gcm');
  assert.equal(req.headers.urgency, 'high');
  assert.ok(Number(req.headers.ttl) > 0);
  assert.match(String(req.headers.topic), /^[A-Za-z0-9_-]{1,32}$/);
  const payload = phone.keys.decrypt(req.body) as AlarmPush;
  assert.equal(payload.kind, 'alarm');
  assert.equal(payload.line, 'filling');
  assert.equal(payload.lineName, 'Filling 2');
  assert.equal(payload.priority, 'high');
  assert.equal(payload.message, 'Filler fault: line stopped');
  assert.equal(payload.value, 1);
  assert.equal(payload.canAck, true);
  assert.equal(payload.url, '/alarms?focus=filling.fault.discrete');
  const latency = req.at - payload.ts;
  console.log(`# alarm raised → push request received: ${latency} ms`);
  assert.ok(latency >= 0 && latency < 1000, `${latency} ms`);

  const left = (await (await api('/api/push/subscriptions', 'operator')).json()).subscriptions.map((s: { endpoint: string }) => s.endpoint);
  assert.deepEqual(left, [phone.subscription.endpoint], 'the 410 subscription was deleted');
  const metrics = await (await api('/metrics', 'viewer')).text();
  assert.match(metrics, /^linewatch_push_requests_total\{outcome="sent"\} [1-9]/m);
  assert.match(metrics, /^linewatch_push_requests_total\{outcome="removed"\} 1$/m);
  assert.match(metrics, /^linewatch_push_latency_seconds_count [1-9]/m);
  assert.match(metrics, /^linewatch_push_subscriptions 1$/m);

  const tested = await (await api('/api/push/test', 'operator', { method: 'POST', body: JSON.stringify({ endpoint: phone.subscription.endpoint }) })).json();
  assert.deepEqual(tested, { delivered: true, status: 201, error: null });
  assert.equal((phone.keys.decrypt(capture.requests.at(-1)!.body) as TestPush).kind, 'test');
  assert.equal(
    (await api('/api/push/test', 'viewer', { method: 'POST', body: JSON.stringify({ endpoint: phone.subscription.endpoint }) })).status,
    404,
    'only your own devices',
  );

  await api('/api/lines/filling/simulation', 'operator', { method: 'DELETE' });
});

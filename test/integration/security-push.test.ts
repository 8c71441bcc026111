import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { after, before, test } from 'node:test';
import type { AlarmPush } from '../../lib/push/push-types.ts';
import { browserKeys, startPushCapture, type PushCapture } from '../helpers/push-service.ts';
import { login, startTestServer, testPassword, type TestServer } from '../helpers/test-server.ts';

/**
 * Issue 17, against the real server: what a signed-in viewer could do through the push
 * routes — make the server connect to this machine (SSRF, a port scanner with the test
 * button), read what answered, take another user's device, or silence others' alarm pushes
 * with many devices on a push service that never answers. Local servers only: a capture
 * push service (the test-only `allowLoopbackHttp` lets the server use plain http to it), one
 * that never answers, one that answers with a body, and a TCP port that counts connections.
 */

let server: TestServer;
let capture: PushCapture;
const users = ['admin', 'operator', 'viewer', 'v2', 'v3'] as const;
type User = (typeof users)[number];
const cookies = {} as Record<User, string>;

/** Never answers; counts the requests it holds. */
const silent = createHttpServer((req, res) => {
  silentOpen++;
  res.on('close', () => silentOpen--);
  req.resume();
});
let silentOpen = 0;
/** Answers 500 with a body a push service would never send, as an internal service might. */
const chatty = createHttpServer((req, res) => {
  req.resume();
  setTimeout(() => res.writeHead(500, { 'content-type': 'text/plain' }).end('root:x:0:0:root:/root:/bin/bash\nsecret-token=abc123'), 200);
});
let tcpConnections = 0;
const counter = createTcpServer((socket) => {
  tcpConnections++;
  socket.destroy();
});
const portOf = (s: { address(): unknown }) => (s.address() as { port: number }).port;
const urlOf = (s: { address(): unknown }) => `http://127.0.0.1:${portOf(s)}`;

before(async () => {
  capture = await startPushCapture();
  for (const s of [silent, chatty, counter]) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  // Plain HTTP to the local capture services: the test-only escape hatch of the endpoint policy.
  server = await startTestServer({ push: { allowLoopbackHttp: true } });
  Object.assign(cookies, server.cookies);
  // Two more viewers, for the per-user limits.
  for (const username of users.slice(3)) {
    const res = await server.api('/api/users', { as: 'admin', method: 'POST', body: JSON.stringify({ username, password: testPassword, role: 'viewer' }) });
    assert.equal(res.status, 201);
    cookies[username] = await login(server.url, username);
  }
});
after(async () => {
  await server?.close();
  silent.closeAllConnections();
  chatty.closeAllConnections();
  for (const s of [silent, chatty, counter]) await new Promise<void>((resolve) => s.close(() => resolve()));
  await capture?.close();
});

const api = (path: string, as: User, init: RequestInit = {}) =>
  fetch(server.url + path, { ...init, headers: { cookie: cookies[as], 'content-type': 'application/json', ...init.headers } });

const subscription = (endpoint: string) => {
  const { p256dh, auth } = browserKeys();
  return { endpoint, expirationTime: null, keys: { p256dh, auth } };
};
/** Subscribes `endpoint` for `as`; by default for no line, so alarms of the other tests do not go there. */
const subscribe = (as: User, endpoint: string, preferences: unknown = { lines: [], minPriority: 'critical' }) =>
  api('/api/push/subscriptions', as, { method: 'POST', body: JSON.stringify({ subscription: subscription(endpoint), preferences }) });
const sendTest = (as: User, endpoint: string) => api('/api/push/test', as, { method: 'POST', body: JSON.stringify({ endpoint }) });

test('SSRF: endpoints on this machine or its network are refused in every spelling (400 naming subscription.endpoint), and nothing connects', async () => {
  const p = portOf(counter);
  const endpoints = [
    `https://[::ffff:127.0.0.1]:${p}/x`,
    `https://[::ffff:7f00:1]:${p}/x`,
    `https://[0:0:0:0:0:ffff:7f00:1]:${p}/x`,
    'https://[::ffff:a9fe:a9fe]/latest/meta-data',
    'https://[64:ff9b::a9fe:a9fe]/latest/meta-data',
    `https://localhost.:${p}/x`,
    `https://foo.localhost.:${p}/x`,
    `https://127.0.0.1:${p}/x`,
    `http://[::ffff:127.0.0.1]:${p}/x`,
    `https://push.example.com/x`,
    `https://fcm.googleapis.com:${p}/fcm/send/x`,
  ];
  for (const endpoint of endpoints) {
    const res = await subscribe('viewer', endpoint);
    const body = await res.json();
    assert.equal(res.status, 400, `${endpoint}: ${JSON.stringify(body)}`);
    assert.equal(body.error.field, 'subscription.endpoint', endpoint);
    assert.equal((await sendTest('viewer', endpoint)).status, 404, endpoint);
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(tcpConnections, 0, 'no connection reached this machine');
});

test('a test send answers with the status only, never the body of what answered', async () => {
  const endpoint = `${urlOf(chatty)}/push/1`;
  assert.equal((await subscribe('operator', endpoint)).status, 201);
  const res = await sendTest('operator', endpoint);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.deepEqual(JSON.parse(text), { delivered: false, status: 500, error: '500 Internal Server Error' });
  const { subscriptions } = await (await api('/api/push/subscriptions', 'operator')).json();
  const listed = JSON.stringify(subscriptions);
  for (const leak of [text, listed]) assert.doesNotMatch(leak, /root:x|secret-token/);
});

test('test sends: one at a time per user and at most 5 a minute (429 with a clear message)', async () => {
  const endpoint = `${urlOf(chatty)}/push/2`;
  assert.equal((await subscribe('viewer', endpoint)).status, 201);
  const [a, b] = await Promise.all([sendTest('viewer', endpoint), sendTest('viewer', endpoint)]);
  assert.deepEqual([a.status, b.status].sort(), [200, 429]);
  const refused = await (a.status === 429 ? a : b).json();
  assert.equal(refused.error.code, 'LW_LIMIT');
  assert.match(refused.error.message, /still on its way/);
  for (let i = 0; i < 4; i++) assert.equal((await sendTest('viewer', endpoint)).status, 200);
  const sixth = await sendTest('viewer', endpoint);
  assert.equal(sixth.status, 429);
  assert.match((await sixth.json()).error.message, /^at most 5 test notifications per 60 s: try again in \d+ s$/);
});

test('another user’s device cannot be taken over: 409 naming subscription.endpoint, and it stays theirs', async () => {
  const endpoint = `${capture.url}/push/operator-phone`;
  assert.equal((await subscribe('operator', endpoint)).status, 201);
  const res = await subscribe('v2', endpoint, { lines: null, minPriority: 'low' });
  assert.equal(res.status, 409);
  assert.equal((await res.json()).error.field, 'subscription.endpoint');
  const endpoints = async (as: User) => (await (await api('/api/push/subscriptions', as)).json()).subscriptions.map((s: { endpoint: string }) => s.endpoint);
  assert.ok((await endpoints('operator')).includes(endpoint));
  assert.equal((await endpoints('v2')).includes(endpoint), false);
  const tested = await (await sendTest('operator', endpoint)).json();
  assert.equal(tested.delivered, true, 'still works with the owner’s keys');
  assert.equal((await api('/api/push/subscriptions', 'operator', { method: 'DELETE', body: JSON.stringify({ endpoint }) })).status, 200);
});

test('at most 10 devices per user: the 11th is refused (409 naming subscription.endpoint); updating one still works', async () => {
  for (let i = 0; i < 10; i++) assert.equal((await subscribe('v3', `${capture.url}/push/v3-${i}`)).status, 201);
  const res = await subscribe('v3', `${capture.url}/push/v3-10`);
  assert.equal(res.status, 409);
  const { error } = await res.json();
  assert.equal(error.field, 'subscription.endpoint');
  assert.match(error.message, /10 devices/);
  assert.equal((await subscribe('v3', `${capture.url}/push/v3-3`)).status, 201);
  for (let i = 0; i < 10; i++)
    assert.equal(
      (await api('/api/push/subscriptions', 'v3', { method: 'DELETE', body: JSON.stringify({ endpoint: `${capture.url}/push/v3-${i}` }) })).status,
      200,
    );
});

test('acceptance: an operator’s alarm push goes out promptly while 30 devices of other users hang on a push service that never answers', async () => {
  for (const user of ['viewer', 'v2', 'v3'] as const) {
    for (let i = 0; i < 10; i++) {
      const res = await subscribe(user, `${urlOf(silent)}/push/${user}-${i}`, { lines: null, minPriority: 'low' });
      if (res.status === 409) break; // the viewer has devices from the tests above
      assert.equal(res.status, 201);
    }
  }
  const phone = browserKeys();
  const path = '/push/on-call';
  const res = await api('/api/push/subscriptions', 'operator', {
    method: 'POST',
    body: JSON.stringify({
      subscription: { endpoint: capture.url + path, keys: { p256dh: phone.p256dh, auth: phone.auth } },
      preferences: { lines: ['filling'], minPriority: 'high' },
    }),
  });
  assert.equal(res.status, 201);

  assert.equal((await api('/api/lines/filling/simulation', 'operator', { method: 'DELETE' })).status, 200);
  assert.equal((await api('/api/lines/filling/simulation', 'operator', { method: 'POST', body: '{"scenario":"jam"}' })).status, 202);
  const isFault = (r: { path: string; body: Buffer }) => r.path === path && (phone.decrypt(r.body) as AlarmPush).id === 'filling.fault.discrete';
  await capture.waitFor((all) => all.some(isFault), 30_000);
  const req = capture.requests.find(isFault)!;
  const latency = req.at - (phone.decrypt(req.body) as AlarmPush).ts;
  for (let i = 0; i < 100 && silentOpen < 4; i++) await new Promise((r) => setTimeout(r, 10));
  console.log(`# alarm raised → operator's push received, ${silentOpen} requests hanging elsewhere: ${latency} ms`);
  assert.ok(latency >= 0 && latency < 1500, `${latency} ms`);
  assert.equal(silentOpen, 4, 'the silent push service holds its own share of connections, no more');
  await api('/api/lines/filling/simulation', 'operator', { method: 'DELETE' });
});

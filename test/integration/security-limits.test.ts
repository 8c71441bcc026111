/**
 * Limits found missing by probing a running server (issue 17): live streams per sign-in, user
 * and address; WebSocket client input; the public health answer; query field names that are
 * also Object.prototype's; Next's image optimizer.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { openSse, type SseClient } from '../helpers/sse-client.ts';
import { login, startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ autoStartSimulations: false, live: { streamCaps: { perSession: 3, perUser: 4, perIp: 50, opensPerMinute: 6 } } });
});
after(() => server?.close());

const streamUrl = () => `${server.url}/api/stream`;
const until = async (check: () => Promise<boolean> | boolean, what: string) => {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const openStreams = async () => ((await (await server.api('/api/health', { as: 'admin' })).json()) as { streamClients: number }).streamClients;

function wsOpen(cookie: string): Promise<{ ws: WebSocket; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/ws`, { headers: { cookie, origin: server.url } });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode }));
    ws.once('error', reject);
  });
}

test('live streams are capped per sign-in and per user (SSE and WebSocket count together); a closed one frees its place', async () => {
  const mine: SseClient[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const s = await openSse(streamUrl(), { cookie: server.cookies.viewer });
      assert.equal(s.status, 200, `stream ${i + 1}`);
      mine.push(s);
    }
    const fourth = await openSse(streamUrl(), { cookie: server.cookies.viewer });
    assert.equal(fourth.status, 429);
    const refusal = (await (await fetch(streamUrl(), { headers: { cookie: server.cookies.viewer } })).json()) as { error: { code: string; message: string } };
    assert.equal(refusal.error.code, 'LW_TOO_MANY_STREAMS');
    assert.match(refusal.error.message, /at most 3 live streams per sign-in/);
    const ws = await wsOpen(server.cookies.viewer);
    assert.equal(ws.status, 429, 'a WebSocket counts as a stream too');

    // Another sign-in of the same user: allowed until the user's cap (4).
    const again = await login(server.url, 'viewer');
    const other = await openSse(streamUrl(), { cookie: again });
    assert.equal(other.status, 200);
    mine.push(other);
    const fifth = await openSse(streamUrl(), { cookie: await login(server.url, 'viewer') });
    assert.equal(fifth.status, 429, 'per user');

    mine.shift()!.close();
    await until(async () => (await openStreams()) === 3, 'the closed stream to be counted out');
    const reopened = await openSse(streamUrl(), { cookie: server.cookies.viewer });
    assert.equal(reopened.status, 200, 'its place is free again');
    mine.push(reopened);
  } finally {
    for (const s of mine) s.close();
  }
  await until(async () => (await openStreams()) === 0, 'every stream closed');
});

test('the WebSocket stream takes no client messages: data closes it (1008), an oversized frame too (1009)', async () => {
  for (const [payload, code] of [
    ['hello', 1008],
    ['x'.repeat(4096), 1009],
  ] as const) {
    const { ws, status } = await wsOpen(server.cookies.viewer);
    assert.equal(status, undefined, 'upgraded');
    const closed = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    ws.send(payload);
    assert.equal(await closed, code, `${payload.length} bytes`);
  }
});

test('the WebSocket stream cuts a client that floods it with pings; one that pings now and then stays', async () => {
  // Another user than the tests above: each user's opens are rate-limited (the next test).
  const { ws: calm } = await wsOpen(server.cookies.admin);
  const { ws: flood } = await wsOpen(server.cookies.admin);
  try {
    let calmPongs = 0;
    calm.on('pong', () => calmPongs++);
    const cut = new Promise<number | string>((resolve) => {
      flood.once('close', (c) => resolve(c));
      setTimeout(() => resolve('still open after 5 s'), 5000).unref();
    });
    for (let i = 0; i < 5; i++) calm.ping();
    for (let i = 0; i < 50; i++) flood.ping();
    assert.equal(await cut, 1006, 'cut without a close frame');
    await until(() => calmPongs === 5, "the calm client's pongs");
    assert.equal(calm.readyState, WebSocket.OPEN, 'within its budget: still streaming');
  } finally {
    calm.close();
    flood.terminate();
  }
  await until(async () => (await openStreams()) === 0, 'every stream closed');
});

test("a user's stream opens are rate-limited after a burst (each costs the live process a snapshot)", async () => {
  // operator has opened nothing yet: a burst of 2 × perUser (8), then 6 a minute.
  for (let i = 0; i < 8; i++) {
    const s = await openSse(streamUrl(), { cookie: server.cookies.operator });
    assert.equal(s.status, 200, `open ${i + 1} of the burst`);
    s.close();
    await until(async () => (await openStreams()) === 0, 'the stream closed');
  }
  const refused = await fetch(streamUrl(), { headers: { cookie: server.cookies.operator } });
  assert.equal(refused.status, 429);
  const { error } = (await refused.json()) as { error: { code: string; message: string } };
  assert.equal(error.code, 'LW_TOO_MANY_STREAMS');
  assert.match(error.message, /at most 6 live streams opened a minute per user/);
  const ws = await wsOpen(server.cookies.operator);
  assert.equal(ws.status, 429, 'WebSocket opens count too');
  const other = await openSse(streamUrl(), { cookie: server.cookies.admin });
  assert.equal(other.status, 200, 'other users are not affected');
  other.close();
});

test('public health says only the status; signed in, the details', async () => {
  const anonymous = await (await fetch(`${server.url}/api/health`)).json();
  assert.deepEqual(anonymous, { status: 'ok' });
  const signedIn = (await (await server.api('/api/health', { as: 'viewer' })).json()) as Record<string, unknown>;
  assert.equal(signedIn.status, 'ok');
  assert.equal(typeof signedIn.streamClients, 'number');
});

test('query fields named like Object.prototype members are fields like any other', async () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const res = await server.api(`/api/alarms?${name}=1`, { as: 'viewer' });
    assert.equal(res.status, 400, name);
    const { error } = (await res.json()) as { error: { message: string; field: string } };
    assert.doesNotMatch(error.message, /more than once/, name);
    assert.equal(error.field, name);
  }
});

test("Next's image optimizer is not served (it would write a cache file per request)", async () => {
  const res = await fetch(`${server.url}/_next/image?url=%2Ficons%2Ficon-192.png&w=64&q=75`);
  assert.equal(res.status, 404);
});

test('JSON routes take application/json only: a text/plain or form body (what a cross-site form sends) gets 415', async () => {
  const body = JSON.stringify({ ids: ['x'] });
  for (const type of ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const res = await fetch(`${server.url}/api/alarms/ack`, { method: 'POST', headers: { cookie: server.cookies.operator, 'content-type': type }, body });
    assert.equal(res.status, 415, type);
    const { error } = (await res.json()) as { error: { code: string; field: string } };
    assert.deepEqual([error.code, error.field], ['LW_MEDIA_TYPE', 'content-type']);
  }
  const json = await server.api('/api/alarms/ack', { method: 'POST', body });
  assert.notEqual(json.status, 415, 'application/json passes on to validation');
});

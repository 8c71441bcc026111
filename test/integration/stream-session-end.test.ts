import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { login, startTestServer, testPassword, type TestServer } from '../helpers/test-server.ts';

// A live stream makes no requests after it opens: it must end with the login session it was
// opened in, however that session ends.

let server: TestServer;
before(async () => {
  server = await startTestServer({ autoStartSimulations: false });
  const res = await server.api('/api/users', {
    as: 'admin',
    method: 'POST',
    body: JSON.stringify({ username: 'watcher', password: testPassword, role: 'viewer' }),
  });
  assert.equal(res.status, 201);
});
after(() => server?.close());

/** A fresh login session of `watcher`: its cookie and its session id. */
async function signIn(): Promise<{ cookie: string; id: string }> {
  const cookie = await login(server.url, 'watcher');
  const { sessions } = (await (await fetch(`${server.url}/api/auth/sessions`, { headers: { cookie } })).json()) as {
    sessions: { id: string; current: boolean }[];
  };
  return { cookie, id: sessions.find((s) => s.current)!.id };
}

/** An SSE stream, read to its end once its snapshot arrived. */
async function openStream(cookie: string) {
  const abort = new AbortController();
  const res = await fetch(`${server.url}/api/stream`, { headers: { cookie }, signal: abort.signal });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const onText = new Set<() => void>();
  /** Resolves once the stream has carried `needle`. */
  const carried = (needle: string) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!text.includes(needle)) return;
        onText.delete(check);
        resolve();
      };
      onText.add(check);
      check();
    });
  const ended = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      text += decoder.decode(value, { stream: true });
      for (const check of onText) check();
    }
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) throw error;
  });
  await carried('event: snapshot');
  return { ended, carried, close: () => abort.abort() };
}

async function openSocket(cookie: string): Promise<{ closed: Promise<number>; ws: WebSocket }> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/ws`, { headers: { cookie } });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
  });
  return { closed, ws };
}

const within = <T>(promise: Promise<T>, what: string, ms = 3000): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms).unref())]);

let markers = 0;

/**
 * Resolves when `stream` carries an event published after every session end done before the
 * call (a shelving, then its end): the live process takes session ends and events on one
 * channel, in order, so a stream those ends had closed could never carry it. A deterministic
 * "still open", instead of "not ended within some ms".
 */
async function carriesLaterEvent(stream: { carried(needle: string): Promise<void> }): Promise<void> {
  const marker = `still open ${++markers}`;
  const actor = { username: 'admin', ip: '127.0.0.1' };
  await server.runtime.alarms.shelve('filling.fault.discrete', 60_000, marker, actor);
  await server.runtime.alarms.unshelve('filling.fault.discrete', undefined, actor);
  await within(stream.carried(marker), `an event published after the session ended (${marker})`);
}

test('logging out ends the SSE stream and the WebSocket opened with that session, not the others', async () => {
  const mine = await signIn();
  const other = await signIn();
  const stream = await openStream(mine.cookie);
  const socket = await openSocket(mine.cookie);
  const otherStream = await openStream(other.cookie);
  const res = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { cookie: mine.cookie } });
  assert.equal(res.status, 200);
  await within(stream.ended, 'SSE stream ended');
  assert.equal(await within(socket.closed, 'WebSocket closed'), 1008);
  // Another session of the same user keeps its stream.
  await carriesLaterEvent(otherStream);
  const again = await fetch(`${server.url}/api/stream`, { headers: { cookie: mine.cookie } });
  assert.equal(again.status, 401, 'the reconnect is refused');
  await again.text();
  otherStream.close();
});

test('a session ended from another device ends its streams', async () => {
  const tablet = await signIn();
  const desk = await signIn();
  const stream = await openStream(tablet.cookie);
  const socket = await openSocket(tablet.cookie);
  const res = await fetch(`${server.url}/api/auth/sessions/${tablet.id}`, { method: 'DELETE', headers: { cookie: desk.cookie } });
  assert.equal(res.status, 200);
  await within(stream.ended, 'SSE stream ended');
  assert.equal(await within(socket.closed, 'WebSocket closed'), 1008);
});

test('disabling the user or resetting its password ends its streams', async () => {
  const users = (await (await server.api('/api/users', { as: 'admin' })).json()) as { users: { id: number; username: string }[] };
  const id = users.users.find((u) => u.username === 'watcher')!.id;
  const patch = (body: object) => server.api(`/api/users/${id}`, { as: 'admin', method: 'PATCH', body: JSON.stringify(body) });

  let stream = await openStream((await signIn()).cookie);
  assert.equal((await patch({ disabled: true })).status, 200);
  await within(stream.ended, 'SSE stream ended on disable');
  assert.equal((await patch({ disabled: false })).status, 200);

  const { cookie } = await signIn();
  stream = await openStream(cookie);
  const socket = await openSocket(cookie);
  assert.equal((await patch({ password: testPassword })).status, 200);
  await within(stream.ended, 'SSE stream ended on password reset');
  assert.equal(await within(socket.closed, 'WebSocket closed on password reset'), 1008);
});

test('a session past its timeout ends its streams (checked on the sweep)', async () => {
  const old = await signIn();
  const fresh = await signIn();
  const stream = await openStream(old.cookie);
  const socket = await openSocket(old.cookie);
  const freshStream = await openStream(fresh.cookie);
  // What the runtime's sweep does for the sessions with open streams, a day later for one of them.
  await server.runtime.auth.endExpired([old.id], Date.now() + 24 * 3600_000);
  await server.runtime.auth.endExpired([fresh.id]);
  await within(stream.ended, 'SSE stream ended');
  assert.equal(await within(socket.closed, 'WebSocket closed'), 1008);
  // A session within its timeouts keeps its stream.
  await carriesLaterEvent(freshStream);
  freshStream.close();
});

test('signing in again from the same browser (session rotation) ends the streams of the old session', async () => {
  const old = await signIn();
  const stream = await openStream(old.cookie);
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: old.cookie },
    body: JSON.stringify({ username: 'watcher', password: testPassword }),
  });
  assert.equal(res.status, 200);
  assert.notEqual(res.headers.get('set-cookie')!.split(';')[0], old.cookie, 'a new session');
  await within(stream.ended, 'SSE stream of the replaced session ended');
});

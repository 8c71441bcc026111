import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { login, startTestServer, testPassword, type TestServer } from '../helpers/test-server.ts';

/**
 * Issue 23, against the real server: a user changes their own password with
 * `POST /api/auth/password`: the current password is required, the new one follows the rules
 * of user creation, every other session of the user ends (this one stays), and it is audited.
 */

let server: TestServer;

before(async () => {
  server = await startTestServer({ autoStartSimulations: false });
  const res = await server.api('/api/users', {
    as: 'admin',
    method: 'POST',
    body: JSON.stringify({ username: 'pw-viewer', password: testPassword, role: 'viewer' }),
  });
  assert.equal(res.status, 201);
});
after(() => server?.close());

const change = (cookie: string, body: unknown) =>
  fetch(`${server.url}/api/auth/password`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });

const me = (cookie: string) => fetch(`${server.url}/api/auth/me`, { headers: { cookie } });

test('a viewer changes their own password: other sessions end, this one stays, the new password signs in, audited', async () => {
  const here = await login(server.url, 'pw-viewer');
  const phone = await login(server.url, 'pw-viewer');
  const tablet = await login(server.url, 'pw-viewer');
  const newPassword = 'a brand new passphrase';

  const res = await change(here, { currentPassword: testPassword, newPassword });
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(await res.json(), { endedSessions: 2 });

  assert.equal((await me(here)).status, 200, 'the session that changed it stays signed in');
  assert.equal((await me(phone)).status, 401);
  assert.equal((await me(tablet)).status, 401);
  await assert.rejects(login(server.url, 'pw-viewer', testPassword), /401/);
  assert.ok(await login(server.url, 'pw-viewer', newPassword));

  const audit = await server.api('/api/audit?action=user.password&limit=10', { as: 'admin' });
  const rows = (await audit.json()).entries as { username: string; target: string; result: string; detail: string | null }[];
  assert.deepEqual(
    rows.filter((r) => r.result === 'ok').map((r) => ({ username: r.username, target: r.target, detail: r.detail })),
    [{ username: 'pw-viewer', target: 'pw-viewer', detail: 'other sessions ended: 2' }],
  );
});

test('a wrong current password is refused naming currentPassword, audited, and changes nothing', async () => {
  const cookie = server.cookies.operator;
  const res = await change(cookie, { currentPassword: 'not the password', newPassword: 'another good passphrase' });
  assert.equal(res.status, 400);
  const { error } = await res.json();
  assert.equal(error.field, 'currentPassword');
  assert.match(error.message, /current password/);
  assert.equal((await me(cookie)).status, 200, 'a wrong guess does not sign the user out');
  assert.ok(await login(server.url, 'operator', testPassword), 'the old password still works');
  const audit = await server.api('/api/audit?action=user.password&limit=10', { as: 'admin' });
  const rows = (await audit.json()).entries as { username: string; result: string }[];
  assert.ok(rows.some((r) => r.username === 'operator' && r.result === 'denied: wrong current password'));
});

test('the new password follows the rules of user creation; a missing current password is refused', async () => {
  const cookie = server.cookies.viewer;
  const short = await change(cookie, { currentPassword: testPassword, newPassword: 'short' });
  assert.equal(short.status, 400);
  assert.equal((await short.json()).error.field, 'newPassword');
  const same = await change(cookie, { currentPassword: testPassword, newPassword: testPassword });
  assert.equal(same.status, 400);
  assert.equal((await same.json()).error.field, 'newPassword');
  const missing = await change(cookie, { newPassword: 'a long enough passphrase' });
  assert.equal(missing.status, 400);
  assert.equal((await missing.json()).error.field, 'currentPassword');
  const anonymous = await fetch(`${server.url}/api/auth/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ currentPassword: testPassword, newPassword: 'a long enough passphrase' }),
  });
  assert.equal(anonymous.status, 401);
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { login, startTestServer, testPassword, type TestServer } from '../helpers/test-server.ts';

/**
 * Issue 17, against the real server: login throttling that an attacker cannot turn into a
 * lockout, a bounded audit log, idle timeouts that background polling does not defeat, the
 * last active admin, the admin recovery command, and which session cookie counts on HTTPS.
 * (The redirect after login is a pure function: test/unit/auth-next-path.test.ts.)
 */

/** Behind a trusted proxy, so each test can speak from its own client address. */
let strict: TestServer;

before(async () => {
  strict = await startTestServer({ autoStartSimulations: false, auth: { maxLoginFailures: 3, trustProxy: true } });
});
after(() => strict?.close());

const attempt = (server: TestServer, username: string, password: string, ip: string, extra: Record<string, string> = {}) =>
  fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, ...extra },
    body: JSON.stringify({ username, password }),
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface AuditRow {
  action: string;
  username: string | null;
  ip: string;
  result: string;
  target: string | null;
  detail: string | null;
}

async function auditRows(server: TestServer, action: string): Promise<AuditRow[]> {
  const res = await server.api(`/api/audit?action=${action}&limit=500`, { as: 'admin' });
  assert.equal(res.status, 200);
  return (await res.json()).entries;
}

test('failures from one address never lock the right password out from another (account × IP throttling)', async () => {
  // The attacker hammers the admin account for a while, failing whenever a delay has run out;
  // it stops on a refusal, so the account is held (per account) at that moment.
  const attacker = '10.17.3.1';
  const seen = { 401: 0, 429: 0 };
  const until = Date.now() + 2500;
  for (let last = 0; Date.now() < until || last !== 429; ) {
    last = (await attempt(strict, 'admin', 'wrong password', attacker)).status;
    assert.ok(last === 401 || last === 429, String(last));
    seen[last]++;
  }
  assert.ok(seen[401] >= 3 && seen[429] > 0, JSON.stringify(seen));
  const admin = await attempt(strict, 'admin', testPassword, '10.17.3.2');
  assert.equal(admin.status, 200, 'the admin, from an address that has not failed, gets in');
  assert.equal((await fetch(`${strict.url}/api/auth/me`, { headers: { cookie: admin.headers.get('set-cookie')!.split(';')[0]! } })).status, 200);
  // (Who else waits, and how long, is the throttle's table test: test/unit/login-throttle.test.ts.)
});

test('refused logins are counted into one audit row per account and address, not one each; the failure log has fields', async () => {
  const ip = '10.17.5.1';
  for (let i = 0; i < 3; i++) assert.equal((await attempt(strict, 'operator', 'wrong password', ip)).status, 401);
  const statuses = await Promise.all(Array.from({ length: 200 }, () => attempt(strict, 'operator', 'wrong password', ip).then((r) => r.status)));
  // (A few may come after a delay ran out: they are checked, fail, and double the delay.)
  const throttled = statuses.filter((s) => s === 429).length;
  assert.ok(throttled >= 190, `${throttled} of 200 refused`);
  // Summaries are written when their period ends (the minute sweep; here, ten minutes on).
  await strict.runtime.auth.sweep(Date.now() + 10 * 60_000);
  await sleep(100);
  const mine = (await auditRows(strict, 'login')).filter((r) => r.ip === ip);
  const refused = mine.filter((r) => r.result === 'throttled');
  assert.ok(refused.length <= 1, `${refused.length} throttled rows for 200 refusals`);
  assert.equal(refused.length, 1, JSON.stringify(mine));
  assert.equal(refused[0]!.username, 'operator');
  assert.match(refused[0]!.detail ?? '', new RegExp(`^${throttled} attempts refused`));
  assert.equal(mine.filter((r) => r.result.startsWith('denied')).length, 200 - throttled + 3, 'failures are still audited one by one');

  const failed = strict.logs.filter((l) => l.startsWith('warn login failed') && l.includes(ip));
  assert.equal(failed.length, 200 - throttled + 3);
  assert.ok(
    failed.every((l) => l.includes('"username":"operator"') && l.includes(`"ip":"${ip}"`)),
    failed.join('\n'),
  );
});

test('on HTTPS only the __Host- session cookie counts, whichever comes first', async () => {
  const plain = (await (await attempt(strict, 'viewer', testPassword, '10.17.11.1')).headers.get('set-cookie'))!.split(';')[0]!;
  const created = await strict.api('/api/users', {
    as: 'admin',
    method: 'POST',
    body: JSON.stringify({ username: 'tls-user', password: testPassword, role: 'operator' }),
  });
  assert.equal(created.status, 201);
  const secureRes = await attempt(strict, 'tls-user', testPassword, '10.17.11.2', { 'x-forwarded-proto': 'https' });
  const secure = secureRes.headers.get('set-cookie')!.split(';')[0]!;
  assert.match(plain, /^lw_session=/);
  assert.match(secure, /^__Host-lw_session=/);
  const me = async (cookie: string, https: boolean) => {
    const res = await fetch(`${strict.url}/api/auth/me`, { headers: { cookie, ...(https && { 'x-forwarded-proto': 'https' }) } });
    return res.status === 200 ? (await res.json()).username : res.status;
  };
  assert.equal(await me(`${plain}; ${secure}`, true), 'tls-user', 'a planted plain cookie does not win');
  assert.equal(await me(`${secure}; ${plain}`, true), 'tls-user');
  assert.equal(await me(plain, true), 401, 'a plain cookie alone does not count on HTTPS');
  assert.equal(await me(plain, false), 'viewer', 'over HTTP the plain one is the session cookie');
});

test('background requests (polling) do not keep a session alive; the user’s own requests do', async () => {
  const server = await startTestServer({ autoStartSimulations: false, auth: { idleTimeoutMs: 6000 } });
  try {
    const request = (cookie: string, background: boolean, path = '/api/auth/me') =>
      fetch(`${server.url}${path}`, { headers: { cookie, ...(background && { 'x-linewatch-background': '1' }) } });
    const me = (cookie: string, background: boolean) => request(cookie, background).then((r) => r.status);
    /** When the session began, by the server's clock (read in the background: it does not count). */
    const createdAt = async (cookie: string): Promise<number> => {
      const { sessions } = await (await request(cookie, true, '/api/auth/sessions')).json();
      return sessions.find((s: { current: boolean }) => s.current).createdAt;
    };
    const idle = await login(server.url, 'viewer');
    const used = await login(server.url, 'viewer');
    const [idleAt, usedAt] = [await createdAt(idle), await createdAt(used)];
    // Polls every 0.4 s until just before the idle timeout (past the 5 s in which a session's
    // last-seen time is written once at most); the second session also makes one request of
    // the user's own, 3 s in.
    let userRequestDone = false;
    while (Date.now() < idleAt + 5600) {
      assert.equal(await me(idle, true), 200, `idle session ${Date.now() - idleAt} ms in`);
      assert.equal(await me(used, true), 200, `used session ${Date.now() - usedAt} ms in`);
      if (!userRequestDone && Date.now() >= usedAt + 3000) {
        assert.equal(await me(used, false), 200);
        userRequestDone = true;
      }
      await sleep(400);
    }
    await sleep(idleAt + 6500 - Date.now());
    assert.equal(await me(idle, true), 401, 'polled but unattended: timed out');
    assert.equal(await me(used, true), 200, 'the user’s request at 3 s counted');
    await sleep(usedAt + 9500 - Date.now());
    assert.equal(await me(used, true), 401, 'and only it');
  } finally {
    await server.close();
  }
});

test('two admins demoting each other at once leave one admin; reset-admin recovers an account from the command line', async () => {
  const server = await startTestServer({ autoStartSimulations: false });
  try {
    const created = await server.api('/api/users', {
      as: 'admin',
      method: 'POST',
      body: JSON.stringify({ username: 'second-admin', password: testPassword, role: 'admin' }),
    });
    assert.equal(created.status, 201);
    const second = await login(server.url, 'second-admin');
    const users = await server.runtime.auth.users();
    const id = (name: string) => users.find((u) => u.username === name)!.id;
    const demote = (cookie: string, target: number) =>
      fetch(`${server.url}/api/users/${target}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ role: 'operator' }),
      });
    const [a, b] = await Promise.all([demote(server.cookies.admin, id('second-admin')), demote(second, id('admin'))]);
    assert.notDeepEqual([a.status, b.status], [200, 200]);
    const all = await server.runtime.auth.users();
    const admins = all.filter((u) => u.role === 'admin' && !u.disabled);
    assert.equal(admins.length, 1, JSON.stringify(all));
    const refused = [a, b].find((r) => r.status !== 200)!;
    assert.ok([403, 409].includes(refused.status), String(refused.status));

    // The recovery command, run against the database of the running server (WAL, busy timeout).
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/reset-admin.ts', '--data', server.dataDir, '--username', 'viewer'], {
      env: { ...process.env, LINEWATCH_RESET_PASSWORD: 'a recovered password' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, output);
    await sleep(1100);
    assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: { cookie: server.cookies.viewer } })).status, 401, 'its old sessions are ended');
    const cookie = await login(server.url, 'viewer', 'a recovered password');
    assert.deepEqual(await (await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).json(), { username: 'viewer', role: 'admin' });
    const rows = await auditRows(server, 'user.reset-admin');
    assert.ok(
      rows.some((r) => r.target === 'viewer' && r.result === 'ok'),
      JSON.stringify(rows),
    );

    const unknown = spawn(process.execPath, ['--import', 'tsx', 'scripts/reset-admin.ts', '--data', server.dataDir, '--username', 'nobody'], {
      env: { ...process.env, LINEWATCH_RESET_PASSWORD: 'a recovered password' },
      stdio: 'ignore',
    });
    assert.notEqual((await once(unknown, 'exit'))[0], 0, 'an unknown user is an error, not a new account');
  } finally {
    await server.close();
  }
});

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { apiRules } from '../../server/auth/access-rules.ts';
import type { Role } from '../../server/storage/store.ts';
import { login, startTestServer, testPassword, type TestServer } from '../helpers/test-server.ts';

/** Every route handler file under app/, with the methods it exports. */
function routeFiles(): { path: string; method: string }[] {
  const out: { path: string; method: string }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name === 'route.ts') {
        const path = '/' + relative('app', full).split(sep).slice(0, -1).join('/');
        for (const m of readFileSync(full, 'utf8').matchAll(/export (?:const|async function|function) (GET|POST|PUT|PATCH|DELETE)\b/g)) {
          out.push({ path, method: m[1]! });
        }
      }
    }
  };
  walk('app');
  return out;
}

let server: TestServer;
before(async () => {
  server = await startTestServer({ autoStartSimulations: false });
});
after(() => server?.close());

const callers = ['anonymous', 'viewer', 'operator', 'admin'] as const;
const rank = { viewer: 0, operator: 1, admin: 2 };

test('every route file has an access rule, and every rule a route', () => {
  const files = routeFiles().filter((r) => !r.path.startsWith('/serwist'));
  const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
  const rules = new Set(apiRules.map(key));
  const missing = files.filter((f) => !rules.has(key(f)));
  assert.deepEqual(missing, [], 'routes without an access rule');
  const handled = new Set([...files.map(key), ...apiRules.filter((r) => r.servedBy === 'server').map(key)]);
  assert.deepEqual(apiRules.filter((r) => !handled.has(key(r))), [], 'rules without a route');
});

test('role × route matrix: 401 anonymous, 403 below the role, allowed at or above it', async () => {
  for (const rule of apiRules.filter((r) => r.path !== '/api/ws')) {
    const path = rule.path.replace(/\[[^\]]+\]/g, 'x');
    for (const caller of callers) {
      const abort = new AbortController();
      // Logging out ends the session it is sent with: use a throwaway one.
      const cookie = caller === 'anonymous' ? undefined : rule.path === '/api/auth/logout' ? await login(server.url, caller) : server.cookies[caller];
      const res = await fetch(server.url + path, {
        method: rule.method,
        signal: abort.signal,
        headers: cookie ? { cookie } : {},
        ...(rule.method !== 'GET' && { body: '{}' }),
      });
      abort.abort();
      const where = `${rule.method} ${rule.path} as ${caller} → ${res.status}`;
      if (rule.access === 'public') assert.ok(res.status !== 401 && res.status !== 403, where);
      else if (caller === 'anonymous') assert.equal(res.status, 401, where);
      else if (rank[caller] < rank[rule.access]) assert.equal(res.status, 403, where);
      else assert.ok(res.status !== 401 && res.status !== 403 && res.status < 500, where);
    }
  }
});

test('WebSocket: anonymous 401, foreign Origin 403, a signed-in viewer gets the stream', async () => {
  const wsUrl = `${server.url.replace('http', 'ws')}/api/ws`;
  const outcome = (headers: Record<string, string>) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(wsUrl, { headers });
      ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.on('message', (m) => {
        resolve(JSON.parse(String(m)).event);
        ws.close();
      });
      ws.on('error', (e) => resolve(e.message));
    });
  assert.equal(await outcome({}), '401');
  assert.equal(await outcome({ cookie: server.cookies.viewer, origin: 'http://evil.example' }), '403');
  assert.equal(await outcome({ cookie: server.cookies.viewer, origin: server.url }), 'snapshot');
});

test('cross-site state changes are refused; same-origin ones pass', async () => {
  const post = (headers: Record<string, string>) =>
    server.api('/api/lines/filling/simulation', { method: 'POST', body: '{"scenario":"nope"}', headers });
  assert.equal((await post({ origin: 'http://evil.example' })).status, 403);
  assert.equal((await post({ 'sec-fetch-site': 'cross-site' })).status, 403);
  assert.equal((await post({ origin: server.url, 'sec-fetch-site': 'same-origin' })).status, 400, 'reaches validation');
});

test('pages redirect to the login page; security headers are on every response', async () => {
  const page = await fetch(`${server.url}/processes?x=1`, { redirect: 'manual' });
  assert.equal(page.status, 303);
  assert.equal(page.headers.get('location'), '/login?next=%2Fprocesses%3Fx%3D1');
  for (const res of [page, await server.api('/api/health'), await fetch(`${server.url}/login`)]) {
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const d of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self' 'nonce-"]) assert.ok(csp.includes(d), `${d} in ${csp}`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'same-origin');
  }
  assert.equal((await server.api('/api/health')).headers.get('strict-transport-security'), null, 'no HSTS over plain HTTP');
});

test('login rotates the session; logout ends it on the server', async () => {
  const first = await login(server.url, 'viewer');
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { cookie: first },
    body: JSON.stringify({ username: 'viewer', password: testPassword }),
  });
  const cookieHeader = res.headers.get('set-cookie')!;
  assert.match(cookieHeader, /HttpOnly/);
  assert.match(cookieHeader, /SameSite=Lax/);
  const second = cookieHeader.split(';')[0]!;
  assert.notEqual(second, first);
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: { cookie: first } })).status, 401, 'old session gone');
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: { cookie: second } })).status, 200);
  assert.equal((await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { cookie: second } })).status, 200);
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: { cookie: second } })).status, 401, 'logout ended it');
});

test('a user sees and ends their other sessions', async () => {
  const tablet = await login(server.url, 'operator');
  const phone = await login(server.url, 'operator');
  const list = await (await fetch(`${server.url}/api/auth/sessions`, { headers: { cookie: phone } })).json();
  const other = list.sessions.find((s: { current: boolean; id: string }) => !s.current && s.id);
  assert.ok(list.sessions.length >= 2 && other);
  const mine = list.sessions.filter((s: { current: boolean }) => s.current);
  assert.equal(mine.length, 1);
  const tabletId = list.sessions.filter((s: { current: boolean }) => !s.current).map((s: { id: string }) => s.id);
  for (const id of tabletId) assert.equal((await fetch(`${server.url}/api/auth/sessions/${id}`, { method: 'DELETE', headers: { cookie: phone } })).status, 200);
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: { cookie: tablet } })).status, 401);
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: { cookie: phone } })).status, 200);
  server.cookies.operator = phone;
});

test('malformed input never gets a 5xx, and every 400 names the field', async () => {
  const junkBodies = ['{nope', '[]', '"str"', '{"scenario":42,"username":{},"password":[],"role":"root","extra":1}', JSON.stringify({ x: 'a'.repeat(200_000) })];
  const junkQueries = ['?from=../../etc/passwd&to=1&limit=-5', '?tag=%00&from=2026-01-01T00:00:00Z&to=yesterday', '?line=' + 'x'.repeat(500), '?lastEventId=abc&extra=1'];
  const ids = ['..%2F..%2Fetc%2Fpasswd', '%00', 'x'.repeat(300), '-1'];
  const failures: string[] = [];
  for (const rule of apiRules.filter((r) => r.path !== '/api/ws' && r.path !== '/api/auth/logout')) {
    const paths = rule.path.includes('[') ? ids.map((id) => rule.path.replace(/\[[^\]]+\]/g, id)) : [rule.path];
    for (const path of paths) {
      const attempts: { url: string; body?: string }[] = rule.method === 'GET' ? junkQueries.map((q) => ({ url: path + q })) : junkBodies.map((body) => ({ url: path, body }));
      for (const a of attempts) {
        const abort = new AbortController();
        const res = await server.api(a.url, { as: 'admin', method: rule.method, body: a.body, signal: abort.signal });
        const text = res.headers.get('content-type')?.includes('json') ? await res.text() : '';
        abort.abort();
        const where = `${rule.method} ${a.url.slice(0, 80)} ${a.body?.slice(0, 40) ?? ''} → ${res.status} ${text.slice(0, 120)}`;
        if (res.status >= 500) failures.push(where);
        else if (res.status === 400 && !JSON.parse(text).error?.field) failures.push(`no field: ${where}`);
      }
    }
  }
  assert.deepEqual(failures, []);
});

test('audit rows record logins, failures, user changes and simulation control with the right user', async () => {
  await fetch(`${server.url}/api/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'viewer', password: 'wrong password!' }) });
  const start = await server.api('/api/lines/packaging/simulation', { as: 'operator', method: 'POST', body: '{"scenario":"jam"}' });
  assert.equal(start.status, 202);
  assert.equal((await server.api('/api/lines/packaging/simulation', { as: 'operator', method: 'DELETE' })).status, 200);
  const { entries } = await (await server.api('/api/audit?limit=500', { as: 'admin' })).json();
  const has = (action: string, username: string, result: RegExp, target?: string) =>
    assert.ok(
      entries.some((e: { action: string; username: string; result: string; target: string | null; ip: string; ts: number }) => e.action === action && e.username === username && result.test(e.result) && (target === undefined || e.target === target) && e.ip && e.ts > 0),
      `${action} by ${username} (${result})`,
    );
  has('login', 'admin', /^ok$/);
  has('login', 'viewer', /^denied/);
  has('logout', 'viewer', /^ok$/);
  has('user.create', 'admin', /^ok$/, 'operator');
  has('simulation.start', 'operator', /^ok$/, 'packaging');
  has('simulation.stop', 'operator', /^ok$/, 'packaging');
  const viewerTry = await server.api('/api/audit', { as: 'viewer' });
  assert.equal(viewerTry.status, 403);
});

test('admins manage users: create, set role, disable (ends sessions), reset password', async () => {
  const created = await server.api('/api/users', { as: 'admin', method: 'POST', body: JSON.stringify({ username: 'temp-op', password: testPassword, role: 'viewer' }) });
  assert.equal(created.status, 201);
  const { user } = await created.json();
  assert.equal(user.passwordHash, undefined, 'never exposed');
  const dup = await server.api('/api/users', { as: 'admin', method: 'POST', body: JSON.stringify({ username: 'temp-op', password: testPassword, role: 'viewer' }) });
  assert.equal(dup.status, 409);
  const cookie = await login(server.url, 'temp-op');
  const promote = await server.api(`/api/users/${user.id}`, { as: 'admin', method: 'PATCH', body: '{"role":"operator"}' });
  assert.equal((await promote.json()).user.role, 'operator');
  assert.equal((await server.api(`/api/users/${user.id}`, { as: 'admin', method: 'PATCH', body: '{"disabled":true}' })).status, 200);
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).status, 401, 'disabled user signed out');
  await assert.rejects(login(server.url, 'temp-op'), /401/);
  const weak = await server.api(`/api/users/${user.id}`, { as: 'admin', method: 'PATCH', body: '{"password":"short"}' });
  assert.equal(weak.status, 400);
  assert.equal((await weak.json()).error.field, 'password');
});

test('idle timeout and login throttling', async () => {
  const strict = await startTestServer({ autoStartSimulations: false, auth: { idleTimeoutMs: 1500, maxLoginFailures: 3 } });
  try {
    const cookie = await login(strict.url, 'viewer');
    assert.equal((await fetch(`${strict.url}/api/auth/me`, { headers: { cookie } })).status, 200);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await fetch(`${strict.url}/api/auth/me`, { headers: { cookie } })).status, 401, 'idle session expired');

    const attempt = (password: string) => fetch(`${strict.url}/api/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'operator', password }) });
    for (let i = 0; i < 3; i++) assert.equal((await attempt('wrong password')).status, 401);
    const throttled = await attempt(testPassword);
    assert.equal(throttled.status, 429, 'even the right password waits');
    assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
    assert.ok(strict.logs.some((l) => l.includes('login failed for "operator"')), 'failures are logged');
  } finally {
    await strict.close();
  }
});

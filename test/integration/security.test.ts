import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { apiRules, isPublicAsset } from '../../lib/auth/access-rules.ts';
import type { Role } from '../../server/storage/store.ts';
import { browserKeys } from '../helpers/push-service.ts';
import { login, startTestServer, testPassword, type TestServer } from '../helpers/test-server.ts';

/**
 * Who may call what, what junk input gets, sessions, throttling, first-run setup, HTTPS
 * cookies and the audit rows all this leaves, against the real server and production build.
 *
 * The error contract checked here: every 4xx answers `{ error: { code, message, field? } }`.
 * A 400 and a 409 always name the field; a 404 names it on a route with a path parameter (the
 * id that was not found). 401, 403, 405 and 429, and a 404 for a route that does not exist,
 * carry a code only: they are about the caller or the URL, not about one field.
 */

type Caller = 'anonymous' | Role;
const callers: readonly Caller[] = ['anonymous', 'viewer', 'operator', 'admin'];
const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

let server: TestServer;
/** Things the sample requests point at, made in `before`. */
const fx = { tag: '', alarmId: '', jobId: 0, userId: 0, from: '', to: '' };

before(async () => {
  server = await startTestServer({ autoStartSimulations: false, push: { allowedHosts: ['push.example.invalid'] } });
  const line = server.runtime.plant.lines[0]!;
  fx.tag = `${line.id}.${line.connections[0]!.tags[0]!.name}`;
  fx.to = new Date().toISOString();
  fx.from = new Date(Date.now() - 3600_000).toISOString();
  const { alarms } = await (await server.api('/api/alarms?all=1', { as: 'admin' })).json();
  fx.alarmId = alarms.find((a: { active: boolean; acknowledged: boolean }) => !a.active && a.acknowledged).id;
  const created = await server.api('/api/users', {
    as: 'admin',
    method: 'POST',
    body: JSON.stringify({ username: 'matrix-target', password: testPassword, role: 'viewer' }),
  });
  fx.userId = (await created.json()).user.id;
  const started = await server.api('/api/jobs', { method: 'POST', body: JSON.stringify({ tags: [fx.tag], from: fx.from, to: fx.to }) });
  fx.jobId = (await started.json()).job.id;
  for (let i = 0; i < 100; i++) {
    const { job } = await (await server.api(`/api/jobs/${fx.jobId}`)).json();
    if (job.status === 'succeeded') break;
    await new Promise((r) => setTimeout(r, 100));
  }
});
after(() => server?.close());

/** A raw HTTP request: the path goes out exactly as given (fetch would normalise it). */
function raw(
  base: string,
  method: string,
  path: string,
  options: { cookie?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const headers = {
      ...(options.cookie && { cookie: options.cookie }),
      // Node frames no body of a DELETE unless told its length.
      ...(options.body !== undefined && { 'content-length': String(Buffer.byteLength(options.body)), 'content-type': 'application/json' }),
      ...options.headers,
    };
    let answered = false;
    const req = request({ host: hostname, port, method, path, headers }, (res) => {
      // Streams never end: the status line is all we need.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.destroy();
        return resolve({ status: res.statusCode!, headers: res.headers, text: '' });
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    // A server may answer before it reads the whole body, then close: the answer counts.
    req.on('response', () => (answered = true));
    req.on('error', (error) => answered || reject(error));
    req.end(options.body);
  });
}

/** The status a WebSocket handshake gets (101 when it opens). */
function wsStatus(cookie: string | undefined, origin = server.url): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/ws`, { headers: { origin, ...(cookie && { cookie }) } });
    ws.on('upgrade', () => resolve(101));
    ws.on('open', () => ws.close());
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.on('error', () => resolve(0));
  });
}

/** A WebSocket handshake on a raw socket, so the path goes out as given; the status it gets. */
function rawUpgrade(path: string, cookie?: string): Promise<number> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
          `sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n${cookie ? `cookie: ${cookie}\r\n` : ''}\r\n`,
      );
    });
    let head = '';
    socket.on('data', (d) => {
      head += d.toString('latin1');
      if (head.includes('\r\n')) {
        resolve(Number(head.split(' ')[1]));
        socket.destroy();
      }
    });
    socket.on('close', () => resolve(0));
  });
}

/** The session id (as /api/auth/sessions lists it) of a session cookie. */
const sessionId = (cookie: string) =>
  createHash('sha256')
    .update(cookie.slice(cookie.indexOf('=') + 1))
    .digest('base64url');

const pushEndpoint = (name: string) => `https://push.example.invalid/${name}`;
function subscription(name: string) {
  const { p256dh, auth } = browserKeys();
  return { endpoint: pushEndpoint(name), expirationTime: null, keys: { p256dh, auth } };
}
const subscribe = (cookie: string, name: string) =>
  fetch(`${server.url}/api/push/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ subscription: subscription(name) }),
  });

const asAdmin = (method: string, path: string, body?: unknown) =>
  server.api(path, { as: 'admin', method, ...(body !== undefined && { body: JSON.stringify(body) }) }).then((r) => r.text());

/** A new session of the caller's user (for calls that end or replace the session they come with). */
const throwaway = (caller: Caller) => login(server.url, caller === 'anonymous' ? 'viewer' : caller);

/** Every route handler under app/, with the methods its module exports: imported, so `export const { GET } = …` and re-exports count. */
async function routeHandlers(): Promise<{ method: string; path: string }[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/^route\.(ts|tsx|js|mjs)$/.test(name)) files.push(full);
    }
  };
  walk('app');
  const out: { method: string; path: string }[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
    // Route groups `(name)` and parallel-route slots `@name` are not part of the URL.
    const path =
      '/' +
      relative('app', dirname(file))
        .split(sep)
        .filter((s) => !/^[(@]/.test(s))
        .join('/');
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) if (typeof mod[method] === 'function') out.push({ method, path });
  }
  return out;
}

interface Sample {
  path?: string;
  body?: unknown;
  /** Sent instead of the caller's usual cookie: a throwaway session of the same user. */
  cookie?: string;
  /** For allowed callers: a success, or a documented 4xx for a valid request the state makes impossible. */
  expect: number;
}

/** One valid request per rule, made for each caller (the state it needs prepared first). */
const samples: Record<string, (caller: Caller) => Sample | Promise<Sample>> = {
  'GET /api/health': () => ({ expect: 200 }),
  'GET /metrics': () => ({ expect: 200 }),
  'POST /api/auth/login': async (c) => ({ body: { username: 'viewer', password: testPassword }, cookie: await throwaway(c), expect: 200 }),
  // Impossible: the first admin exists already.
  'POST /api/auth/setup': () => ({ body: { token: 'x'.repeat(32), username: 'second-admin', password: testPassword }, expect: 409 }),
  'POST /api/auth/logout': async (c) => ({ cookie: await throwaway(c), expect: 200 }),
  'GET /api/auth/me': () => ({ expect: 200 }),
  'GET /api/auth/sessions': () => ({ expect: 200 }),
  'DELETE /api/auth/sessions/[id]': async (c) => ({ path: `/api/auth/sessions/${sessionId(await throwaway(c))}`, expect: 200 }),
  // Impossible on purpose: a wrong current password (a right one would change the caller's password for every later test).
  'POST /api/auth/password': () => ({ body: { currentPassword: 'not the password', newPassword: 'a brand new passphrase' }, expect: 400 }),
  'GET /api/users': () => ({ expect: 200 }),
  'POST /api/users': (c) => ({ body: { username: `matrix-${c}`, password: testPassword, role: 'viewer' }, expect: 201 }),
  'PATCH /api/users/[id]': () => ({ path: `/api/users/${fx.userId}`, body: { role: 'viewer' }, expect: 200 }),
  'GET /api/audit': () => ({ expect: 200 }),
  'GET /api/stream': () => ({ expect: 200 }),
  'GET /api/ws': () => ({ expect: 101 }),
  'GET /api/lines': () => ({ expect: 200 }),
  'POST /api/lines/[id]/simulation': async () => {
    await asAdmin('DELETE', '/api/lines/packaging/simulation');
    return { path: '/api/lines/packaging/simulation', body: { scenario: 'normal' }, expect: 202 };
  },
  'DELETE /api/lines/[id]/simulation': async () => {
    await asAdmin('POST', '/api/lines/packaging/simulation', { scenario: 'normal' });
    return { path: '/api/lines/packaging/simulation', expect: 200 };
  },
  'GET /api/plant': () => ({ expect: 200 }),
  // The running plant again: valid, and nothing to apply (the version stays).
  'PUT /api/plant': async () => {
    const { version, plant } = JSON.parse(await asAdmin('GET', '/api/plant')) as { version: number; plant: unknown };
    return { body: { baseVersion: version, plant }, expect: 200 };
  },
  'GET /api/plant/versions': () => ({ expect: 200 }),
  'GET /api/plant/versions/[version]': () => ({ path: '/api/plant/versions/1', expect: 200 }),
  'POST /api/plant/rollback': () => ({ body: { version: 1 }, expect: 200 }),
  'POST /api/plant/test-read': async () => {
    const { plant } = JSON.parse(await asAdmin('GET', '/api/plant')) as { plant: { lines: { connections: unknown[] }[] } };
    return { body: { line: 'filling', connection: plant.lines[1]!.connections[0] }, expect: 200 };
  },
  // Impossible: no simulated PLC runs here, so nothing vouches for the value (writes: tag-writes.test.ts).
  'POST /api/tags/[id]/write': () => ({ path: '/api/tags/extrusion.zone1-setpoint/write', body: { value: 185, confirm: true }, expect: 409 }),
  'GET /api/processes': () => ({ expect: 200 }),
  'GET /api/history': () => ({ path: `/api/history?tag=${fx.tag}&from=${fx.from}&to=${fx.to}`, expect: 200 }),
  'GET /api/jobs': () => ({ expect: 200 }),
  'POST /api/jobs': () => ({ body: { tags: [fx.tag], from: fx.from, to: fx.to }, expect: 202 }),
  'GET /api/jobs/[id]': () => ({ path: `/api/jobs/${fx.jobId}`, expect: 200 }),
  // Impossible: the job has ended.
  'DELETE /api/jobs/[id]': () => ({ path: `/api/jobs/${fx.jobId}`, expect: 409 }),
  'GET /api/jobs/[id]/download': () => ({ path: `/api/jobs/${fx.jobId}/download`, expect: 200 }),
  'GET /api/alarms': () => ({ expect: 200 }),
  'GET /api/alarms/journal': () => ({ expect: 200 }),
  'GET /api/alarms/kpi': () => ({ expect: 200 }),
  // Impossible: the alarm is normal, there is nothing to acknowledge.
  'POST /api/alarms/ack': () => ({ body: { ids: [fx.alarmId] }, expect: 409 }),
  'POST /api/alarms/shelve': async () => {
    await asAdmin('POST', '/api/alarms/unshelve', { id: fx.alarmId });
    return { body: { id: fx.alarmId, durationMin: 5, reason: 'matrix' }, expect: 200 };
  },
  'POST /api/alarms/unshelve': async () => {
    await asAdmin('POST', '/api/alarms/shelve', { id: fx.alarmId, durationMin: 5, reason: 'matrix' });
    return { body: { id: fx.alarmId }, expect: 200 };
  },
  'POST /api/alarms/out-of-service': async () => {
    await asAdmin('POST', '/api/alarms/return-to-service', { id: fx.alarmId });
    return { body: { id: fx.alarmId, reason: 'matrix' }, expect: 200 };
  },
  'POST /api/alarms/return-to-service': async () => {
    await asAdmin('POST', '/api/alarms/out-of-service', { id: fx.alarmId, reason: 'matrix' });
    return { body: { id: fx.alarmId }, expect: 200 };
  },
  'GET /api/push/vapid-key': () => ({ expect: 200 }),
  'GET /api/push/subscriptions': () => ({ expect: 200 }),
  'POST /api/push/subscriptions': (c) => ({ body: { subscription: subscription(`matrix-${c}`) }, expect: 201 }),
  'DELETE /api/push/subscriptions': async (c) => {
    if (c !== 'anonymous') await subscribe(server.cookies[c], `matrix-delete-${c}`);
    return { body: { endpoint: pushEndpoint(`matrix-delete-${c}`) }, expect: 200 };
  },
  // The push service does not exist: 200 with the failed delivery.
  'POST /api/push/test': async (c) => {
    if (c !== 'anonymous') await subscribe(server.cookies[c], `matrix-test-${c}`);
    return { body: { endpoint: pushEndpoint(`matrix-test-${c}`) }, expect: 200 };
  },
};

test('every route handler has an access rule (or is a public asset), every rule a handler and a sample request', async () => {
  const handlers = await routeHandlers();
  assert.ok(handlers.length >= apiRules.length - 2, `found ${handlers.length} handlers`);
  const rules = new Set(apiRules.map(key));
  const missing = handlers.filter((h) => !rules.has(key(h)) && !isPublicAsset(h.path.replace(/\[[^\]]+\]/g, 'x')));
  assert.deepEqual(missing, [], 'route handlers without an access rule');
  const handled = new Set([...handlers.map(key), ...apiRules.filter((r) => r.servedBy === 'server').map(key)]);
  assert.deepEqual(apiRules.filter((r) => !handled.has(key(r))).map(key), [], 'rules without a handler');
  assert.deepEqual(
    apiRules.map(key).filter((k) => !samples[k]),
    [],
    'rules without a sample request below',
  );
});

test('role × route matrix, WebSocket included: 401 anonymous, 403 below the role, the expected status at or above it', async () => {
  const failures: string[] = [];
  for (const rule of apiRules) {
    for (const caller of callers) {
      const sample = await samples[key(rule)]!(caller);
      const cookie = caller === 'anonymous' ? undefined : (sample.cookie ?? server.cookies[caller]);
      const status =
        rule.path === '/api/ws'
          ? await wsStatus(cookie)
          : (
              await raw(server.url, rule.method, sample.path ?? rule.path, {
                cookie,
                ...(sample.body !== undefined && { body: JSON.stringify(sample.body), headers: { 'content-type': 'application/json' } }),
              })
            ).status;
      const expected = rule.access === 'public' ? sample.expect : caller === 'anonymous' ? 401 : rank[caller] < rank[rule.access] ? 403 : sample.expect;
      if (status !== expected) failures.push(`${key(rule)} as ${caller}: ${status}, expected ${expected}`);
    }
  }
  await asAdmin('POST', '/api/alarms/return-to-service', { id: fx.alarmId });
  assert.deepEqual(failures, []);
});

test('WebSocket: anonymous 401, foreign Origin 403, a signed-in viewer gets the stream', async () => {
  const outcome = (headers: Record<string, string>) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/ws`, { headers });
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
  assert.equal(await wsStatus(server.cookies.viewer, 'http://evil.example'), 403);
});

test('encoded and ambiguous paths: checked as what they decode to, or refused with a 400', async () => {
  const status = async (path: string, caller: Caller) =>
    (await raw(server.url, 'GET', path, { cookie: caller === 'anonymous' ? undefined : server.cookies[caller] })).status;
  // Decoded, then checked and served as /api/users.
  assert.equal(await status('/%61pi/users', 'anonymous'), 401);
  assert.equal(await status('/%61pi/users', 'viewer'), 403);
  assert.equal(await status('/api/%75sers', 'operator'), 403);
  assert.equal(await status('/%61pi/%75sers', 'admin'), 200);
  for (const path of [
    '//api/users',
    '/\\api/users',
    '/api%2Fusers',
    '/api%5Cusers',
    '/x/../api/users',
    '/x/%2e%2e/api/users',
    '/api/./users',
    '/%2561pi/users',
    '/api/users%00',
    '/api/%zz',
  ]) {
    const res = await raw(server.url, 'GET', path, { cookie: server.cookies.viewer });
    assert.equal(res.status, 400, path);
    assert.equal(JSON.parse(res.text).error.field, 'path', path);
  }
  // WebSocket handshakes: an endpoint that parses the URL its own way must not be reached past the checks.
  for (const path of ['/x/../api/ws', '/api/./ws', '/api/ws#', '//api/ws']) assert.equal(await rawUpgrade(path), 400, path);
  assert.equal(await rawUpgrade('/api/%77s'), 401, 'decoded to /api/ws, then checked');
  assert.equal(await rawUpgrade('/api/%77s', server.cookies.viewer), 101);
  // Its query is validated like the SSE stream's, before the upgrade.
  for (const query of ['?junk=1', '?lastEventId=abc', '?lastEventId=-1', `?line=${'x'.repeat(41)}`]) {
    assert.equal(await rawUpgrade(`/api/ws${query}`, server.cookies.viewer), 400, query);
  }
  assert.equal(await rawUpgrade('/api/ws?line=filling&lastEventId=0', server.cookies.viewer), 101);
  // Next's image optimizer (unused) is not served at all: it would fetch local URLs past the
  // request guard and write a cache file per request.
  const image = await raw(server.url, 'GET', '/_next/image?url=%2Fapi%2Fusers&w=64&q=75', { cookie: server.cookies.admin });
  assert.equal(image.status, 404);
});

test('junk input never gets a 5xx; every 4xx is the one error shape, naming the field where there is one', async () => {
  const junkQueries = [
    '?junk=1',
    '?limit=-5&from=..%2F..%2Fetc%2Fpasswd&to=yesterday',
    '?tag=%00&tags=' + ','.repeat(50) + '&width=x&from=2026-01-01T00:00:00Z',
    '?line=' + 'x'.repeat(500) + '&all=2&lastEventId=abc',
    '?before=1e999&user=' + '..%2F'.repeat(20) + '&action=%3Cscript%3E',
    '?limit=1&limit=2',
  ];
  const junkBodies = [
    '{nope',
    '[]',
    '"str"',
    'null',
    '{}',
    JSON.stringify({
      scenario: 42,
      username: {},
      password: [],
      role: 'root',
      ids: 'x',
      id: 7,
      durationMin: '5',
      tags: [1],
      from: 0,
      to: null,
      endpoint: 5,
      token: false,
      kiosk: 'yes',
    }),
    JSON.stringify({
      username: '../../etc/passwd',
      password: '../../../../etc/shadow',
      id: '../../x',
      ids: ['../x'],
      endpoint: 'file:///etc/passwd',
      tags: ['../../etc/passwd'],
      scenario: '../x',
      reason: 'x',
      token: '../..',
    }),
    JSON.stringify({ x: 'a'.repeat(200_000) }),
  ];
  const badIds = ['..%2F..%2Fetc%2Fpasswd', '%2e%2e', '%00', 'x'.repeat(300), '-1', '1e3', '%E0%A4%A'];
  const validId: Record<string, string> = {
    '/api/auth/sessions/[id]': 'A'.repeat(43),
    '/api/users/[id]': String(fx.userId),
    '/api/jobs/[id]': String(fx.jobId),
    '/api/jobs/[id]/download': String(fx.jobId),
    '/api/lines/[id]/simulation': 'packaging',
  };
  const failures: string[] = [];
  let requests = 0;
  for (const rule of apiRules.filter((r) => r.path !== '/api/ws')) {
    const dynamic = rule.path.includes('[');
    const base = rule.path.replace(/\[[^\]]+\]/, validId[rule.path] ?? 'x');
    const attempts: { path: string; body?: string }[] = [
      ...junkQueries.map((q) => ({ path: base + q })),
      ...(dynamic ? badIds.map((id) => ({ path: rule.path.replace(/\[[^\]]+\]/, id), ...(rule.method !== 'GET' && { body: '{}' }) })) : []),
      ...(rule.method === 'GET' ? [] : junkBodies.map((body) => ({ path: base, body }))),
    ];
    for (const a of attempts) {
      // Logging out ends the session it is sent with: junk goes with a throwaway one.
      const cookie = rule.path === '/api/auth/logout' ? await throwaway('admin') : server.cookies.admin;
      const res = await raw(server.url, rule.method, a.path, { cookie, body: a.body, headers: { 'content-type': 'application/json' } });
      requests++;
      const where = `${rule.method} ${a.path.slice(0, 70)} ${a.body?.slice(0, 40) ?? ''} → ${res.status} ${res.text.slice(0, 140)}`;
      if (res.status >= 500) failures.push(where);
      if (res.status < 400 || res.status >= 500) continue;
      let error: { code?: unknown; field?: unknown } | undefined;
      try {
        error = JSON.parse(res.text).error;
      } catch {
        // Checked below.
      }
      const needsField = res.status === 400 || res.status === 409 || (res.status === 404 && dynamic);
      if (typeof error?.code !== 'string') failures.push(`not the error shape: ${where}`);
      else if (needsField && !error.field) failures.push(`no field: ${where}`);
    }
    // Strict everywhere: the rule's valid sample request plus one unknown query parameter, or
    // one unknown body field (a route without a body refuses the body itself), is refused by name.
    const sample = await samples[key(rule)]!('admin');
    const path = sample.path ?? rule.path;
    const cookie = sample.cookie ?? server.cookies.admin;
    const body = sample.body === undefined ? undefined : JSON.stringify(sample.body);
    const junkQuery = await raw(server.url, rule.method, `${path}${path.includes('?') ? '&' : '?'}junk=1`, { cookie, body });
    if (junkQuery.status !== 400 || JSON.parse(junkQuery.text).error.field !== 'junk')
      failures.push(`junk query: ${key(rule)} → ${junkQuery.status} ${junkQuery.text.slice(0, 140)}`);
    if (rule.method !== 'GET') {
      const junkBody = await raw(server.url, rule.method, path, { cookie, body: JSON.stringify({ ...(sample.body as object), junk: 1 }) });
      const field = sample.body === undefined ? 'body' : 'junk';
      if (junkBody.status !== 400 || JSON.parse(junkBody.text).error.field !== field)
        failures.push(`junk field: ${key(rule)} → ${junkBody.status} ${junkBody.text.slice(0, 140)}`);
    }
  }
  // Routes that take no body refuse one rather than ignore it.
  for (const [method, path] of [
    ['POST', '/api/auth/logout'],
    ['DELETE', `/api/jobs/${fx.jobId}`],
    ['DELETE', '/api/lines/packaging/simulation'],
    ['DELETE', `/api/auth/sessions/${'A'.repeat(43)}`],
  ] as const) {
    const res = await raw(server.url, method, path, { cookie: server.cookies.admin, body: '{}' });
    if (res.status !== 400 || JSON.parse(res.text).error.field !== 'body') failures.push(`body not refused: ${method} ${path} → ${res.status} ${res.text}`);
  }
  assert.ok(requests > 300, `${requests} requests`);
  assert.deepEqual(failures, []);
});

test('cross-site state changes are refused; same-origin ones pass', async () => {
  const post = (headers: Record<string, string>) => server.api('/api/lines/filling/simulation', { method: 'POST', body: '{"scenario":"nope"}', headers });
  assert.equal((await post({ origin: 'http://evil.example' })).status, 403);
  assert.equal((await post({ 'sec-fetch-site': 'cross-site' })).status, 403);
  assert.equal((await post({ origin: server.url, 'sec-fetch-site': 'same-origin' })).status, 400, 'reaches validation');
});

test('pages redirect to the login page; security headers are on every response; no HSTS over HTTP', async () => {
  const page = await fetch(`${server.url}/processes?x=1`, { redirect: 'manual' });
  assert.equal(page.status, 303);
  assert.equal(page.headers.get('location'), '/login?next=%2Fprocesses%3Fx%3D1');
  const api = await server.api('/api/health');
  const nonces: string[] = [];
  for (const res of [page, api, await fetch(`${server.url}/login`), await fetch(`${server.url}/login`)]) {
    const csp = res.headers.get('content-security-policy') ?? '';
    const expected =
      res === api
        ? ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]
        : ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self' 'nonce-"];
    for (const d of expected) assert.ok(csp.includes(d), `${d} in ${csp}`);
    if (res !== api) nonces.push(/'nonce-([^']+)'/.exec(csp)![1]!);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'same-origin');
  }
  assert.equal(new Set(nonces).size, nonces.length, 'a fresh nonce for every page');
  // Without trustProxy, X-Forwarded-Proto is anyone's to send: it changes nothing.
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
    body: JSON.stringify({ username: 'viewer', password: testPassword }),
  });
  assert.equal(res.headers.get('strict-transport-security'), null);
  assert.match(res.headers.get('set-cookie')!, /^lw_session=/);
  assert.doesNotMatch(res.headers.get('set-cookie')!, /Secure/);
});

test('admin pages answer other roles with a 403 page, rendered on the server', async () => {
  for (const path of ['/admin/users', '/admin/audit']) {
    for (const role of ['viewer', 'operator'] as const) {
      const res = await server.api(path, { as: role });
      assert.equal(res.status, 403, `${path} as ${role}`);
      const html = await res.text();
      assert.match(html, /403 · Admins only/, `${path} as ${role}`);
      assert.doesNotMatch(html, /New user|Older entries/, `${path} as ${role}`);
    }
    // (Next embeds the forbidden page in every page's payload as its fallback: look for the page's own content.)
    const admin = await server.api(path, { as: 'admin' });
    assert.equal(admin.status, 200, `${path} as admin`);
    assert.doesNotMatch(await admin.text(), /<main[^>]*data-forbidden/, `${path} as admin`);
  }
});

test('login rotates the session; logout ends it on the server', async () => {
  const first = await login(server.url, 'viewer');
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: first },
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
  assert.equal(list.sessions.filter((s: { current: boolean }) => s.current).length, 1);
  const others = list.sessions.filter((s: { current: boolean }) => !s.current).map((s: { id: string }) => s.id);
  assert.ok(others.includes(sessionId(tablet)));
  for (const id of others) assert.equal((await fetch(`${server.url}/api/auth/sessions/${id}`, { method: 'DELETE', headers: { cookie: phone } })).status, 200);
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: { cookie: tablet } })).status, 401);
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: { cookie: phone } })).status, 200);
  server.cookies.operator = phone;
});

test('signing out removes the push subscriptions made in that session; ending it from another device too', async () => {
  const [phone, tablet, desk] = [await login(server.url, 'viewer'), await login(server.url, 'viewer'), await login(server.url, 'viewer')];
  for (const [cookie, name] of [
    [phone, 'phone'],
    [tablet, 'tablet'],
    [desk, 'desk'],
  ] as const)
    assert.equal((await subscribe(cookie, name)).status, 201);
  const endpoints = async () => {
    const { subscriptions } = await (await fetch(`${server.url}/api/push/subscriptions`, { headers: { cookie: desk } })).json();
    return subscriptions.map((s: { endpoint: string }) => s.endpoint);
  };
  let now: string[] = await endpoints();
  assert.ok(
    ['phone', 'tablet', 'desk'].every((n) => now.includes(pushEndpoint(n))),
    now.join(),
  );
  assert.equal((await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { cookie: phone } })).status, 200);
  now = await endpoints();
  assert.ok(!now.includes(pushEndpoint('phone')) && now.includes(pushEndpoint('tablet')) && now.includes(pushEndpoint('desk')), now.join());
  assert.equal((await fetch(`${server.url}/api/auth/sessions/${sessionId(tablet)}`, { method: 'DELETE', headers: { cookie: desk } })).status, 200);
  now = await endpoints();
  assert.ok(!now.includes(pushEndpoint('tablet')) && now.includes(pushEndpoint('desk')), now.join());
  await auditHas({ action: 'push.unsubscribe', username: 'viewer', result: /^ok$/, target: 'push.example.invalid' });
});

test('admins manage users: create, set role, disable (ends sessions), reset password; kiosk only for viewers', async () => {
  const create = (body: object) => server.api('/api/users', { as: 'admin', method: 'POST', body: JSON.stringify({ password: testPassword, ...body }) });
  const patch = (id: number, body: object) => server.api(`/api/users/${id}`, { as: 'admin', method: 'PATCH', body: JSON.stringify(body) });
  const created = await create({ username: 'temp-op', role: 'viewer' });
  assert.equal(created.status, 201);
  const { user } = await created.json();
  assert.equal(user.passwordHash, undefined, 'never exposed');
  assert.equal((await create({ username: 'temp-op', role: 'viewer' })).status, 409);
  const cookie = await login(server.url, 'temp-op');
  assert.equal((await (await patch(user.id, { role: 'operator' })).json()).user.role, 'operator');
  assert.equal((await patch(user.id, { disabled: true })).status, 200);
  assert.equal((await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).status, 401, 'disabled user signed out');
  await assert.rejects(login(server.url, 'temp-op'), /401/);
  const weak = await patch(user.id, { password: 'short' });
  assert.equal(weak.status, 400);
  assert.equal((await weak.json()).error.field, 'password');
  assert.equal((await patch(user.id, { password: 'a brand new password' })).status, 200);

  const refused = async (res: Response, field: string) => {
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.field, field);
  };
  await refused(await create({ username: 'wall-op', role: 'operator', kiosk: true }), 'kiosk');
  await refused(await create({ username: 'wall-admin', role: 'admin', kiosk: true }), 'kiosk');
  await refused(await patch(user.id, { kiosk: true }), 'kiosk');
  const wall = await create({ username: 'wall', role: 'viewer', kiosk: true });
  assert.equal(wall.status, 201);
  const wallId = (await wall.json()).user.id;
  await refused(await patch(wallId, { role: 'operator' }), 'role');
  assert.equal((await patch(wallId, { role: 'operator', kiosk: false })).status, 200, 'no longer a kiosk: may be an operator');

  await auditHas({ action: 'user.update', username: 'admin', target: 'temp-op', detail: /^role=operator$/ });
  await auditHas({ action: 'user.update', username: 'admin', target: 'temp-op', detail: /^disabled=true$/ });
  await auditHas({ action: 'user.update', username: 'admin', target: 'temp-op', detail: /^password reset$/ });
});

test('audit rows record logins, failures, logouts, session ends, user changes and simulation control with the right user', async () => {
  await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'viewer', password: 'wrong password!' }),
  });
  await asAdmin('DELETE', '/api/lines/packaging/simulation');
  assert.equal((await server.api('/api/lines/packaging/simulation', { as: 'operator', method: 'POST', body: '{"scenario":"jam"}' })).status, 202);
  assert.equal((await server.api('/api/lines/packaging/simulation', { as: 'operator', method: 'DELETE' })).status, 200);
  await auditHas({ action: 'login', username: 'admin', result: /^ok$/ });
  await auditHas({ action: 'login', username: 'viewer', result: /^denied/ });
  await auditHas({ action: 'logout', username: 'viewer', result: /^ok$/ });
  await auditHas({ action: 'session.end', username: 'operator', result: /^ok$/ });
  await auditHas({ action: 'user.create', username: 'admin', result: /^ok$/, target: 'operator' });
  await auditHas({ action: 'simulation.start', username: 'operator', result: /^ok$/, target: 'packaging' });
  await auditHas({ action: 'simulation.stop', username: 'operator', result: /^ok$/, target: 'packaging' });
  assert.equal((await server.api('/api/audit', { as: 'viewer' })).status, 403);
});

interface AuditRow {
  action: string;
  username: string;
  result: string;
  target: string | null;
  detail: string | null;
  ip: string;
  ts: number;
}

/** Asserts an audit row matching `want` exists (with a time and a source IP). */
async function auditHas(want: { action: string; username: string; result?: RegExp; target?: string; detail?: RegExp }, on: TestServer = server): Promise<void> {
  const { entries } = await (await on.api(`/api/audit?action=${want.action}&limit=500`, { as: 'admin' })).json();
  const found = (entries as AuditRow[]).some(
    (e) =>
      e.username === want.username &&
      (!want.result || want.result.test(e.result)) &&
      (want.target === undefined || e.target === want.target) &&
      (!want.detail || want.detail.test(e.detail ?? '')) &&
      e.ip &&
      e.ts > 0,
  );
  assert.ok(found, `audit ${JSON.stringify(want, (_k, v) => (v instanceof RegExp ? String(v) : v))} in ${JSON.stringify(entries.slice(0, 5))}`);
}

test('timeouts, throttling and HTTPS cookies (short timeouts, behind a trusted proxy)', async () => {
  const strict = await startTestServer({
    autoStartSimulations: false,
    auth: { idleTimeoutMs: 1500, absoluteTimeoutMs: 4000, maxLoginFailures: 3, trustProxy: true },
  });
  try {
    const from = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra });
    const attempt = (username: string, password: string, ip: string, extra?: Record<string, string>) =>
      fetch(`${strict.url}/api/auth/login`, {
        method: 'POST',
        headers: { ...from(ip, extra), 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
    const me = (cookie: string) => fetch(`${strict.url}/api/auth/me`, { headers: { cookie } }).then((r) => r.status);

    // Idle and absolute timeouts; a kiosk (wall display) viewer idles longer, never past the absolute limit.
    const admin = await login(strict.url, 'admin');
    const wall = await fetch(`${strict.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: admin },
      body: JSON.stringify({ username: 'wall', password: testPassword, role: 'viewer', kiosk: true }),
    });
    assert.equal(wall.status, 201);
    const viewer = await login(strict.url, 'viewer');
    const kiosk = await login(strict.url, 'wall');
    assert.deepEqual([await me(viewer), await me(kiosk)], [200, 200]);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await me(viewer), 401, 'idle session expired');
    assert.equal(await me(kiosk), 200, 'kiosk idle timeout is longer');
    await new Promise((r) => setTimeout(r, 2300));
    assert.equal(await me(kiosk), 401, 'absolute timeout');

    // Per account × IP: failures hold the failing IP, the right password included; never the
    // account from an IP that has not failed (test/integration/security-auth.test.ts).
    for (let i = 0; i < 3; i++) assert.equal((await attempt('operator', 'wrong password', '10.0.0.1')).status, 401);
    const throttled = await attempt('operator', testPassword, '10.0.0.1');
    assert.equal(throttled.status, 429, 'even the right password waits');
    assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
    assert.ok(
      strict.logs.some((l) => l.includes('login failed') && l.includes('"username":"operator"')),
      'failures are logged',
    );

    // Per IP: failures against several accounts (twice the per-account limit) hold the IP, for every account.
    for (let i = 1; i <= 6; i++) assert.equal((await attempt(`nobody-${i}`, 'wrong password', '10.0.0.3')).status, 401);
    assert.equal((await attempt('viewer', testPassword, '10.0.0.3')).status, 429);
    assert.equal((await attempt('viewer', testPassword, '10.0.0.4')).status, 200, 'other IPs are not held');

    // In parallel: the limit holds though every password check is still running when the next arrives.
    const statuses = await Promise.all(Array.from({ length: 10 }, () => attempt('admin', 'wrong password', '10.0.0.5').then((r) => r.status)));
    assert.deepEqual(statuses.toSorted(), [...Array(3).fill(401), ...Array(7).fill(429)]);

    // Through an HTTPS proxy: a Secure __Host- cookie and HSTS.
    const secure = await attempt('viewer', testPassword, '10.0.0.6', { 'x-forwarded-proto': 'https' });
    assert.equal(secure.status, 200);
    const setCookie = secure.headers.get('set-cookie')!;
    assert.match(setCookie, /^__Host-lw_session=[^;]+; Path=\/;/);
    assert.match(setCookie, /; Secure/);
    assert.doesNotMatch(setCookie, /Domain=/i);
    assert.match(secure.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
    const cookie = setCookie.split(';')[0]!;
    const res = await fetch(`${strict.url}/api/auth/me`, { headers: { cookie, 'x-forwarded-proto': 'https' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
  } finally {
    await strict.close();
  }
});

test('first run without LINEWATCH_ADMIN_PASSWORD: a one-time setup link creates the first admin', async () => {
  const fresh = await startTestServer({ autoStartSimulations: false, signIn: false, auth: { adminPassword: undefined } });
  try {
    // The full URL (server/main.ts prints it last, after "listening").
    const link = /^(http:\/\/[^/]+)(\/setup\?token=([\w-]+))$/.exec(fresh.setupUrl ?? '');
    assert.ok(link, `setup URL: ${fresh.setupUrl}`);
    assert.equal(link[1], fresh.url);
    const token = link[3]!;
    const page = await fetch(fresh.url + link[2]!);
    assert.equal(page.status, 200, 'the setup page opens without a session');
    assert.match(await page.text(), /Create the first admin/);
    assert.match(await (await fetch(`${fresh.url}/setup?token=not-the-token`)).text(), /This setup link is not valid/);
    const setup = (body: object) =>
      fetch(`${fresh.url}/api/auth/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'first-admin', password: testPassword, ...body }),
      });
    const wrong = await setup({ token: 'not-the-token' });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.field, 'token');
    assert.equal((await setup({ token })).status, 201);
    // A used link says so at once, before anyone fills in the form.
    const used = await (await fetch(fresh.url + link[2]!)).text();
    assert.match(used, /This setup link was already used/);
    assert.doesNotMatch(used, /Admin username/);
    const again = await setup({ token, username: 'second-admin' });
    assert.equal(again.status, 409, 'the link works once');
    assert.equal((await again.json()).error.field, 'token');
    const cookie = await login(fresh.url, 'first-admin');
    assert.deepEqual(await (await fetch(`${fresh.url}/api/auth/me`, { headers: { cookie } })).json(), { username: 'first-admin', role: 'admin' });
    await assert.rejects(login(fresh.url, 'second-admin'), /401/);
    fresh.cookies.admin = cookie;
    await auditHas({ action: 'user.create', username: 'first-admin', target: 'first-admin', detail: /setup link/ }, fresh);
  } finally {
    await fresh.close();
  }
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AlarmPush, FloodSummaryPush, PushPayload } from '../../lib/push/push-types.ts';
import { createHub } from '../../server/hub/hub.ts';
import { loadPlant } from '../../server/plant/load-plant.ts';
import { createPushSender, type PushConfig } from '../../server/push/push-sender.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { alarmEvent, browserKeys, startPushCapture, verifyVapid, type PushCapture } from '../helpers/push-service.ts';
import { captureLog } from '../helpers/capture-log.ts';
import { silentLogger } from '../../server/log/logger.ts';

/**
 * The push sender against a real SQLite store, a real hub and a local HTTP push service:
 * real VAPID signatures, real RFC 8291 encryption, real 410/429 answers.
 */

const plant = await loadPlant();
const dirs: string[] = [];
let capture: PushCapture;
before(async () => {
  capture = await startPushCapture();
});
after(async () => {
  await capture.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function setup(config: Partial<PushConfig> = {}, clock?: () => number) {
  const dir = await mkdtemp(join(tmpdir(), 'lw-push-'));
  dirs.push(dir);
  const store: Store = createSqliteStore(join(dir, 'linewatch.db'));
  const operator = await store.users.create({ username: 'op', passwordHash: 'x', role: 'operator' });
  const viewer = await store.users.create({ username: 'vi', passwordHash: 'x', role: 'viewer' });
  const hub = createHub();
  const { log, lines: logs } = captureLog();
  const sender = createPushSender({ hub, repo: store.push, users: store.users, plant, log, now: clock }, { allowLoopbackHttp: true, ...config });
  await sender.start();
  capture.requests.length = 0;
  capture.answer = () => ({ status: 201 });
  const device = async (userId: number, name: string, prefs: { lines?: string[] | null; minPriority?: 'critical' | 'high' | 'medium' | 'low' } = {}) => {
    const keys = browserKeys();
    const endpoint = `${capture.url}/push/${name}`;
    await sender.service.subscribe(userId, { endpoint, keys, lines: prefs.lines ?? null, minPriority: prefs.minPriority ?? 'low', userAgent: 'test' });
    return { endpoint, path: `/push/${name}`, ...keys };
  };
  return {
    store,
    hub,
    sender,
    logs,
    operator,
    viewer,
    device,
    async close() {
      await sender.stop();
      await store.close();
    },
  };
}

const to = (path: string) => capture.requests.filter((r) => r.path === path);

test('an annunciated alarm becomes one encrypted, VAPID-signed request per interested device; preferences filter', async () => {
  const t = await setup();
  try {
    const phone = await t.device(t.operator.id, 'phone');
    const tablet = await t.device(t.viewer.id, 'tablet');
    const extrusionOnly = await t.device(t.operator.id, 'extrusion-only', { lines: ['extrusion'] });
    const criticalOnly = await t.device(t.operator.id, 'critical-only', { minPriority: 'critical' });

    const listenerStart = performance.now();
    t.hub.publish('alarm', alarmEvent({ ts: Date.now() }));
    const listenerMs = performance.now() - listenerStart;
    assert.ok(listenerMs < 5, `the hub listener only queues (${listenerMs.toFixed(2)} ms)`);
    t.hub.publish('alarm', alarmEvent({ transition: 'acknowledged' }));

    await capture.waitFor(() => to(phone.path).length === 1 && to(tablet.path).length === 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(to(extrusionOnly.path).length, 0, 'other line');
    assert.equal(to(criticalOnly.path).length, 0, 'below the minimum priority');
    assert.equal(capture.requests.length, 2, 'the acknowledgement is not pushed');

    const req = to(phone.path)[0]!;
    const { claims, publicKey } = verifyVapid(req.headers.authorization, capture.url);
    assert.equal(publicKey, t.sender.service.publicKey());
    assert.equal(claims.sub, 'mailto:linewatch@example.invalid');
    assert.equal(req.headers['content-encoding'], 'aes128gcm');
    assert.equal(req.headers.ttl, String(4 * 3600), 'high priority: kept 4 h');
    assert.equal(req.headers.urgency, 'high');
    assert.match(String(req.headers.topic), /^[A-Za-z0-9_-]{32}$/);
    assert.ok(req.body.length <= 4096);

    const payload = phone.decrypt(req.body) as AlarmPush;
    assert.equal(payload.kind, 'alarm');
    assert.equal(payload.id, 'filling.fault.discrete');
    assert.equal(payload.lineName, 'Filling 2');
    assert.equal(payload.message, 'Filler fault: line stopped');
    assert.equal(payload.canAck, true, 'operators may acknowledge from the notification');
    assert.equal((tablet.decrypt(to(tablet.path)[0]!.body) as AlarmPush).canAck, false, 'viewers may not');
    assert.equal(t.sender.stats().sent, 2);
    assert.ok((await t.store.push.all()).find((s) => s.endpoint === phone.endpoint)!.lastSuccessAt! > 0);
  } finally {
    await t.close();
  }
});

test('404/410 delete the subscription; 429 is retried after Retry-After', async () => {
  const t = await setup();
  try {
    const gone = await t.device(t.operator.id, 'gone');
    const busy = await t.device(t.operator.id, 'busy');
    let busyCalls = 0;
    capture.answer = (req) => {
      if (req.path === gone.path) return { status: 410 };
      if (req.path === busy.path && busyCalls++ === 0) return { status: 429, headers: { 'retry-after': '0' } };
      return { status: 201 };
    };
    t.hub.publish('alarm', alarmEvent());
    await capture.waitFor(() => to(busy.path).length === 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      (await t.store.push.all()).map((s) => s.endpoint),
      [busy.endpoint],
      'the 410 subscription is gone from the database',
    );
    assert.deepEqual(
      t.sender.service.list(t.operator.id).map((s) => s.endpoint),
      [busy.endpoint],
    );
    assert.ok(t.logs.some((l) => l.includes('410')));
    const stats = t.sender.stats();
    assert.equal(stats.removed, 1);
    assert.equal(stats.retried, 1);
    assert.equal(stats.sent, 1);
    assert.deepEqual(busy.decrypt(to(busy.path)[1]!.body), busy.decrypt(to(busy.path)[0]!.body), 'the same message again');
  } finally {
    await t.close();
  }
});

test('a flood on one line: three notifications, then one summary counting all of them', async () => {
  // The sender reads the test's clock, which never reaches the summary's due time: the summary
  // timer alone must decide, as it must when a Node timer fires 1 ms early by Date.now().
  const start = Date.now();
  let clock = start;
  const t = await setup({ flood: { windowMs: 60_000, burst: 3, summaryDelayMs: 150 } }, () => clock);
  try {
    const phone = await t.device(t.operator.id, 'flood', { lines: ['filling'] });
    for (let i = 0; i < 12; i++)
      t.hub.publish('alarm', alarmEvent({ id: `filling.tag${i}.hi`, message: `Alarm ${i}`, priority: i === 5 ? 'critical' : 'medium' }));
    await capture.waitFor(() => to(phone.path).length === 3);
    clock = start + 149;
    await capture.waitFor(() => to(phone.path).length === 4);
    await new Promise((r) => setTimeout(r, 300));
    const payloads = to(phone.path).map((r) => phone.decrypt(r.body) as PushPayload);
    assert.equal(payloads.length, 4, 'not twelve');
    assert.equal(payloads.filter((p) => p.kind === 'alarm').length, 3);
    const summary = payloads.find((p) => p.kind === 'summary') as FloodSummaryPush;
    assert.equal(summary.kind, 'summary');
    assert.equal(summary.count, 12);
    assert.equal(summary.lineName, 'Filling 2');
    assert.equal(summary.priority, 'critical');
    assert.equal(summary.newest[0]!.message, 'Alarm 11');
    assert.equal(to(phone.path)[payloads.indexOf(summary)]!.headers.urgency, 'high', 'urgency of the highest priority in it');
  } finally {
    await t.close();
  }
});

test('bounded concurrency: a slow push service never has more than `concurrency` requests at once, and stop() aborts', async () => {
  const t = await setup({ concurrency: 2, stopGraceMs: 100, timeoutMs: 5000 });
  const slow = await startSlowService(1000);
  try {
    for (let i = 0; i < 6; i++) {
      const keys = browserKeys();
      await t.sender.service.subscribe(t.operator.id, { endpoint: `${slow.url}/push/${i}`, keys, lines: null, minPriority: 'low', userAgent: 't' });
    }
    t.hub.publish('alarm', alarmEvent());
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(slow.maxOpen(), 2);
    assert.equal(t.sender.stats().queued, 4);
    const started = Date.now();
    await t.sender.stop();
    assert.ok(Date.now() - started < 900, 'in-flight requests aborted after the grace');
  } finally {
    await t.close();
    await slow.close();
  }
});

test('VAPID keys are made once and kept; subscriptions survive a restart', async () => {
  const t = await setup();
  const phone = await t.device(t.operator.id, 'restart');
  const key = t.sender.service.publicKey();
  await t.sender.stop();
  const again = createPushSender({ hub: t.hub, repo: t.store.push, users: t.store.users, plant, log: silentLogger() }, { allowLoopbackHttp: true });
  await again.start();
  try {
    assert.equal(again.service.publicKey(), key);
    assert.deepEqual(
      again.service.list(t.operator.id).map((s) => s.endpoint),
      [phone.endpoint],
    );
  } finally {
    await again.stop();
    await t.store.close();
  }
});

test('subscribe refuses unknown lines and insecure endpoints, naming the field; unsubscribe only your own', async () => {
  const t = await setup({ allowLoopbackHttp: false, allowedHosts: ['push.example.com'] });
  try {
    const keys = browserKeys();
    await assert.rejects(
      () => t.sender.service.subscribe(t.operator.id, { endpoint: 'http://127.0.0.1:1/x', keys, lines: null, minPriority: 'low', userAgent: '' }),
      (e: Error & { field?: string; status?: number }) => e.field === 'subscription.endpoint' && e.status === 400,
    );
    await assert.rejects(
      () =>
        t.sender.service.subscribe(t.operator.id, {
          endpoint: 'https://push.example.com/x',
          keys,
          lines: ['filling', 'nope'],
          minPriority: 'low',
          userAgent: '',
        }),
      (e: Error & { field?: string }) => e.field === 'preferences.lines[1]',
    );
    await t.sender.service.subscribe(t.operator.id, { endpoint: 'https://push.example.com/x', keys, lines: null, minPriority: 'low', userAgent: '' });
    await assert.rejects(
      () => t.sender.service.unsubscribe(t.viewer.id, 'https://push.example.com/x'),
      (e: Error & { status?: number }) => e.status === 404,
    );
    await t.sender.service.unsubscribe(t.operator.id, 'https://push.example.com/x');
    assert.equal((await t.store.push.all()).length, 0);
  } finally {
    await t.close();
  }
});

test('an alarm push to a healthy push service leaves at once while other users’ devices hang on a silent one (issue 17)', async () => {
  const t = await setup();
  const silent = await startSilentService();
  try {
    const viewers = [t.viewer];
    for (const username of ['v2', 'v3']) viewers.push(await t.store.users.create({ username, passwordHash: 'x', role: 'viewer' }));
    for (const viewer of viewers) {
      for (let i = 0; i < 10; i++)
        await t.sender.service.subscribe(viewer.id, {
          endpoint: `${silent.url}/push/${viewer.id}-${i}`,
          keys: browserKeys(),
          lines: null,
          minPriority: 'low',
          userAgent: 't',
        });
    }
    const phone = await t.device(t.operator.id, 'on-call');
    const raised = Date.now();
    t.hub.publish('alarm', alarmEvent({ priority: 'critical', ts: raised }));
    await capture.waitFor(() => to(phone.path).length === 1, 2000);
    const ms = to(phone.path)[0]!.at - raised;
    console.log(`# alarm → healthy push service, 30 devices hanging elsewhere: ${ms} ms`);
    assert.ok(ms < 1000, `${ms} ms`);
    assert.equal((phone.decrypt(to(phone.path)[0]!.body) as AlarmPush).priority, 'critical');
    for (let i = 0; i < 100 && silent.open() < 4; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(silent.open(), 4, 'the silent push service holds its own `concurrency` connections, no more');
    assert.equal(t.sender.stats().queued, 26);
  } finally {
    await t.close();
    await silent.close();
  }
});

test('connections go to public addresses only, decided on the address connected to: DNS rebinding and stored IP literals get no connection (issue 17)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-push-'));
  dirs.push(dir);
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const user = await store.users.create({ username: 'vi', passwordHash: 'x', role: 'viewer' });
  const target = await startConnectionCounter();
  // Stand-in DNS: the allowed name points at this machine now (it may have pointed elsewhere when subscribed).
  const resolved: string[] = [];
  const sender = createPushSender(
    {
      hub: createHub(),
      repo: store.push,
      users: store.users,
      plant,
      log: silentLogger(),
      resolve: async (hostname) => (resolved.push(hostname), [{ address: '127.0.0.1', family: 4 }]),
    },
    { allowedHosts: [`push.rebind.test:${target.port}`] },
  );
  await sender.start();
  try {
    const rebound = `https://push.rebind.test:${target.port}/push/1`;
    await sender.service.subscribe(user.id, { endpoint: rebound, keys: browserKeys(), lines: null, minPriority: 'low', userAgent: 't' });
    const answer = await sender.service.test(user.id, rebound);
    assert.deepEqual(answer, { delivered: false, status: null, error: 'refused: push.rebind.test resolves to a loopback address, not a public one' });
    assert.deepEqual(resolved, ['push.rebind.test']);

    // Rows stored before the policy (or by hand): the policy is checked again before every request.
    for (const host of [`[::ffff:7f00:1]:${target.port}`, `127.0.0.1:${target.port}`, `localhost.:${target.port}`]) {
      const endpoint = `https://${host}/push/2`;
      await store.push.upsert(
        { userId: user.id, endpoint, p256dh: browserKeys().p256dh, auth: browserKeys().auth, lines: null, minPriority: 'low', userAgent: 't', session: null },
        1,
      );
      const refused = await sender.service.test(user.id, endpoint);
      assert.deepEqual(refused, { delivered: false, status: null, error: 'refused: the endpoint must be a public push service' }, host);
    }
    assert.equal(target.connections(), 0, 'nothing connected to this machine');
  } finally {
    await sender.stop();
    await store.close();
    await target.close();
  }
});

test('test sends: one at a time per user, at most 5 a minute (429 LW_LIMIT); another user is not held up', async () => {
  const t = await setup();
  const slow = await startSlowService(300);
  try {
    const endpoint = `${slow.url}/push/slow`;
    await t.sender.service.subscribe(t.operator.id, { endpoint, keys: browserKeys(), lines: null, minPriority: 'low', userAgent: 't' });
    const mine = await t.device(t.viewer.id, 'viewer-test');
    const first = t.sender.service.test(t.operator.id, endpoint);
    await assert.rejects(
      t.sender.service.test(t.operator.id, endpoint),
      (e: Error & { status?: number; code?: string }) => e.status === 429 && e.code === 'LW_LIMIT',
    );
    assert.equal((await t.sender.service.test(t.viewer.id, mine.endpoint)).delivered, true);
    assert.equal((await first).delivered, true);
    for (let i = 0; i < 4; i++) assert.equal((await t.sender.service.test(t.operator.id, endpoint)).delivered, true);
    await assert.rejects(t.sender.service.test(t.operator.id, endpoint), /at most 5 test notifications per 60 s/);
    assert.equal(slow.maxOpen(), 1);
  } finally {
    await t.close();
    await slow.close();
  }
});

/** A push service that takes requests and never answers. */
async function startSilentService() {
  const { createServer } = await import('node:http');
  let open = 0;
  const server = createServer((req, res) => {
    open++;
    res.on('close', () => open--);
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    open: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A TCP port on 127.0.0.1 that counts the connections it gets. */
async function startConnectionCounter() {
  const { createServer } = await import('node:net');
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startSlowService(delayMs: number) {
  const { createServer } = await import('node:http');
  let open = 0;
  let max = 0;
  const server = createServer((req, res) => {
    open++;
    max = Math.max(max, open);
    const timer = setTimeout(() => res.writeHead(201).end(), delayMs);
    res.on('close', () => {
      open--;
      clearTimeout(timer);
    });
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    maxOpen: () => max,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Collector, startCollector } from '../../server/collector/collector.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';
import { startPressPlc } from '../helpers/press-plc.ts';
import { browserKeys, type PushCapture, startPushCapture } from '../helpers/push-service.ts';
import { startTestServer, testConfig, type TestServer } from '../helpers/test-server.ts';

/**
 * Alarm pushes in the scale-out roles (issue 19): a device subscribes on a web instance; the
 * alarm is raised by the collector that owns the line, and that collector alone sends the push —
 * one push per alarm, however many collectors and web instances run. Real PostgreSQL, Redis,
 * a Modbus TCP PLC, a push service that captures what it gets.
 */

const redisUrl = process.env.LINEWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const busPrefix = `lw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
const holding = [20];

let dir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let plc: Awaited<ReturnType<typeof startPressPlc>>;
let capture: PushCapture;
let web: TestServer;
const collectors: Collector[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-collector-push-'));
  database = await createTestDatabase('lw_cpush');
  capture = await startPushCapture();
  plc = await startPressPlc(holding, 'push');
  const plant = plc.plant;
  web = await startTestServer({
    plant,
    databaseUrl: database.url,
    web: { redisUrl, busPrefix },
    autoStartSimulations: false,
    push: { allowLoopbackHttp: true },
  });
  for (const id of ['c1', 'c2']) {
    const config = await testConfig(join(dir, id), {
      role: 'collector',
      collectorId: id,
      plant,
      databaseUrl: database.url,
      redisUrl,
      busPrefix,
      push: { allowLoopbackHttp: true },
    });
    collectors.push(await startCollector(config));
  }
});

after(async () => {
  for (const c of collectors) await c.stop();
  await web?.close();
  await capture?.close();
  await plc?.close();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('a device subscribed on a web instance gets one push per alarm, from the collector that owns the line', { timeout: 60_000 }, async () => {
  const keys = browserKeys();
  const subscription = { endpoint: `${capture.url}/push/phone`, expirationTime: null, keys: { p256dh: keys.p256dh, auth: keys.auth } };
  const res = await web.api('/api/push/subscriptions', { as: 'operator', method: 'POST', body: JSON.stringify({ subscription }) });
  assert.equal(res.status, 201, await res.clone().text());
  // The owner collects; the collectors read subscriptions again every 10 s.
  const deadline = Date.now() + 20_000;
  while (collectors.every((c) => c.lines().length === 0)) {
    assert.ok(Date.now() < deadline, 'a collector took the line');
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 11_000));

  holding[0] = 150;
  const raised = (r: { path: string; body: Buffer }) => r.path === '/push/phone' && (keys.decrypt(r.body) as { id: string }).id === 'press.temp.hi';
  await capture.waitFor((all) => all.some(raised), 15_000);
  const push = keys.decrypt(capture.requests.find(raised)!.body) as { message: string; lineName: string; kind: string };
  assert.equal(push.kind, 'alarm');
  assert.equal(push.message, 'Press too hot');
  assert.equal(push.lineName, 'Press 1');
  // Whatever else might send it (the other collector, the web instance) had time to.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(capture.requests.filter(raised).length, 1, 'one push for the alarm');
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Collector, startCollector } from '../../server/collector/collector.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';
import { startPressPlc } from '../helpers/press-plc.ts';
import { openSse } from '../helpers/sse-client.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { liveProcessOf, statField } from '../helpers/proc-stat.ts';
import { startTestServer, testConfig, type TestServer } from '../helpers/test-server.ts';

/**
 * A Redis outage seen from a browser (issue 19): while the live bus is unreachable, the
 * stream's heartbeats say so (`bus: 'down'`, since when); the collector's events of that time
 * never reach Redis, so once it is back and the owners told their state again, the stream is
 * closed and a browser resuming with its Last-Event-ID gets a fresh snapshot — holding the
 * alarm raised during the outage — instead of a replay with a hole in it.
 */

const redis = new URL(process.env.LINEWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const busPrefix = `lw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
const holding = [20];

let dir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let plc: Awaited<ReturnType<typeof startPressPlc>>;
let proxy: TcpProxy;
let web: TestServer;
let collector: Collector;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-bus-outage-'));
  database = await createTestDatabase('lw_busout');
  proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  const redisUrl = `redis://127.0.0.1:${proxy.port}`;
  plc = await startPressPlc(holding, 'outage');
  const plant = plc.plant;
  web = await startTestServer({ plant, databaseUrl: database.url, web: { redisUrl, busPrefix }, autoStartSimulations: false });
  const config = await testConfig(join(dir, 'c1'), { role: 'collector', collectorId: 'c1', plant, databaseUrl: database.url, redisUrl, busPrefix });
  collector = await startCollector(config);
});

after(async () => {
  await collector?.stop();
  await web?.close();
  await proxy?.close();
  await plc?.close();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('a Redis outage: heartbeats say the bus is down; back, the stream resumes with a snapshot holding what happened meanwhile', {
  timeout: 90_000,
}, async () => {
  const stream = await openSse(`${web.url}/api/stream`, { cookie: web.cookies.viewer });
  try {
    await stream.waitFor((e) => e.event === 'sample' && e.data.line === 'press', 20_000);
    const cutAt = Date.now();
    await proxy.cut();
    const down = await stream.waitFor((e) => e.event === 'heartbeat' && e.data.bus === 'down', 15_000);
    console.log(`# the stream said the bus is down ${Date.now() - cutAt} ms after the cut`);
    assert.ok(down.data.since >= cutAt - 100 && down.data.since <= Date.now(), 'since when');
    const lastSeen = stream.events.filter((e) => e.id).at(-1)!;

    // Raised while the collector cannot publish: this event never reaches Redis.
    holding[0] = 150;
    await new Promise((r) => setTimeout(r, 1500));
    const restoredAt = Date.now();
    await proxy.restore();
    await Promise.race([stream.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the stream was not closed for a resync')), 20_000))]);
    console.log(`# the stream was closed for a snapshot ${Date.now() - restoredAt} ms after Redis came back`);
    assert.equal(
      stream.events.some((e) => e.event === 'alarm'),
      false,
      'the alarm event was lost with the outage (else this test proves nothing)',
    );

    const resumed = await openSse(`${web.url}/api/stream`, { cookie: web.cookies.viewer, lastEventId: lastSeen.id });
    try {
      const first = await resumed.waitFor(() => true);
      assert.equal(first.event, 'snapshot', 'no replay across the outage');
      assert.deepEqual(
        first.data.alarms.map((a: { id: string; state: string }) => [a.id, a.state]),
        [['press.temp.hi', 'unack-active']],
      );
      assert.equal(
        resumed.events.some((e) => e.event === 'heartbeat' && e.data.bus),
        false,
      );
    } finally {
      resumed.close();
    }
  } finally {
    stream.close();
  }
});

test("a web instance's live process streams at ordinary priority by default: real-time is for the poll loop", () => {
  const live = liveProcessOf();
  assert.ok(live, "the web instance's live process runs under this test");
  assert.equal(statField(live.pid, 41), '0', 'SCHED_OTHER');
});

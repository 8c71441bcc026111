/**
 * The server on PostgreSQL end to end: the spine (poller → stream → history), alarms (raised,
 * acknowledged, journaled, restored after a restart), trends read from rollups, a graceful
 * close that flushes history, and an outage of the database while the server runs: API calls
 * that need it answer 503 saying so, the live stream carries on, and everything recovers by
 * itself. The database is reached through a TCP forwarder, so the outage is a real one for the
 * server's connections (reset, then refused) without stopping the machine's PostgreSQL.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlarmJournalEntry, AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import { createTestDatabase, throughProxy } from '../helpers/pg-database.ts';
import { openSse } from '../helpers/sse-client.ts';
import type { TcpProxy } from '../helpers/tcp-proxy.ts';
import { alarmEvent, json, runScenario } from '../helpers/scenarios.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: TcpProxy;
let databaseUrl: string;
let dataDir: string;
let server: TestServer;

const HOUR = 3_600_000;
/** Seeded history: two days of one value a minute, ending at the last full hour. */
const seededTag = 'extrusion.melt-pressure';
const seededEnd = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
const seededStart = seededEnd - 48 * HOUR;

before(async () => {
  database = await createTestDatabase('lw_pg_it');
  ({ url: databaseUrl, proxy } = await throughProxy(database.url));
  // Older history, written as the historian writes it (raw samples and their rollups).
  const store = await createPostgresStore(database.url);
  const historian = createHistorian(store);
  const samples: Sample[] = [];
  for (let ts = seededStart; ts < seededEnd; ts += 60_000) samples.push({ tag: seededTag, ts, value: 100 + ((ts / 60_000) % 50), quality: 'good' });
  historian.append(samples);
  await historian.stop();
  await store.close();

  dataDir = await mkdtemp(join(tmpdir(), 'lw-pg-'));
  server = await startTestServer({ dataDir, databaseUrl });
});

after(async () => {
  await server?.close();
  await proxy?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

test('spine on PostgreSQL: live samples are streamed and land in raw history', async () => {
  const sse = await openSse(`${server.url}/api/stream?line=extrusion`, { cookie: server.cookies.viewer });
  try {
    await sse.waitFor((e) => e.event === 'sample' && e.data.samples.some((s: Sample) => s.tag === seededTag && s.quality === 'good'), 20_000);
  } finally {
    sse.close();
  }
  const from = new Date(Date.now() - 60_000).toISOString();
  for (let i = 0; ; i++) {
    await sleep(500);
    const body = await json(server.api(`/api/history?tag=${seededTag}&from=${from}&to=${new Date().toISOString()}`, { as: 'viewer' }));
    if (body.points.length > 2) {
      assert.equal(body.resolution, 'raw');
      break;
    }
    assert.ok(i < 20, 'live samples reach history within 10 s');
  }
});

test('trends read the seeded days from rollups', async () => {
  const body = await json(
    server.api(`/api/history?tags=${seededTag}&from=${new Date(seededStart).toISOString()}&to=${new Date(seededEnd).toISOString()}&width=100`, {
      as: 'viewer',
    }),
  );
  const series = body.series[0];
  assert.equal(series.resolution, '10m', 'two days in 100 px (29 min a pixel): 10-minute rollups');
  assert.ok(series.t.length >= 100 && series.t.length <= 400, `${series.t.length} points`);
  const values = series.v.filter((v: number | null) => v !== null);
  assert.equal(Math.max(...values), 149);
  assert.equal(Math.min(...values), 100);
});

test('alarms on PostgreSQL: raised, acknowledged, journaled in order, audited', async () => {
  const id = 'filling.fault.discrete';
  const sse = await openSse(`${server.url}/api/stream?line=filling`, { cookie: server.cookies.viewer });
  try {
    await sse.waitFor((e) => e.event === 'snapshot');
    await runScenario(server, 'filling', 'jam');
    await sse.waitFor(alarmEvent(id, 'raised'), 20_000);
    const acked = await json(server.api('/api/alarms/ack', { method: 'POST', body: JSON.stringify({ ids: [id], comment: 'capper cleared' }) }));
    assert.equal(acked.acknowledged[0].state, 'ack-active');
    await sse.waitFor(alarmEvent(id, 'acknowledged'));
    await runScenario(server, 'filling', 'normal');
    await sse.waitFor(alarmEvent(id, 'cleared'), 20_000);
  } finally {
    sse.close();
  }
  for (let i = 0; ; i++) {
    const { entries } = await json<{ entries: AlarmJournalEntry[] }>(server.api(`/api/alarms/journal?alarm=${id}`, { as: 'viewer' }));
    const transitions = entries.map((e) => e.transition).reverse();
    if (transitions.length >= 3) {
      assert.deepEqual(transitions, ['raised', 'acknowledged', 'cleared']);
      break;
    }
    assert.ok(i < 20, `journal: ${transitions}`);
    await sleep(200);
  }
  const { entries: audit } = await json(server.api('/api/audit?action=alarm.ack', { as: 'admin' }));
  assert.ok(audit.some((e: { target: string; username: string }) => e.target === id && e.username === 'operator'));
});

test('PostgreSQL unreachable while the server runs: 503 naming it, the stream carries on, everything recovers by itself', async () => {
  const sse = await openSse(`${server.url}/api/stream`, { cookie: server.cookies.viewer });
  const jam = 'packaging.fault.discrete';
  try {
    await sse.waitFor((e) => e.event === 'sample');
    const before = new Date(Date.now() - 30_000).toISOString();
    const historyBefore = await json(server.api(`/api/history?tag=${seededTag}&from=${before}&to=${new Date().toISOString()}`, { as: 'viewer' }));

    // A jam starts; its alarm is raised while the database is away.
    await runScenario(server, 'packaging', 'jam');
    await proxy.cut();
    // Past the session cache (1 s): the session itself must be read.
    await sleep(1200);
    const down = await server.api('/api/alarms/journal?limit=5', { as: 'viewer' });
    assert.equal(down.status, 503);
    const { error } = await down.json();
    assert.match(error.message, /PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/lw_pg_it_\w+\) is unreachable/);
    const seenBefore = sse.events.length;
    await sleep(1500);
    assert.ok(
      sse.events.slice(seenBefore).some((e) => e.event === 'sample'),
      'live samples keep coming',
    );
    // The alarm is raised and streamed at once; its journal row waits for the database.
    await sse.waitFor(alarmEvent(jam, 'raised'), 20_000);
    // Requests that need no database still answer.
    assert.equal((await server.api('/api/health', { as: 'anonymous' })).status, 200);

    await proxy.restore();
    let up: Response | undefined;
    for (let i = 0; i < 40; i++) {
      up = await server.api('/api/alarms/journal?limit=5', { as: 'viewer' });
      if (up.status === 200) break;
      await sleep(250);
    }
    assert.equal(up?.status, 200, 'answers again within 10 s of the database coming back');
    // Nothing written before the outage was lost.
    const historyAfter = await json(server.api(`/api/history?tag=${seededTag}&from=${before}&to=${new Date().toISOString()}`, { as: 'viewer' }));
    const after = new Set(historyAfter.points.map((p: { ts: number }) => p.ts));
    assert.ok(
      historyBefore.points.every((p: { ts: number }) => after.has(p.ts)),
      'every point read before the outage is still there',
    );
    // And the journal row of the alarm raised during the outage is written.
    for (let i = 0; ; i++) {
      const { entries } = await json<{ entries: AlarmJournalEntry[] }>(server.api(`/api/alarms/journal?alarm=${jam}`, { as: 'viewer' }));
      if (entries.some((e) => e.transition === 'raised')) break;
      assert.ok(i < 40, 'the journal row of the outage is written');
      await sleep(250);
    }
    const metrics = await (await server.api('/metrics', { as: 'viewer' })).text();
    assert.match(metrics, /^linewatch_store_write_failures_total\{what="alarm-journal"\} [1-9]/m, 'the failed writes were counted');
  } finally {
    sse.close();
  }
});

test('a restart on the same database restores unacknowledged alarms; a graceful close flushes history', async () => {
  const id = 'packaging.fault.discrete';
  let before: AlarmView | undefined;
  for (let i = 0; !before; i++) {
    const { alarms } = await json<{ alarms: AlarmView[] }>(server.api('/api/alarms?line=packaging', { as: 'viewer' }));
    before = alarms.find((a) => a.id === id);
    assert.ok(before || i < 100, 'fault alarm raised');
    if (!before) await sleep(200);
  }
  const sse = await openSse(`${server.url}/api/stream?line=packaging`, { cookie: server.cookies.viewer });
  const last = (await sse.waitFor((e) => e.event === 'sample' && e.data.samples.length > 0)).data.samples[0] as Sample;
  sse.close();
  await server.close();

  const store = await createPostgresStore(database.url);
  try {
    const points = await store.samples.query(last.tag, last.ts, last.ts, 1);
    assert.equal(points[0]?.value, last.value, 'the last streamed sample was committed on close');
  } finally {
    await store.close();
  }

  server = await startTestServer({ dataDir, databaseUrl, autoStartSimulations: false });
  const { alarms } = await json<{ alarms: AlarmView[] }>(server.api('/api/alarms?line=packaging', { as: 'viewer' }));
  const restored = alarms.find((a) => a.id === id);
  assert.equal(restored?.state, 'unack-active');
  assert.equal(restored?.seq, before.seq);
});

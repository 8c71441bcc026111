import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AlarmEventPayload } from '../../lib/alarms/alarm-types.ts';
import type { EventPayloads, HubEvent } from '../../lib/types.ts';
import type { LiveBus } from '../../server/bus/live-bus.ts';
import { openRedisBus } from '../../server/bus/redis-bus.ts';
import { createLogger } from '../../server/log/logger.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { compareEventIds } from '../../server/bus/event-id.ts';
import { loadPlant } from '../../server/plant/load-plant.ts';
import { startCollectorProcess } from '../helpers/collector-process.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';
import { openSse } from '../helpers/sse-client.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { until } from '../helpers/until.ts';
import { farmLine, type PlcFarm, startPlcFarm } from '../helpers/plc-farm.ts';

/**
 * The collector role as real processes: two collectors on one PostgreSQL and one Redis share
 * two lines, each line's PLC a real Modbus TCP server behind a proxy that counts its clients;
 * the test reads the live bus as a web instance would.
 */
const redisUrl = process.env.LINEWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const busPrefix = `lw-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
const lines = ['press', 'oven'] as const;

let dir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let store: Store;
let bus: LiveBus;
const collectors = new Map<string, ChildProcess>();
const events: HubEvent[] = [];
let webA: TestServer | undefined;
let webB: TestServer | undefined;

/** Real Modbus TCP PLCs behind client-counting proxies, in their own process. */
let farm: PlcFarm;

/**
 * Most clients a PLC had at once for longer than `graceMs`. A collector that gives a line up
 * and takes it again (a late lease renewal on a loaded machine) closes its socket before it
 * connects anew, but the proxy may see the new connection a few ms before the old one's end;
 * two pollers at once overlap for at least a scan (100 ms here).
 */
function peakClients(timeline: readonly string[], graceMs = 20): number {
  // Each connection's span, its end moved `graceMs` earlier; then the most spans at one moment.
  const opened = new Map<string, number>();
  const edges: [number, 1 | -1][] = [];
  for (const mark of timeline) {
    const [, sign, port, at] = /^([+-])(\d+)@(\d+)$/.exec(mark)!;
    if (sign === '+') opened.set(port!, Number(at));
    else if (opened.has(port!)) {
      edges.push([opened.get(port!)!, 1], [Math.max(opened.get(port!)!, Number(at) - graceMs), -1]);
      opened.delete(port!);
    }
  }
  for (const at of opened.values()) edges.push([at, 1]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, step] of edges) peak = Math.max(peak, (now += step));
  return peak;
}

const setRegister = (line: string, address: number, value: number) => farm.set(line, address, value);
const plcClients = () => farm.clients();

function startCollector(id: string): ChildProcess {
  const child = startCollectorProcess({ id, dir, databaseUrl: database.url, redisUrl, busPrefix });
  collectors.set(id, child);
  return child;
}

const holders = async () => new Map((await store.leases.current()).filter((l) => l.resource.startsWith('line:')).map((l) => [l.resource.slice(5), l.holder]));
const goodSampleAfter = (line: string, at: number) =>
  events.some(
    (e) =>
      e.event === 'sample' &&
      (e.data as EventPayloads['sample']).line === line &&
      (e.data as EventPayloads['sample']).readAt > at &&
      (e.data as EventPayloads['sample']).samples.every((s) => s.quality === 'good'),
  );

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-collectors-'));
  database = await createTestDatabase('lw_coll');
  store = await createPostgresStore(database.url);
  bus = await openRedisBus({ url: redisUrl, log: createLogger({ level: 'silent' }), keyPrefix: busPrefix, blockMs: 500 });
  bus.subscribe((e) => events.push(e));
  farm = await startPlcFarm(lines);
  const { ports } = farm;
  const tags = [
    { name: 'temp', area: 'holding', address: 0, type: 'uint16', alarms: { hi: { limit: 100, priority: 'high' } } },
    { name: 'sp', area: 'holding', address: 5, type: 'uint16', writable: { min: 0, max: 500, confirm: false } },
  ];
  const plantLines = lines.map((line) => farmLine(line, ports[line]!, tags));
  await writeFile(join(dir, 'plant.json'), JSON.stringify({ name: 'collectors test', lines: plantLines }));
});

after(async () => {
  await webA?.close();
  await webB?.close();
  for (const child of collectors.values()) child.kill('SIGKILL');
  await bus?.close();
  await store?.close();
  farm?.kill();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('two collectors share the lines; two web instances stream the same events and pass actions to the owner', { timeout: 120_000 }, async () => {
  startCollector('c1');
  startCollector('c2');
  await until('each collector holds a line', async () => {
    const h = await holders();
    return h.size === 2 && new Set(h.values()).size === 2 && h;
  });
  const started = Date.now();
  for (const line of lines) await until(`${line}'s samples on the bus`, () => goodSampleAfter(line, started));

  const plant = await loadPlant(join(dir, 'plant.json'));
  const web = { redisUrl, busPrefix };
  const a = await startTestServer({ plant, databaseUrl: database.url, web, autoStartSimulations: false });
  webA = a;
  const b = await startTestServer({ plant, databaseUrl: database.url, web, autoStartSimulations: false });
  webB = b;
  const streamA = await openSse(`${a.url}/api/stream`, { cookie: a.cookies.viewer });
  const streamB = await openSse(`${b.url}/api/stream`, { cookie: b.cookies.viewer });
  try {
    const [snapA, snapB] = [await streamA.waitFor(() => true), await streamB.waitFor(() => true)];
    assert.equal(snapA.event, 'snapshot');
    assert.deepEqual(snapB.data.lines.map((l: { id: string }) => l.id).sort(), [...lines].sort());
    // The same events with the same ids on both instances.
    const onA = await streamA.waitFor((e) => e.event === 'sample' && compareEventIds(e.id!, snapB.id!) > 0);
    const onB = await streamB.waitFor((e) => e.id === onA.id);
    assert.deepEqual(onB.data, onA.data);

    // A browser moves from A to B with the last id it got: a replay, no gap, no duplicate.
    const moving = await openSse(`${a.url}/api/stream`, { cookie: a.cookies.viewer });
    const lastSeen = await moving.waitFor((e) => e.event === 'sample');
    moving.close();
    await new Promise((r) => setTimeout(r, 500));
    const resumed = await openSse(`${b.url}/api/stream`, { cookie: b.cookies.viewer, lastEventId: lastSeen.id });
    try {
      const later = await resumed.waitFor((e) => e.event === 'sample' && e.data.readAt > lastSeen.data.readAt + 1000);
      await streamB.waitFor((e) => e.id === later.id);
      assert.notEqual(resumed.events[0]!.event, 'snapshot', 'a replay');
      const expected = streamB.events.map((e) => e.id).filter((id) => id && compareEventIds(id, lastSeen.id!) > 0 && compareEventIds(id, later.id!) <= 0);
      assert.deepEqual(resumed.events.map((e) => e.id).slice(0, expected.length), expected);
    } finally {
      resumed.close();
    }

    // An alarm; acknowledged on B, applied once by the line's owner, seen on A within 1 s.
    setRegister('press', 0, 150);
    const raised = await streamA.waitFor((e) => e.event === 'alarm' && e.data.alarm.id === 'press.temp.hi');
    assert.equal(raised.data.alarm.state, 'unack-active');
    await until('the alarm known on B', async () => (await (await b.api('/api/alarms')).json()).alarms.some((a: { id: string }) => a.id === 'press.temp.hi'));
    const ackAt = Date.now();
    const ack = await b.api('/api/alarms/ack', { method: 'POST', body: JSON.stringify({ ids: ['press.temp.hi'], comment: 'seen' }) });
    assert.equal(ack.status, 200, await ack.clone().text());
    assert.equal((await ack.json()).acknowledged[0].state, 'ack-active');
    await streamA.waitFor((e) => e.event === 'alarm' && e.data.entry.transition === 'acknowledged');
    assert.ok(Date.now() - ackAt < 1000 + 500, 'seen on A within 1 s of the answer');
    const again = await a.api('/api/alarms/ack', { method: 'POST', body: JSON.stringify({ ids: ['press.temp.hi'] }) });
    assert.equal(again.status, 409, 'already acknowledged: refused by the owner, with its error');
    const journal = await (await a.api('/api/alarms/journal?alarm=press.temp.hi')).json();
    assert.equal(journal.entries.filter((e: { transition: string }) => e.transition === 'acknowledged').length, 1, 'applied once');
    const audit = await until('the audit row', async () =>
      (await store.audit.query({ username: 'operator', limit: 10 })).find((a) => a.action === 'alarm.ack' && a.result === 'ok'),
    );
    assert.equal(audit.target, 'press.temp.hi');
    const health = await (await a.api('/api/health')).json();
    assert.equal(health.status, 'ok');
    assert.equal(health.bus.connected, true);
    const unknown = await b.api('/api/alarms/ack', { method: 'POST', body: JSON.stringify({ ids: ['press.nothing.hi'] }) });
    assert.equal(unknown.status, 404);
  } finally {
    streamA.close();
    streamB.close();
  }
});

test('a killed collector hands its line over within 10 s, never two pollers on one PLC; a stopped one at once', { timeout: 120_000 }, async () => {
  const shared = await holders();
  const victim = shared.get('press')!;
  const survivor = victim === 'c1' ? 'c2' : 'c1';
  const killedAt = Date.now();
  collectors.get(victim)!.kill('SIGKILL');
  await until('press taken over', async () => (await holders()).get('press') === survivor, 15_000);
  const firstGood = await until('good press samples from the new owner', () => goodSampleAfter('press', killedAt + 500) && Date.now(), 15_000);
  const failoverMs = firstGood - killedAt;
  assert.ok(failoverMs <= 10_000, `fail-over took ${failoverMs} ms`);
  for (const [line, clients] of Object.entries(await plcClients()))
    assert.equal(peakClients(clients.timeline), 1, `${line}: never two pollers at once: ${clients.timeline.join(' ')}`);

  // The new owner continued the alarm: acknowledged stays acknowledged, not raised again.
  const snapshot = (await bus.command('line:press', { name: 'snapshot' })) as { alarms: { id: string; state: string }[] };
  assert.deepEqual(
    snapshot.alarms.map((a) => [a.id, a.state]),
    [['press.temp.hi', 'ack-active']],
  );
  const raisedTwice = events.filter((e) => e.event === 'alarm' && (e.data as AlarmEventPayload).entry.transition === 'raised');
  assert.equal(raisedTwice.length, 1, 'no second raise after the hand-over');
  console.log(`# fail-over: SIGKILL -> first good sample from the new owner in ${failoverMs} ms`);

  // Stopped by its service manager, a collector lets its lines go at once, and exits cleanly.
  const exited = new Promise<number | null>((resolve) => collectors.get(survivor)!.once('exit', (code) => resolve(code)));
  collectors.get(survivor)!.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.deepEqual([...(await holders()).keys()], [], 'no lease outlives a clean stop');
  await until('its PLC connections closed', async () => (await plcClients()).press!.now === 0, 2000);
});

test('a plant version applied on one web instance: the line owner applies its part, the other web instance takes it too', { timeout: 60_000 }, async () => {
  const [a, b] = [webA!, webB!];
  startCollector('c3');
  await until('c3 holds both lines', async () => (await holders()).size === 2);
  const streamB = await openSse(`${b.url}/api/stream`, { cookie: b.cookies.viewer });
  try {
    await streamB.waitFor((e) => e.event === 'sample' && e.data.line === 'press');
    // The limit moves above the value (150): the owner's engine clears the alarm at once.
    const current = await (await a.api('/api/plant', { as: 'admin' })).json();
    current.plant.lines[0].connections[0].tags[0].alarms.hi.limit = 200;
    const put = await a.api('/api/plant', { as: 'admin', method: 'PUT', body: JSON.stringify({ baseVersion: current.version, plant: current.plant }) });
    assert.equal(put.status, 200, await put.clone().text());
    const { version } = await put.json();
    await streamB.waitFor((e) => e.event === 'plant' && e.data.version === version);
    const cleared = await streamB.waitFor((e) => e.event === 'alarm' && e.data.alarm.id === 'press.temp.hi' && e.data.entry.transition === 'cleared', 10_000);
    assert.equal(cleared.data.alarm.limit, 200);
    await until('B runs the new version', async () => (await (await b.api('/api/plant', { as: 'admin' })).json()).version === version);
    const onB = await (await b.api('/api/alarms?all=1')).json();
    assert.equal(onB.alarms.find((x: { id: string }) => x.id === 'press.temp.hi').limit, 200);

    // A setpoint written on B goes to the line's owner, on the connection that polls the PLC.
    const write = await b.api('/api/tags/press.sp/write', { method: 'POST', body: JSON.stringify({ value: 321 }) });
    assert.equal(write.status, 200, await write.clone().text());
    const outcome = await write.json();
    assert.equal(outcome.outcome, 'confirmed');
    assert.equal(outcome.readBack, 321);
    for (const [line, clients] of Object.entries(await plcClients()))
      assert.ok(peakClients(clients.timeline) <= 1, `${line}: the write used the poller's connection: ${clients.timeline.join(' ')}`);

    // An export asked of A is run by the collector (web instances run none) and served by B from the store.
    const to = Date.now() - 1000;
    const body = JSON.stringify({ tags: ['press.temp'], from: new Date(to - 10_000).toISOString(), to: new Date(to).toISOString() });
    const started = await a.api('/api/jobs', { method: 'POST', body });
    assert.equal(started.status, 202, await started.clone().text());
    const { job } = await started.json();
    await streamB.waitFor((e) => e.event === 'job' && e.data.id === job.id && e.data.status === 'succeeded', 15_000);
    assert.equal((await store.jobs.get(job.id))?.worker, 'c3');
    const file = await b.api(`/api/jobs/${job.id}/download`);
    assert.equal(file.status, 200);
    // c3 took the lines only seconds ago: the range holds what it wrote since, at least a row.
    const rows = (await file.text()).split('\r\n').filter((l) => l.startsWith('20'));
    assert.ok(rows.length >= 1 && rows.every((r) => r.includes(',press.temp,')), `${rows.length} rows`);
  } finally {
    streamB.close();
  }
});

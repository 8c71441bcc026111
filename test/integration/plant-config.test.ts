import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { AlarmJournalEntry, AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { PlantFile } from '../../lib/plant/schema.ts';
import type { ProcessInfo, Sample } from '../../lib/types.ts';
import { openSse, type SseClient, type SseEvent } from '../helpers/sse-client.ts';
import { json } from '../helpers/scenarios.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Plant versions applied live (issue 20) on a real server with the demo plant's simulated
 * PLCs: what changed reacts, everything else keeps running — the same sockets to the PLCs,
 * the same stream.
 */

let server: TestServer;
let sse: SseClient;
before(async () => {
  server = await startTestServer();
  sse = await openSse(`${server.url}/api/stream`, { cookie: server.cookies.viewer });
  await sse.waitFor((e) => e.event === 'sample' && e.data.line === 'packaging');
  await sse.waitFor((e) => e.event === 'sample' && e.data.line === 'extrusion');
});
after(async () => {
  sse?.close();
  await server?.close();
});

interface Current {
  version: number;
  appliedBy: string;
  comment: string | null;
  readOnly: boolean;
  plant: PlantFile;
}
const current = () => json<Current>(server.api('/api/plant', { as: 'admin' }));
const put = (body: unknown, as: 'admin' | 'operator' | 'viewer' = 'admin') => server.api('/api/plant', { as, method: 'PUT', body: JSON.stringify(body) });
const tagsOf = (p: PlantFile, line: string) => p.lines.find((l) => l.id === line)!.connections[0]!.tags as Record<string, any>[];
const tagNamed = (p: PlantFile, line: string, name: string) => tagsOf(p, line).find((t) => t.name === name)!;

/** Applies `edit` to the current version; asserts 200 and returns the answer. */
async function apply(edit: (p: PlantFile) => void): Promise<{ version: number; changes: string[] }> {
  const { version, plant } = await current();
  edit(plant);
  const res = await put({ baseVersion: version, plant });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json() as Promise<{ version: number; changes: string[] }>;
}

/** Local ports of the established TCP connections to `port` (the poller's sockets to a simulated PLC). */
function clientPorts(port: number): string[] {
  const out = execFileSync('ss', ['-tnH', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/).at(-2)!)
    .sort();
}

async function simulatorPort(connection: string): Promise<number> {
  const { processes } = await json<{ processes: ProcessInfo[] }>(server.api('/api/processes', { as: 'viewer' }));
  return processes.find((p) => p.id.includes(connection))!.info.port as number;
}

/** Longest pause between two reads of `line` in `events` (the samples' timestamps), ms. */
function longestGap(events: SseEvent[], line: string): number {
  const times = events.filter((e) => e.event === 'sample' && e.data.line === line).map((e) => Math.max(...(e.data.samples as Sample[]).map((s) => s.ts)));
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

test('the first start stores the plant as version 1; only admins read or change it', async () => {
  const v = await current();
  assert.equal(v.version, 1);
  assert.equal(v.appliedBy, 'system');
  assert.equal(v.readOnly, false);
  assert.deepEqual(
    v.plant.lines.map((l) => l.id),
    ['extrusion', 'filling', 'packaging'],
  );
  for (const as of ['operator', 'viewer'] as const) {
    assert.equal((await server.api('/api/plant', { as })).status, 403);
    assert.equal((await put({ baseVersion: 1, plant: v.plant }, as)).status, 403);
    assert.equal((await server.api('/api/plant/versions', { as })).status, 403);
  }
});

test('invalid edits are refused with every problem named by path, and nothing changes', async () => {
  const { version, plant } = await current();
  tagNamed(plant, 'extrusion', 'zone1-temp').address = 70000;
  tagNamed(plant, 'filling', 'tank-level').type = 'float64';
  const res = await put({ baseVersion: version, plant });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { field: string; message: string }; problems: { path: string; message: string }[] };
  assert.equal(body.error.field, 'plant.lines[0].connections[0].tags[2].address');
  assert.deepEqual([...new Set(body.problems.map((p) => p.path))], ['lines[0].connections[0].tags[2].address', 'lines[1].connections[0].tags[5].type']);
  assert.equal((await current()).version, version);
  assert.equal((await put({ baseVersion: version })).status, 400, 'no plant');
});

test('an alarm limit moved below the value: raised within a scan and the on-delay; no reconnect, no gap, the stream stays open', async () => {
  const extrusionPort = await simulatorPort('extrusion-plc');
  const packagingPort = await simulatorPort('packaging-plc');
  const socketsBefore = [clientPorts(extrusionPort), clientPorts(packagingPort)];
  assert.equal(socketsBefore[0]!.length, 1);
  const from = sse.events.length;
  const started = Date.now();
  const answer = await apply((p) => {
    const alarms = tagNamed(p, 'extrusion', 'zone1-temp').alarms;
    alarms.lo.limit = 50;
    alarms.hi.limit = 100;
  });
  assert.equal(answer.version, 2);
  assert.match(answer.changes.join('\n'), /tag\(s\) changed: extrusion\.zone1-temp/);
  const raised = await sse.waitFor(
    (e) => e.event === 'alarm' && e.data.entry.alarm === 'extrusion.zone1-temp.hi' && e.data.entry.transition === 'raised',
    10_000,
  );
  // Scan 500 ms + on-delay 1000 ms, plus a margin for a loaded machine.
  assert.ok(raised.data.entry.ts - started < 4000, `raised after ${raised.data.entry.ts - started} ms`);
  await sse.waitFor((e) => e.event === 'plant' && e.data.version === 2);
  // Scan 1000 ms on packaging: its reads go on as before (no pause while the plant changed).
  const gap = longestGap(sse.events.slice(from), 'packaging');
  assert.ok(gap < 2500, `packaging paused ${gap} ms`);
  assert.deepEqual([clientPorts(extrusionPort), clientPorts(packagingPort)], socketsBefore, 'the same sockets: nothing reconnected');
  assert.equal(sse.status, 200);
  assert.equal(sse.events.filter((e) => e.event === 'snapshot').length, 1, 'still the first connection of the stream');
  const { alarms } = await json<{ alarms: AlarmView[] }>(server.api('/api/alarms?line=extrusion', { as: 'viewer' }));
  assert.equal(alarms.find((a) => a.id === 'extrusion.zone1-temp.hi')?.limit, 100);
});

test("a connection's scan period changed: only its poller reconnects", async () => {
  const fillingPort = await simulatorPort('filling-plc');
  const packagingPort = await simulatorPort('packaging-plc');
  const before = [clientPorts(fillingPort), clientPorts(packagingPort)];
  const { version } = await apply((p) => (p.lines.find((l) => l.id === 'packaging')!.connections[0]!.scanMs = 700));
  await sse.waitFor((e) => e.event === 'plant' && e.data.version === version);
  const deadline = Date.now() + 5000;
  while (clientPorts(packagingPort).length !== 1 || clientPorts(packagingPort)[0] === before[1]![0]) {
    assert.ok(Date.now() < deadline, 'packaging reconnected on a new socket');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(clientPorts(fillingPort), before[0], 'filling kept its socket');
  const at = sse.events.length;
  await sse.waitFor((e) => e.event === 'sample' && e.data.line === 'packaging' && sse.events.indexOf(e) >= at, 5000);
});

test('a tag with an active alarm removed: the alarm ends with a journal entry saying why; its history stays readable', async () => {
  const { alarms } = await json<{ alarms: AlarmView[] }>(server.api('/api/alarms?line=extrusion', { as: 'viewer' }));
  assert.equal(alarms.find((a) => a.id === 'extrusion.zone1-temp.hi')?.active, true, 'raised by the test before');
  const { version } = await apply((p) => {
    const tags = tagsOf(p, 'extrusion');
    tags.splice(
      tags.findIndex((t) => t.name === 'zone1-temp'),
      1,
    );
  });
  const ended = await sse.waitFor((e) => e.event === 'alarm' && e.data.entry.alarm === 'extrusion.zone1-temp.hi' && e.data.entry.transition === 'removed');
  assert.equal(ended.data.alarm.state, 'normal');
  assert.equal(ended.data.entry.user, 'admin');
  assert.match(ended.data.entry.comment, new RegExp(`plant version ${version}`));
  const after = await json<{ alarms: AlarmView[] }>(server.api('/api/alarms?line=extrusion', { as: 'viewer' }));
  assert.equal(
    after.alarms.some((a) => a.tag === 'extrusion.zone1-temp'),
    false,
  );
  const { entries } = await json<{ entries: AlarmJournalEntry[] }>(server.api('/api/alarms/journal?alarm=extrusion.zone1-temp.hi&limit=50', { as: 'viewer' }));
  assert.equal(entries[0]?.transition, 'removed');
  const history = await server.api(
    `/api/history?tag=extrusion.zone1-temp&from=${new Date(Date.now() - 600_000).toISOString()}&to=${new Date().toISOString()}`,
    { as: 'viewer' },
  );
  assert.equal(history.status, 200, `history of a removed tag stays readable: ${await history.clone().text()}`);
  assert.ok(((await history.json()) as { points: unknown[] }).points.length > 0, 'its points are there');
  const audit = await json<{ entries: { action: string; result: string; detail: string | null }[] }>(
    server.api('/api/audit?action=plant.apply', { as: 'admin' }),
  );
  assert.ok(audit.entries.filter((e) => e.action === 'plant.apply' && e.result === 'ok').length >= 3);
});

test('two admins apply on the same version: the second gets 409 and the version applied meanwhile', async () => {
  const { version, plant } = await current();
  const a = structuredClone(plant);
  a.lines[0]!.name = 'Extruder A';
  const b = structuredClone(plant);
  b.lines[0]!.name = 'Extruder B';
  const [ra, rb] = await Promise.all([put({ baseVersion: version, plant: a }), put({ baseVersion: version, plant: b })]);
  assert.deepEqual([ra.status, rb.status].sort(), [200, 409]);
  const refused = (ra.status === 409 ? ra : rb).json() as Promise<{ error: { field: string }; current: { version: number; appliedBy: string } }>;
  const body = await refused;
  assert.equal(body.error.field, 'baseVersion');
  assert.equal(body.current.version, version + 1);
  assert.equal(body.current.appliedBy, 'admin');
});

test('rollback applies an earlier version again, as a new version, and its behaviour returns', async () => {
  const { version } = await current();
  const res = await server.api('/api/plant/rollback', { as: 'admin', method: 'POST', body: JSON.stringify({ version: 1, baseVersion: version }) });
  assert.equal(res.status, 200, await res.clone().text());
  const { version: rolled } = (await res.json()) as { version: number };
  assert.equal(rolled, version + 1);
  const now = await current();
  assert.equal(now.comment, 'rolled back to version 1');
  assert.deepEqual(now.plant, (await json<{ plant: PlantFile }>(server.api('/api/plant/versions/1', { as: 'admin' }))).plant);
  const { alarms } = await json<{ alarms: AlarmView[] }>(server.api('/api/alarms?line=extrusion&all=1', { as: 'viewer' }));
  assert.equal(alarms.find((a) => a.id === 'extrusion.zone1-temp.hi')?.limit, 200, 'the alarm is back with its first limit');
  const { versions } = await json<{ versions: { version: number; appliedBy: string }[] }>(server.api('/api/plant/versions', { as: 'admin' }));
  assert.deepEqual(
    versions.map((v) => v.version),
    Array.from({ length: rolled }, (_, i) => rolled - i),
  );
  assert.equal((await server.api('/api/plant/versions/999', { as: 'admin' })).status, 404);
  // A script may roll back without naming the version it saw: onto the current one.
  const unguarded = await server.api('/api/plant/rollback', { as: 'admin', method: 'POST', body: JSON.stringify({ version: 2 }) });
  assert.equal(unguarded.status, 200, await unguarded.clone().text());
  assert.equal(((await unguarded.json()) as { version: number }).version, rolled + 1);
});

test('test read: the edited connection read once, raw registers and values, or the exact error; nothing saved', async () => {
  const { version, plant } = await current();
  const connection = structuredClone(plant.lines[1]!.connections[0]!);
  const res = await server.api('/api/plant/test-read', { as: 'admin', method: 'POST', body: JSON.stringify({ line: 'filling', connection }) });
  assert.equal(res.status, 200, await res.clone().text());
  const read = (await res.json()) as { error: string | null; tags: { name: string; raw: number[] | null; value: number | null; quality: string }[] };
  assert.equal(read.error, null);
  assert.equal(read.tags.length, connection.tags.length);
  const level = read.tags.find((t) => t.name === 'tank-level')!;
  assert.equal(level.quality, 'good');
  assert.equal(level.raw?.length, 2, 'a float32: two registers');
  assert.ok(typeof level.value === 'number' && level.value > 0);

  const closed = { ...connection, id: 'nowhere', simulated: false, host: '127.0.0.1', port: 1, timeoutMs: 500 };
  const refused = (await json<{ error: string; tags: { quality: string }[] }>(
    server.api('/api/plant/test-read', { as: 'admin', method: 'POST', body: JSON.stringify({ line: 'filling', connection: closed }) }),
  )) as { error: string; tags: { quality: string }[] };
  assert.match(refused.error, /cannot connect to 127\.0\.0\.1:1: refused/);
  assert.ok(refused.tags.every((t) => t.quality === 'bad'));

  const bad = await server.api('/api/plant/test-read', {
    as: 'admin',
    method: 'POST',
    body: JSON.stringify({ line: 'filling', connection: { ...connection, unitId: 300 } }),
  });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { field: string } }).error.field, 'connection.unitId');
  assert.equal((await current()).version, version, 'nothing saved');
  assert.equal(
    (await server.api('/api/plant/test-read', { as: 'operator', method: 'POST', body: JSON.stringify({ line: 'filling', connection }) })).status,
    403,
  );
});

/**
 * Collecting through a PostgreSQL outage (issue 19, scale-out): two collectors as real
 * processes reach PostgreSQL through a TCP forwarder the test cuts for 20 s, and Redis
 * directly. Their leases lapse in the database meanwhile, but their liveness keys in Redis
 * live: each goes on polling its line, streaming on the bus and buffering history; neither
 * takes the other's line; afterwards each takes its own lease again and writes what it
 * buffered. Each line's PLC is a real Modbus TCP server behind a proxy that counts clients.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { EventPayloads } from '../../lib/types.ts';
import { startCollectorProcess } from '../helpers/collector-process.ts';
import { type OutageRig, openOutageRig } from '../helpers/outage-rig.ts';
import { until } from '../helpers/until.ts';
import { farmLine } from '../helpers/plc-farm.ts';

const OUTAGE_MS = 20_000;
const lines = ['press', 'oven'] as const;

/** `rig.store` is the test's own view of the database, not through the forwarder. */
let rig: OutageRig;
const collectors: ChildProcess[] = [];
/** Sample events as they came off the bus: line, when (test clock), and their samples. */
const arrivals: { line: string; at: number; samples: EventPayloads['sample']['samples'] }[] = [];

const holders = async () =>
  new Map((await rig.store.leases.current()).filter((l) => l.resource.startsWith('line:')).map((l) => [l.resource.slice(5), `${l.holder}`]));

before(async () => {
  rig = await openOutageRig('db-outage', lines);
  rig.bus.subscribe((e) => {
    if (e.event !== 'sample') return;
    const data = e.data as EventPayloads['sample'];
    arrivals.push({ line: data.line, at: Date.now(), samples: data.samples });
  });
  const tags = [
    { name: 'temp', area: 'holding', address: 0, type: 'uint16' },
    { name: 'level', area: 'holding', address: 1, type: 'uint16' },
  ];
  const plant = { name: 'database outage test', lines: lines.map((line) => farmLine(line, rig.farm.ports[line]!, tags)) };
  await rig.writePlant(plant);
});

after(async () => {
  for (const child of collectors) child.kill('SIGKILL');
  await rig?.close();
});

test('PostgreSQL cut for 20 s: both collectors go on polling and streaming their lines, nobody takes a line, and the outage is written afterwards', {
  timeout: 150_000,
}, async (t) => {
  for (const id of ['c1', 'c2']) {
    const child = startCollectorProcess({ id, dir: rig.dir, databaseUrl: rig.proxiedUrl, redisUrl: rig.redisUrl, busPrefix: rig.busPrefix });
    collectors.push(child);
  }
  const owners = await until(
    'each collector holds a line',
    async () => {
      const h = await holders();
      return h.size === 2 && new Set(h.values()).size === 2 && h;
    },
    60_000,
  );
  const started = Date.now();
  for (const line of lines) await until(`${line}'s samples on the bus`, () => arrivals.some((a) => a.line === line && a.at > started + 500));
  await sleep(1000);

  const cutAt = Date.now();
  await rig.proxy.cut();
  await sleep(OUTAGE_MS);
  const restoredAt = Date.now();
  await rig.proxy.restore();

  // Back: each takes its own lease again (the same holder), nothing moves.
  await until('both leases running again', async () => (await holders()).size === 2);
  await sleep(3000);
  assert.deepEqual(await holders(), owners, 'the same collector owns each line');

  // Samples streamed without a break through the outage.
  const during = arrivals.filter((a) => a.at >= cutAt && a.at < restoredAt);
  // Good samples (fresh reads): a stale one now and then says a poll came late on a busy machine.
  const gaps: Record<string, number> = {};
  const notGood: Record<string, string[]> = {};
  for (const line of lines) {
    const good = arrivals.filter((a) => a.line === line && a.samples.every((s) => s.quality === 'good'));
    const times = [cutAt, ...good.filter((a) => a.at >= cutAt - 1000 && a.at <= restoredAt + 1000).map((a) => a.at), restoredAt];
    times.sort((a, b) => a - b);
    gaps[line] = Math.max(...times.slice(1).map((at, i) => at - times[i]!));
    assert.ok(gaps[line]! <= 2000, `${line}: longest gap between good samples on the bus ${gaps[line]} ms`);
    notGood[line] = during
      .filter((a) => a.line === line)
      .flatMap((a) => a.samples.filter((s) => s.quality !== 'good').map((s) => `${s.quality}@+${s.ts - cutAt}ms`));
  }

  // One poller per PLC, and from before the cut on the same connection: no line restarted.
  const clients = await rig.farm.clients();
  const sinceCut = (mark: string) => (Number(mark.split('@')[1]) - (cutAt % 1_000_000) + 1_000_000) % 1_000_000 < 500_000;
  for (const line of lines) {
    const { peak, timeline, now } = clients[line]!;
    assert.equal(peak, 1, `${line}: at most one client at once: ${timeline.join(' ')}`);
    assert.deepEqual(timeline.filter(sinceCut), [], `${line}: no connection opened or closed since the cut: ${timeline.join(' ')}`);
    assert.equal(now, 1);
  }

  // What was streamed during the outage is in PostgreSQL, once.
  const streamed = new Set(during.flatMap((a) => a.samples.map((s) => `${s.tag}@${s.ts}`)));
  const db = new pg.Client({ connectionString: rig.database.url });
  await db.connect();
  try {
    const rows = await until('the outage written', async () => {
      const { rows } = await db.query<{ name: string; ts: string; n: string }>(
        'SELECT t.name, s.ts, count(*) AS n FROM samples s JOIN tags t ON t.id = s.tag_id WHERE s.ts >= $1 AND s.ts < $2 GROUP BY t.name, s.ts',
        [cutAt - 1000, restoredAt + 1000],
      );
      const stored = new Set(rows.map((r) => `${r.name}@${Number(r.ts)}`));
      return [...streamed].every((k) => stored.has(k)) && rows;
    });
    assert.ok(
      rows.every((r) => Number(r.n) === 1),
      'none written twice',
    );
    const inOutage = rows.filter((r) => Number(r.ts) >= cutAt && Number(r.ts) < restoredAt).length;
    t.diagnostic(
      `outage ${((restoredAt - cutAt) / 1000).toFixed(1)} s: ${during.length} sample events on the bus (${streamed.size} samples), ` +
        `longest gap between good ones ${JSON.stringify(gaps)} ms, not good ${JSON.stringify(notGood)}; ${inOutage} samples of the outage written afterwards; ` +
        `PLC clients peak ${JSON.stringify(Object.fromEntries(lines.map((l) => [l, clients[l]!.peak])))}; owners ${JSON.stringify(Object.fromEntries(owners))}`,
    );
  } finally {
    await db.end();
  }

  // A clean stop still hands over at once (its liveness key deleted, its leases released).
  const first = collectors[0]!;
  const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
  first.kill('SIGTERM');
  assert.equal(await exited, 0);
  await until('the other collector holds both lines', async () => {
    const h = await holders();
    return h.size === 2 && new Set(h.values()).size === 1 && h;
  });
});

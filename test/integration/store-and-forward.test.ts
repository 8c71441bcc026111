/**
 * Store-and-forward end to end (issue 19, part 6): a server on PostgreSQL reached through a TCP
 * forwarder, two simulated PLCs polled at ≥ 1000 samples/s, alarms on ramps raising and
 * clearing every second. The database is cut for a few seconds while an operator acknowledges
 * alarms (audited). The memory bounds are small, so samples, journal entries and audit rows
 * really go to the spool files. After the database is back: every sample streamed, every
 * journal entry published and every acknowledgement's audit row is in the database, once; the
 * spool is empty. `npm run bench:spool` is the long version (a 60 s outage) with replay figures.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Sample } from '../../lib/types.ts';
import { createTestDatabase, throughProxy } from '../helpers/pg-database.ts';
import { openSse, type SseClient } from '../helpers/sse-client.ts';
import { spoolPlant } from '../helpers/spool-plant.ts';
import type { TcpProxy } from '../helpers/tcp-proxy.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const OUTAGE_MS = 6000;
/** Two PLCs × 80 tags every 100 ms: 1600 samples/s (and three ramps): room above 1000/s on a loaded machine. */
const { plant, rampAlarms } = spoolPlant({ plcs: 2, tags: 80, scanMs: 100 });

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: TcpProxy;
let databaseUrl: string;
let dataDir: string;
let server: TestServer;

before(async () => {
  database = await createTestDatabase('lw_saf_it');
  ({ url: databaseUrl, proxy } = await throughProxy(database.url));
  dataDir = await mkdtemp(join(tmpdir(), 'lw-saf-'));
  server = await startTestServer({
    dataDir,
    databaseUrl,
    plant,
    // A second of samples in memory, a few journal entries and audit rows: the rest is spooled.
    spool: { memoryRows: { samples: 1000, journal: 5, audit: 3 } },
  });
});

after(async () => {
  await server?.close();
  await proxy?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A metric's value per `kind` label, read in-process (the HTTP route needs a session, and so the database). */
async function byKind(name: string): Promise<Record<string, number>> {
  const metric = await server.runtime.metrics.registry.getSingleMetric(name)!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.kind), v.value]));
}

test('PostgreSQL cut while samples flow at ≥ 1000/s, alarms change and operators act: nothing lost, nothing written twice', { timeout: 120_000 }, async (t) => {
  const streamed = new Set<string>();
  const published = new Map<number, string>();
  let sse: SseClient | undefined;
  try {
    sse = await openSse(`${server.url}/api/stream`, {
      cookie: server.cookies.viewer,
      onEvent(e) {
        if (e.event === 'sample') for (const s of e.data.samples as Sample[]) streamed.add(`${s.tag}@${s.ts}`);
        if (e.event === 'alarm') published.set(e.data.entry.seq, `${e.data.entry.alarm} ${e.data.entry.transition}`);
      },
    });
    // Both PLCs answer, and the ramps' alarms have started.
    await sse.waitFor((e) => e.event === 'sample' && e.data.samples.some((s: Sample) => s.tag === 'saf-1.t0' && s.quality === 'good'), 30_000);
    await sse.waitFor((e) => e.event === 'alarm', 10_000);
    await sleep(1000);

    const cutAt = Date.now();
    await proxy.cut();
    // Acknowledgements during the outage, each audited (one row per call, whatever its outcome).
    const acks: string[] = [];
    let spooledDuring: Record<string, number> = {};
    while (Date.now() - cutAt < OUTAGE_MS) {
      const comment = `outage ack ${acks.length}`;
      acks.push(comment);
      try {
        await server.runtime.alarms.acknowledge([rampAlarms[acks.length % rampAlarms.length]!], comment, { username: 'operator', ip: '127.0.0.1' });
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'LW_ALARM_STATE', String(error));
      }
      if (Date.now() - cutAt > OUTAGE_MS - 1000 && Object.keys(spooledDuring).length === 0) spooledDuring = await byKind('linewatch_spool_rows');
      await sleep(300);
    }
    const age = await byKind('linewatch_spool_oldest_age_seconds');
    const restoredAt = Date.now();
    await proxy.restore();
    assert.ok(spooledDuring.samples! > 0, `samples spooled during the outage: ${JSON.stringify(spooledDuring)}`);
    assert.ok(age.samples! > 1, `oldest spooled sample ${age.samples} s old`);

    // Everything spooled is written back once the database answers again.
    for (let i = 0; ; i++) {
      const rows = await byKind('linewatch_spool_rows');
      if (Object.values(rows).every((n) => n === 0)) break;
      assert.ok(i < 100, `the spool drains within 20 s: ${JSON.stringify(rows)}`);
      await sleep(200);
    }
    const replayed = await byKind('linewatch_spool_replayed_rows_total');
    for (const kind of ['samples', 'journal', 'audit']) assert.ok(replayed[kind]! > 0, `${kind} went through the spool: ${JSON.stringify(replayed)}`);
    await sleep(1500);
    sse.close();
    // A graceful close writes what memory still holds.
    await server.close();

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const { rows: samples } = await db.query<{ name: string; ts: string }>(
        'SELECT t.name, s.ts FROM samples s JOIN tags t ON t.id = s.tag_id WHERE s.ts >= $1',
        [cutAt - 60_000],
      );
      const stored = new Set(samples.map((r) => `${r.name}@${Number(r.ts)}`));
      const lost = [...streamed].filter((k) => !stored.has(k));
      assert.deepEqual(lost.slice(0, 5), [], `${lost.length} of ${streamed.size} streamed samples not in the database`);
      const during = samples.filter((r) => Number(r.ts) >= cutAt && Number(r.ts) < restoredAt).length;
      const rate = during / ((restoredAt - cutAt) / 1000);
      assert.ok(rate >= 1000, `${rate.toFixed(0)} samples/s stored for the outage`);
      t.diagnostic(
        `${streamed.size} samples streamed, all stored; ${rate.toFixed(0)} samples/s during the ${((restoredAt - cutAt) / 1000).toFixed(1)} s outage; replayed from the spool: ${JSON.stringify(replayed)}`,
      );

      const { rows: journal } = await db.query<{ seq: string; alarm_id: string; transition: string }>(
        'SELECT seq, alarm_id, transition FROM alarm_events ORDER BY seq',
      );
      const written = new Map(journal.map((r) => [Number(r.seq), `${r.alarm_id} ${r.transition}`]));
      const missing = [...published].filter(([seq, what]) => written.get(seq) !== what);
      assert.deepEqual(missing, [], `every published transition is journaled (${published.size} published)`);
      assert.ok(published.size >= 10, `${published.size} transitions`);
      t.diagnostic(`${published.size} alarm transitions published, all journaled; ${acks.length} acknowledgements during the outage`);

      const { rows: audit } = await db.query<{ detail: string; n: string }>(
        "SELECT detail, count(*) AS n FROM audit WHERE action = 'alarm.ack' AND detail LIKE 'outage ack %' GROUP BY detail",
      );
      assert.deepEqual(audit.map((r) => `${r.detail} ×${r.n}`).sort(), acks.map((a) => `${a} ×1`).sort(), 'one audit row per acknowledgement');
    } finally {
      await db.end();
    }
    assert.deepEqual(
      (await readdir(join(dataDir, 'spool', 'samples'))).filter((f) => f.endsWith('.seg')),
      [],
      'no segment left',
    );
  } finally {
    sse?.close();
  }
});

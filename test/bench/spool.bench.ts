/**
 * Store-and-forward through a long PostgreSQL outage (issue 19): a server on a fresh PostgreSQL
 * database, reached through a TCP forwarder, polls simulated PLCs at ≥ 1000 samples/s (ramps
 * raise and clear alarms all the time) while an operator acknowledges alarms (audited); the
 * forwarder cuts the database for `--outage` seconds. Small memory bounds send most of it to
 * the spool files. Prints what the spool held, how fast it was written back once the database
 * returned (rows/s), the event-loop delay meanwhile, and what was lost or written twice
 * (target: 0 and 0), checked against everything the server streamed and published.
 *
 *   npm run bench:spool   (-- --outage 60 --plcs 2 --tags 100 --scan 100 --memory-samples 10000)
 *
 * Needs a production build (`npx next build`): the stream client signs in through the API.
 * The short version runs in CI: test/integration/store-and-forward.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Sample } from '../../lib/types.ts';
import { createTestDatabase, throughProxy } from '../helpers/pg-database.ts';
import { openSse } from '../helpers/sse-client.ts';
import { spoolPlant } from '../helpers/spool-plant.ts';
import { startTestServer } from '../helpers/test-server.ts';

const { values: args } = parseArgs({
  options: {
    outage: { type: 'string', default: '60' },
    plcs: { type: 'string', default: '2' },
    tags: { type: 'string', default: '100' },
    scan: { type: 'string', default: '100' },
    'memory-samples': { type: 'string', default: '10000' },
    'memory-journal': { type: 'string', default: '100' },
    'memory-audit': { type: 'string', default: '10' },
  },
});
const outageS = Number(args.outage);
const plcs = Number(args.plcs);
const tags = Number(args.tags);
const scanMs = Number(args.scan);
const memoryRows = { samples: Number(args['memory-samples']), journal: Number(args['memory-journal']), audit: Number(args['memory-audit']) };
const { plant, rampAlarms } = spoolPlant({ plcs, tags, scanMs });
const nominalRate = (plcs * tags * 1000) / scanMs;

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const s1 = (ms: number) => (ms / 1000).toFixed(1);

const database = await createTestDatabase('lw_bench_spool');
const { url, proxy } = await throughProxy(database.url);
const dataDir = await mkdtemp(join(tmpdir(), 'lw-bench-spool-'));
let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
try {
  server = await startTestServer({ dataDir, databaseUrl: url, plant, spool: { memoryRows } });
  const running = server;
  const byKind = async (name: string): Promise<Record<string, number>> => {
    const metric = await running.runtime.metrics.registry.getSingleMetric(name)!.get();
    return Object.fromEntries(metric.values.map((v) => [String(v.labels.kind), v.value]));
  };
  console.log(
    `spool bench: ${plcs} simulated PLCs × ${tags} tags @ ${scanMs} ms (${fmt(nominalRate)} samples/s) + 3 alarm ramps; PostgreSQL cut for ${outageS} s; memory bounds: samples ${fmt(memoryRows.samples)}, journal ${memoryRows.journal}, audit ${memoryRows.audit}`,
  );

  const streamed = new Set<string>();
  const published = new Map<number, string>();
  const sse = await openSse(`${server.url}/api/stream`, {
    cookie: server.cookies.viewer,
    onEvent(e) {
      if (e.event === 'sample') for (const s of e.data.samples as Sample[]) streamed.add(`${s.tag}@${s.ts}`);
      if (e.event === 'alarm') published.set(e.data.entry.seq, `${e.data.entry.alarm} ${e.data.entry.transition}`);
    },
  });
  await sse.waitFor((e) => e.event === 'sample' && e.data.samples.some((s: Sample) => s.tag === `saf-${plcs - 1}.t0` && s.quality === 'good'), 60_000);
  await sleep(3000);

  const cutAt = Date.now();
  const publishedBefore = published.size;
  await proxy.cut();
  const acks: string[] = [];
  let nextReport = cutAt + 10_000;
  let atEnd: { rows: Record<string, number>; bytes: Record<string, number>; age: Record<string, number> } | undefined;
  while (Date.now() - cutAt < outageS * 1000) {
    const comment = `bench ack ${acks.length}`;
    acks.push(comment);
    try {
      await running.runtime.alarms.acknowledge([rampAlarms[acks.length % rampAlarms.length]!], comment, { username: 'operator', ip: '127.0.0.1' });
    } catch {
      // Nothing to acknowledge right now (LW_ALARM_STATE): audited all the same.
    }
    if (Date.now() >= nextReport) {
      nextReport += 10_000;
      const rows = await byKind('linewatch_spool_rows');
      console.log(`  ${s1(Date.now() - cutAt)} s: spooled samples ${fmt(rows.samples!)}, journal ${rows.journal}, audit ${rows.audit}`);
    }
    if (Date.now() - cutAt > outageS * 1000 - 1000 && !atEnd)
      atEnd = {
        rows: await byKind('linewatch_spool_rows'),
        bytes: await byKind('linewatch_spool_bytes'),
        age: await byKind('linewatch_spool_oldest_age_seconds'),
      };
    await sleep(1000);
  }
  const restoredAt = Date.now();
  const transitionsDuring = published.size - publishedBefore;
  const replayedBefore = await byKind('linewatch_spool_replayed_rows_total');
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  await proxy.restore();

  // Written back: from the database's return until every spool is empty.
  let firstWriteAt: number | undefined;
  let drainedAt: number | undefined;
  for (;;) {
    const rows = await byKind('linewatch_spool_rows');
    const replayed = await byKind('linewatch_spool_replayed_rows_total');
    if (firstWriteAt === undefined && replayed.samples! > replayedBefore.samples!) firstWriteAt = Date.now();
    if (Object.values(rows).every((n) => n === 0)) {
      drainedAt = Date.now();
      break;
    }
    if (Date.now() - restoredAt > 300_000) throw new Error(`the spool did not drain in 5 min: ${JSON.stringify(rows)}`);
    await sleep(50);
  }
  loop.disable();
  const replayed = await byKind('linewatch_spool_replayed_rows_total');
  const replayedSamples = replayed.samples! - replayedBefore.samples!;
  await sleep(1500);
  sse.close();
  await server.close();

  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  let summary: string[];
  try {
    const { rows: samples } = await db.query<{ name: string; ts: string }>('SELECT t.name, s.ts FROM samples s JOIN tags t ON t.id = s.tag_id');
    const stored = new Set(samples.map((r) => `${r.name}@${Number(r.ts)}`));
    const lostSamples = [...streamed].filter((k) => !stored.has(k)).length;
    const during = samples.filter((r) => Number(r.ts) >= cutAt && Number(r.ts) < restoredAt).length;
    const { rows: journal } = await db.query<{ seq: string; alarm_id: string; transition: string }>('SELECT seq, alarm_id, transition FROM alarm_events');
    const written = new Map(journal.map((r) => [Number(r.seq), `${r.alarm_id} ${r.transition}`]));
    const lostJournal = [...published].filter(([seq, what]) => written.get(seq) !== what).length;
    const { rows: audit } = await db.query<{ detail: string; n: string }>(
      "SELECT detail, count(*) AS n FROM audit WHERE action = 'alarm.ack' AND detail LIKE 'bench ack %' GROUP BY detail",
    );
    const auditCounts = new Map(audit.map((r) => [r.detail, Number(r.n)]));
    const lostAudit = acks.filter((a) => !auditCounts.has(a)).length;
    const twiceAudit = audit.filter((r) => Number(r.n) > 1).length;
    const { rows: dupes } = await db.query<{ n: string }>(
      'SELECT (SELECT count(*) - count(DISTINCT (tag_id, ts)) FROM samples) + (SELECT count(*) - count(DISTINCT seq) FROM alarm_events) AS n',
    );
    const twice = Number(dupes[0]!.n) + twiceAudit;
    summary = [
      ` during the outage: ${fmt(during)} samples stored (${fmt(during / ((restoredAt - cutAt) / 1000))}/s), ${transitionsDuring} alarm transitions, ${acks.length} acknowledgements`,
      ` spool at the end of the outage: samples ${fmt(atEnd?.rows.samples ?? 0)} (${((atEnd?.bytes.samples ?? 0) / 1e6).toFixed(1)} MB), journal ${atEnd?.rows.journal}, audit ${atEnd?.rows.audit}; oldest sample ${atEnd?.age.samples?.toFixed(1)} s old`,
      ` written back: ${fmt(replayedSamples)} spooled samples, ${replayed.journal! - replayedBefore.journal!} journal entries, ${replayed.audit! - replayedBefore.audit!} audit rows; spool empty ${s1(drainedAt - restoredAt)} s after the database returned (first write after ${s1((firstWriteAt ?? drainedAt) - restoredAt)} s)`,
      ` replay: ${fmt(replayedSamples / ((drainedAt - (firstWriteAt ?? restoredAt)) / 1000))} samples/s from the first write to empty (${fmt(replayedSamples / ((drainedAt - restoredAt) / 1000))} rows/s counting the reconnection)`,
      ` main-thread event-loop delay while replaying: p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`,
      ` lost: samples ${lostSamples} of ${fmt(streamed.size)} streamed, journal entries ${lostJournal} of ${published.size} published, audit rows ${lostAudit} of ${acks.length}; written twice: ${twice} (target 0 and 0)`,
    ];
  } finally {
    await db.end();
  }
  for (const line of summary) console.log(line);
} finally {
  await server?.close();
  await proxy.close();
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
}

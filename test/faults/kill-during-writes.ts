/**
 * `npm run test:kill` (issue 22): the real server (server/main.ts, bundled or through tsx; the production
 * Next build) SIGKILLed 50 times during heavy history writes, on one data directory.
 *
 * Each round starts the server (its production entry, NODE_ENV=production) on a plant of 2 simulated PLCs × 200 tags scanned every 100 ms
 * (4 000 samples/s to the historian) with 20 ramp alarms that raise and clear every 2 s,
 * signs in and keeps acknowledging alarms and signing in again through the HTTP API while two
 * SSE streams record the samples the server published, then SIGKILLs the server process alone
 * (not its group: its children must end by themselves) at a random moment 1–4 s into the load —
 * every other round, at the first acknowledgement answered after that moment, the instant its
 * 200 arrives (the worst moment for "answered means committed").
 * After each kill:
 * - `PRAGMA integrity_check` on the SQLite file = ok;
 * - every acknowledgement and login whose API call answered 2xx has its audit row, and every
 *   acknowledgement its journal entry (0 lost);
 * - samples lost ≤ the last unflushed batch: a published good sample older than the kill by
 *   more than the historian's flush interval (1000 ms) plus `COMMIT_SLACK_MS` must be stored;
 * - 0 orphans: every descendant of the server (simulators, the live process, workers' hosts)
 *   gone within 3 s.
 * Prints a row per kill and a summary; exits 1 when a criterion fails.
 *
 *   npm run test:kill -- [--kills 50] [--seed N] [--keep] [--tsx]
 *
 * Needs a Next production build (.next, or the one `LINEWATCH_NEXT_DIST_DIR` names). The server
 * runs from a bundle of server/ made at the start into .scratch-kill-<pid>/ (as scripts/build-server.mjs
 * makes dist/server; removed at the end); `--tsx` runs server/main.ts through tsx instead (slower starts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { descendantsOf } from '../helpers/proc-stat.ts';
import { openSse, type SseClient } from '../helpers/sse-client.ts';
import { createPrng, numberArg, printTable, seedFromArgs, sleep } from './fuzz-kit.ts';
import { rampAlarmPlant } from '../helpers/ramp-alarm-plant.ts';

const TAGS_PER_PLC = 200;
const ALARM_TAGS_PER_PLC = 10;
const SCAN_MS = 100;
/** The historian's commit interval (server/historian/historian.ts default, as the server uses it). */
const FLUSH_INTERVAL_MS = 1000;
/** A commit under way when the kill lands, on a loaded machine: the batch it carries is the "last unflushed" one too. */
const COMMIT_SLACK_MS = 1500;
const LOSS_BOUND_MS = FLUSH_INTERVAL_MS + COMMIT_SLACK_MS;
const PASSWORD = 'correct horse battery staple';

interface Acked {
  id: string;
  sentAt: number;
  answeredAt: number;
}

interface Round {
  startMs: number;
  loadMs: number;
  /** Killed as an acknowledgement was answered. */
  onAck: boolean;
  samplesSeen: number;
  samplesStored: number;
  lost: number;
  lostBeyondBound: number;
  /** Kill time minus the oldest lost sample's time, ms (0: none lost). */
  oldestLostMs: number;
  acks: number;
  logins: number;
  auditLost: number;
  journalLost: number;
  integrity: string;
  orphans: number;
  descendants: number;
}

const plantFile = () => rampAlarmPlant({ name: 'kill during writes', tags: TAGS_PER_PLC, alarmTags: ALARM_TAGS_PER_PLC, scanMs: SCAN_MS });

function gone(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(check)
      .catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Started {
  proc: ChildProcess;
  url: string;
  exited: Promise<unknown>;
  output: () => string;
}

/** How the server runs: the TypeScript sources through tsx, or a bundle of them made once for the whole run. */
type Entry = { args: string[] };

/** Bundles server/ as scripts/build-server.mjs does, into `outdir` (inside the repo, so npm packages resolve). */
async function bundleServer(outdir: string): Promise<Entry> {
  const { build } = await import('esbuild');
  const entries = JSON.parse(readFileSync('server/entries.json', 'utf8')) as Record<string, string>;
  await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    splitting: true,
    logLevel: 'warning',
  });
  return { args: [join(outdir, 'main.js')] };
}

async function startServer(dataDir: string, plantPath: string, distDir: string, entry: Entry): Promise<Started> {
  const proc = spawn(process.execPath, entry.args, {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      LINEWATCH_DATA: dataDir,
      LINEWATCH_PLANT: plantPath,
      LINEWATCH_PLANT_SOURCE: 'file',
      LINEWATCH_ADMIN_PASSWORD: PASSWORD,
      LINEWATCH_NEXT_DIST_DIR: distDir,
      LINEWATCH_LOG_LEVEL: 'info',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: string) => {
    out = (out + chunk).slice(-20_000);
  };
  proc.stdout!.setEncoding('utf8').on('data', keep);
  proc.stderr!.setEncoding('utf8').on('data', keep);
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const url = await waitFor('the listening line', () => /Linewatch listening on (http:\/\/[^\s"]+)/.exec(out)?.[1], 120_000).catch((error: Error) => {
    proc.kill('SIGKILL');
    throw new Error(`${error.message}\n${out.slice(-3000)}`);
  });
  await waitFor('health', async () => (await fetch(`${url}/api/health`)).ok, 30_000);
  return { proc, url, exited, output: () => out };
}

async function login(url: string): Promise<{ cookie: string; sentAt: number; answeredAt: number }> {
  const sentAt = Date.now();
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, sentAt, answeredAt: Date.now() };
}

async function round(dataDir: string, plantPath: string, distDir: string, entry: Entry, killAfterMs: number, onAck: boolean): Promise<Round> {
  const t0 = performance.now();
  const runStartedAt = Date.now();
  const s = await startServer(dataDir, plantPath, distDir, entry);
  const startMs = performance.now() - t0;
  const first = await login(s.url);
  const logins = [first];
  const acks: Acked[] = [];
  const seen: { tag: string; ts: number }[] = [];
  const streams: SseClient[] = [];
  for (const line of ['l1', 'l2']) {
    streams.push(
      await openSse(`${s.url}/api/stream?line=${line}`, {
        cookie: first.cookie,
        onEvent(e) {
          if (e.event !== 'sample') return;
          for (const sample of (e.data as { samples: { tag: string; ts: number; quality: string }[] }).samples) {
            if (sample.quality === 'good') seen.push({ tag: sample.tag, ts: Math.round(sample.ts) });
          }
        },
      }),
    );
  }
  // Until the kill: acknowledge what needs it, and sign in again now and then (both audited).
  let killed = false;
  /** Set when the kill waits for the next answered acknowledgement: called (synchronously) with it. */
  let armed: (() => void) | undefined;
  const load = (async () => {
    let n = 0;
    while (!killed) {
      try {
        if (n++ % 2 === 1) {
          logins.push(await login(s.url));
          continue;
        }
        const res = await fetch(`${s.url}/api/alarms`, { headers: { cookie: first.cookie } });
        const { alarms } = (await res.json()) as { alarms: { id: string; acknowledged: boolean }[] };
        const todo = alarms.filter((a) => !a.acknowledged).slice(0, 3);
        if (todo.length === 0) await sleep(50);
        for (const a of todo) {
          const sentAt = Date.now();
          const ack = await fetch(`${s.url}/api/alarms/ack`, {
            method: 'POST',
            headers: { cookie: first.cookie, 'content-type': 'application/json' },
            body: JSON.stringify({ ids: [a.id], comment: 'kill test' }),
          });
          await ack.arrayBuffer();
          if (ack.ok) acks.push({ id: a.id, sentAt, answeredAt: Date.now() });
          if (ack.ok && armed) {
            s.proc.kill('SIGKILL');
            armed();
            armed = undefined;
          }
        }
      } catch {
        // The kill cuts requests off: those never answered promise nothing.
      }
    }
  })();

  await sleep(killAfterMs);
  let descendants = descendantsOf(s.proc.pid!).map((d) => d.pid);
  let killAt = Date.now();
  if (onAck) {
    // The worst moment for "answered means committed": right as an acknowledgement is answered.
    descendants = descendantsOf(s.proc.pid!).map((d) => d.pid);
    await Promise.race([new Promise<void>((resolve) => (armed = resolve)), sleep(5000)]);
    killAt = Date.now();
  }
  s.proc.kill('SIGKILL');
  killed = true;
  await s.exited;
  for (const st of streams) st.close();
  await load;
  // Children must end by themselves (they watch their IPC channel / parent).
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && !descendants.every(gone)) await sleep(50);
  const orphans = descendants.filter((pid) => !gone(pid));
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }

  const db = new Database(join(dataDir, 'linewatch.db'), { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    // Per alarm id (and for logins), rows of this round against calls answered 2xx in it.
    const from = runStartedAt;
    const to = killAt + 1000;
    const auditRows = db.prepare<[string, string, number, number], { n: number }>(
      "SELECT count(*) AS n FROM audit WHERE action = ? AND coalesce(target, '') = ? AND result = 'ok' AND ts BETWEEN ? AND ?",
    );
    const journalRows = db.prepare<[string, number, number], { n: number }>(
      "SELECT count(*) AS n FROM alarm_events WHERE alarm_id = ? AND username = 'admin' AND ts BETWEEN ? AND ?",
    );
    const callsPerId = new Map<string, number>();
    for (const a of acks) callsPerId.set(a.id, (callsPerId.get(a.id) ?? 0) + 1);
    let auditLost = Math.max(0, logins.length - auditRows.get('login', '', from, to)!.n);
    let journalLost = 0;
    for (const [id, calls] of callsPerId) {
      auditLost += Math.max(0, calls - auditRows.get('alarm.ack', id, from, to)!.n);
      journalLost += Math.max(0, calls - journalRows.get(id, from, to)!.n);
    }
    const sampleRow = db.prepare<[string, number], { n: number }>(
      'SELECT count(*) AS n FROM samples JOIN tags ON tags.id = samples.tag_id WHERE tags.name = ? AND ts = ?',
    );
    let lost = 0;
    let lostBeyondBound = 0;
    let oldestLost = killAt;
    for (const x of seen) {
      if (sampleRow.get(x.tag, x.ts)!.n > 0) continue;
      lost++;
      oldestLost = Math.min(oldestLost, x.ts);
      if (x.ts < killAt - LOSS_BOUND_MS) lostBeyondBound++;
    }
    return {
      startMs,
      loadMs: killAfterMs,
      onAck,
      samplesSeen: seen.length,
      samplesStored: seen.length - lost,
      lost,
      lostBeyondBound,
      oldestLostMs: lost > 0 ? killAt - oldestLost : 0,
      acks: acks.length,
      logins: logins.length,
      auditLost,
      journalLost,
      integrity,
      orphans: orphans.length,
      descendants: descendants.length,
    };
  } finally {
    db.close();
  }
}

async function main(): Promise<number> {
  const kills = numberArg('kills', 50);
  const seed = seedFromArgs();
  const r = createPrng(seed);
  const distDir = process.env.LINEWATCH_NEXT_DIST_DIR || '.next';
  if (!existsSync(join(distDir, 'BUILD_ID'))) {
    console.error(`no Next production build in ${distDir}: run \`LINEWATCH_NEXT_DIST_DIR=${distDir} npx next build\` first`);
    return 1;
  }
  const dir = await mkdtemp(join(tmpdir(), 'lw-kill-'));
  const plantPath = join(dir, 'plant.json');
  await writeFile(plantPath, JSON.stringify(plantFile(), null, 1));
  const dataDir = join(dir, 'data');
  const bundleDir = `.scratch-kill-${process.pid}`;
  const entry: Entry = process.argv.includes('--tsx') ? { args: ['--import', 'tsx', 'server/main.ts'] } : await bundleServer(join(bundleDir, 'server'));
  console.log(
    `kill during writes: ${kills} kills, seed ${seed}, ${2 * TAGS_PER_PLC} tags @ ${SCAN_MS} ms, server ${entry.args.join(' ')}, data ${dataDir}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const rows: string[][] = [];
  const results: Round[] = [];
  let failed = 0;
  for (let i = 0; i < kills; i++) {
    const killAfter = r.int(1000, 4000);
    // Every other kill lands right as an acknowledgement is answered (the rest: at a random moment).
    const onAck = i % 2 === 1;
    const x = await round(dataDir, plantPath, distDir, entry, killAfter, onAck);
    results.push(x);
    const ok = x.integrity === 'ok' && x.lostBeyondBound === 0 && x.auditLost === 0 && x.journalLost === 0 && x.orphans === 0;
    if (!ok) failed++;
    const row = [
      String(i + 1),
      `${(x.startMs / 1000).toFixed(1)}`,
      `${x.loadMs}${x.onAck ? ' +ack' : ''}`,
      x.integrity,
      `${x.lost} / ${x.samplesSeen}`,
      String(x.oldestLostMs),
      String(x.lostBeyondBound),
      `${x.acks} / ${x.logins}`,
      `${x.auditLost} / ${x.journalLost}`,
      `${x.orphans} of ${x.descendants}`,
      ok ? 'ok' : 'FAIL',
    ];
    rows.push(row);
    console.log(`  kill ${row.join(' | ')}`);
  }
  printTable(
    [
      'kill',
      'start s',
      'killed after ms',
      'integrity',
      'samples lost / published',
      'oldest lost, ms before kill',
      `lost > ${LOSS_BOUND_MS} ms`,
      'acks / logins ok',
      'audit / journal lost',
      'orphans',
      '',
    ],
    rows,
  );
  const max = (f: (x: Round) => number) => Math.max(...results.map(f));
  const sum = (f: (x: Round) => number) => results.reduce((a, x) => a + f(x), 0);
  console.log(
    `summary: integrity ok ${results.filter((x) => x.integrity === 'ok').length}/${kills}; samples lost per kill max ${max((x) => x.lost)} (oldest ${max((x) => x.oldestLostMs)} ms before the kill; bound ${LOSS_BOUND_MS} ms = flush ${FLUSH_INTERVAL_MS} + commit ${COMMIT_SLACK_MS}), beyond the bound ${sum((x) => x.lostBeyondBound)}; ` +
      `acks ${sum((x) => x.acks)}, logins ${sum((x) => x.logins)}: audit rows lost ${sum((x) => x.auditLost)}, journal entries lost ${sum((x) => x.journalLost)}; orphans ${sum((x) => x.orphans)} (of ${sum((x) => x.descendants)} descendants); load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}; seed ${seed}`,
  );
  await rm(bundleDir, { recursive: true, force: true });
  if (process.argv.includes('--keep')) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
  console.log(failed === 0 ? 'kill during writes passed' : `kill during writes FAILED: ${failed} of ${kills} kills`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

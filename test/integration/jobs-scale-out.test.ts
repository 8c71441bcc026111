import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import type { JobInfo, Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { resultsInStore } from '../../server/jobs/job-results.ts';
import { createJobWorker, type JobWorker } from '../../server/jobs/job-worker.ts';
import { createJobs, type Jobs } from '../../server/jobs/jobs.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { createSupervisor } from '../../server/supervisor/supervisor.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';
import { childrenOf, isAlive } from '../helpers/proc-stat.ts';

/**
 * Issue 19, part 5: exports in scale-out. A web instance (jobs API, no worker) records
 * exports in PostgreSQL; workers in other processes claim them (each once), store the files
 * in the database, and any instance serves the download; a cancel made on the web instance
 * stops the job where it runs; a worker SIGKILLed mid-export leaves its job failed by
 * another worker, never "running" forever.
 */

const TAGS = ['extrusion.melt-temp', 'extrusion.line-speed'];
const HOUR = 3600_000;
const t0 = Math.floor(Date.now() / HOUR) * HOUR - 8 * HOUR;
const HOURS = 6;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
const stores: Store[] = [];
const children: ChildProcess[] = [];

async function openStore(): Promise<Store> {
  const store = await createPostgresStore(db.url);
  stores.push(store);
  return store;
}

before(async () => {
  db = await createTestDatabase('lw_jobs_scale');
  dir = await mkdtemp(join(tmpdir(), 'lw-jobs-scale-'));
  const store = await openStore();
  const historian = createHistorian(store);
  for (const tag of TAGS) {
    const samples: Sample[] = [];
    for (let i = 0; i < (HOURS * HOUR) / 1000; i++) samples.push({ tag, ts: t0 + i * 1000, value: i % 1000, quality: 'good' });
    historian.append(samples);
  }
  await historian.stop();
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const store of stores.splice(0)) await store.close().catch(() => {});
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** A worker in a process of its own (exports paced at 300 ms per window, beat every 250 ms). */
async function workerProcess(id: string): Promise<ChildProcess> {
  const child = fork(join(import.meta.dirname, '../fixtures/children/job-worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, LW_DATABASE_URL: db.url, LW_DIR: join(dir, id), LW_WORKER_ID: id },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const [message] = (await once(child, 'message')) as [{ type: string }];
  assert.equal(message.type, 'ready');
  return child;
}

async function inProcessWorker(id: string, store: Store): Promise<JobWorker> {
  const worker = createJobWorker({
    id,
    store,
    supervisor: createSupervisor(),
    results: resultsInStore(store.jobs, join(dir, id)),
    publish: () => {},
    config: { concurrency: 1, timeoutMs: 60_000, pauseBetweenChunksMs: 300 },
    beatMs: 250,
    orphanAfterMs: 2000,
  });
  await worker.start();
  return worker;
}

const waitFor = async <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Pids of a process's children (the export processes its supervisor started). */
const childPids = (pid: number) => childrenOf(pid).map((c) => c.pid);

let web: Jobs;
let webStore: Store;

test('a web instance records an export; a worker in another process claims and runs it; SIGKILLed mid-export, its job is failed by another worker', async () => {
  webStore = await openStore();
  web = createJobs({ store: webStore, results: resultsInStore(webStore.jobs, join(dir, 'web')), knownTags: new Set(TAGS), publish: () => {} });
  await web.start();
  const doomed = await workerProcess('w-doomed');

  const job = await web.enqueue((await web.create({ tags: TAGS, from: t0, to: t0 + HOURS * HOUR }, 'olga')).id);
  const running = await waitFor('the job running on the worker process', async () => {
    const r = await webStore.jobs.get(job.id);
    return r?.status === 'running' && r.progress > 0 && r;
  });
  assert.equal(running.worker, 'w-doomed');
  const [exportPid] = childPids(doomed.pid!);
  assert.ok(exportPid && isAlive(exportPid), 'the export runs in a child of the worker');

  doomed.kill('SIGKILL');
  await once(doomed, 'exit');
  const killedAt = Date.now();
  const survivor = await inProcessWorker('w-survivor', await openStore());
  try {
    const failed = await waitFor('the orphan failed', async () => {
      const r = await web.get(job.id);
      return r.status !== 'running' && r;
    });
    const tookMs = Date.now() - killedAt;
    console.log(`# a SIGKILLed worker's job failed after ${tookMs} ms (no heartbeat for 2 s, checked every 5 beats of 250 ms)`);
    assert.equal(failed.status, 'failed', 'failed, not re-run: an export may be half written');
    assert.match(failed.error!, /the worker running it stopped \(no heartbeat for 2 s\)/);
    assert.ok(tookMs < 6000, `${tookMs} ms`);
    await waitFor('the export process gone with its worker', async () => !isAlive(exportPid!), 5000);
  } finally {
    await survivor.stop();
  }
});

test('two workers take six exports, each once; the files come from the store through the web instance', async () => {
  const a = await workerProcess('w-a');
  const b = await inProcessWorker('w-b', await openStore());
  try {
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const from = t0 + i * HOUR;
      ids.push((await web.enqueue((await web.create({ tags: TAGS, from, to: from + 20 * 60_000 }, `user-${i}`)).id)).id);
    }
    let last: unknown[] = [];
    const done = await waitFor(
      'six exports done',
      async () => {
        const jobs = await Promise.all(ids.map((id) => webStore.jobs.get(id)));
        last = jobs.map((j) => `${j?.id} ${j?.status} ${j?.worker} ${j?.progress} ${j?.error}`);
        return jobs.every((j) => j?.status === 'succeeded') && jobs;
        // Each export is a child process started with its own store connection: seconds apiece on a busy machine.
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${last.join('; ')}`);
    });
    const byWorker = new Map<string, number>();
    for (const j of done) byWorker.set(j!.worker!, (byWorker.get(j!.worker!) ?? 0) + 1);
    console.log(
      `# jobs per worker: ${[...byWorker].map(([w, n]) => `${w} ${n}`).join(', ')}; run times ${done.map((j) => j!.endedAt! - j!.startedAt!).join(', ')} ms`,
    );
    assert.deepEqual(
      [...byWorker.keys()].filter((w) => w !== 'w-a' && w !== 'w-b'),
      [],
    );
    for (const [i, id] of ids.entries()) {
      const file = await web.result(id);
      const lines = (await text(file.body)).split('\r\n');
      assert.equal(lines.pop(), '');
      assert.equal(lines[0], 'time (UTC),tag,label,unit,value,quality,reason');
      assert.equal(lines.length - 1, 20 * 60 * TAGS.length, `job ${id}: every row once`);
      assert.ok(lines[1]!.startsWith(`${new Date(t0 + i * HOUR).toISOString()},`));
      assert.equal(file.bytes, Buffer.byteLength(`${lines.join('\r\n')}\r\n`));
    }
    // Nothing left on the workers' disks: the files live in the store.
    for (const w of ['w-a', 'w-b']) assert.deepEqual(await readdir(join(dir, w)).catch(() => []), [], w);
  } finally {
    a.kill('SIGTERM');
    await b.stop();
  }
});

test('a cancel made on the web instance stops the export where it runs', async () => {
  const worker = await workerProcess('w-cancel');
  const job = await web.enqueue((await web.create({ tags: TAGS, from: t0, to: t0 + HOURS * HOUR }, 'olga')).id);
  await waitFor('running', async () => (await web.get(job.id)).progress > 0);
  const [exportPid] = childPids(worker.pid!);
  const started = Date.now();
  const cancelled: JobInfo = await web.cancel(job.id, { username: 'piotr', admin: true });
  console.log(`# cancel answered after ${Date.now() - started} ms`);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.error, 'cancelled by piotr');
  await waitFor('the export process stopped', async () => !isAlive(exportPid!), 5000);
  await assert.rejects(web.result(job.id), (e: Error & { status: number }) => e.status === 409);
  worker.kill('SIGTERM');
  await web.stop();
});

import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { text } from 'node:stream/consumers';
import type { JobInfo, Sample } from '../../lib/types.ts';
import { createHistorian } from '../../server/historian/historian.ts';
import { resultsInDir } from '../../server/jobs/job-results.ts';
import { createJobs, type Jobs, type JobsConfig } from '../../server/jobs/jobs.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { createSupervisor, type Supervisor } from '../../server/supervisor/supervisor.ts';
import { isAlive, statField } from '../helpers/proc-stat.ts';
import { openSse } from '../helpers/sse-client.ts';
import { startTestServer } from '../helpers/test-server.ts';

const TAGS = ['extrusion.melt-temp', 'extrusion.line-speed'];
const DAY = 86_400_000;
const end = Math.floor(Date.now() / 3600_000) * 3600_000 - 3600_000;
const t0 = end - DAY;

let dataDir: string;

/** As the plant describes the tags: melt temperature with 1 decimal, line speed with 2 (and a unit that needs quoting). */
const describeTag = (tag: string) =>
  tag === TAGS[0] ? { tag, label: 'Melt temperature', unit: '°C', decimals: 1 } : { tag, label: 'Line speed', unit: 'm/min, net', decimals: 2 };

/** One day at 1 Hz for both tags, with a bad sample whose reason needs CSV quoting. */
async function populate(dir: string): Promise<void> {
  const store = createSqliteStore(join(dir, 'linewatch.db'));
  const historian = createHistorian(store);
  for (const tag of TAGS) {
    const samples: Sample[] = [];
    for (let i = 0; i < 86_400; i++) {
      samples.push(
        i === 500
          ? { tag, ts: t0 + i * 1000, value: 7, quality: 'bad', reason: 'exception 02, "illegal address"' }
          : { tag, ts: t0 + i * 1000, value: i / 10, quality: 'good' },
      );
    }
    historian.append(samples);
  }
  await historian.stop();
  await store.close();
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lw-jobs-'));
  await populate(dataDir);
});
after(() => rm(dataDir, { recursive: true, force: true }));

/** A job manager on the populated database with a real supervisor, recording every published change. */
async function manager(config: Partial<JobsConfig>): Promise<{
  jobs: Jobs;
  store: Store;
  supervisor: Supervisor;
  events: JobInfo[];
  exports: string;
  close(): Promise<void>;
}> {
  const store = createSqliteStore(join(dataDir, 'linewatch.db'));
  const supervisor = createSupervisor();
  const events: JobInfo[] = [];
  const exports = join(dataDir, `exports-${Math.random().toString(36).slice(2)}`);
  const jobs = createJobs({
    store,
    results: resultsInDir(exports),
    worker: { id: 'local', supervisor },
    knownTags: new Set(TAGS),
    describeTag,
    publish: (j) => events.push(j),
    config,
  });
  await jobs.start();
  return {
    jobs,
    store,
    supervisor,
    events,
    exports,
    async close() {
      await jobs.stop();
      await supervisor.stopAll(1000);
      await store.close();
    },
  };
}

const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};

test('an export runs in a child process, reports progress up to 100 and writes exactly the right rows', async () => {
  const m = await manager({ pauseBetweenChunksMs: 20 });
  try {
    const from = t0 + 400_000;
    const to = t0 + 6 * 3600_000;
    const created = await m.jobs.create({ tags: TAGS, from, to }, 'tester');
    assert.equal(created.status, 'queued');
    await m.jobs.enqueue(created.id);
    await waitFor(async () => (await m.jobs.get(created.id)).status === 'succeeded');
    const job = await m.jobs.get(created.id);
    const mine = m.events.filter((e) => e.id === job.id);
    const statuses = mine.map((e) => e.status).filter((s, i, a) => a[i - 1] !== s);
    assert.deepEqual(statuses, ['queued', 'running', 'succeeded']);
    const progress = mine.map((e) => e.progress);
    assert.ok(progress.filter((p) => p > 0 && p < 100).length >= 1, `progress in between: ${progress.join(' ')}`);
    assert.deepEqual(
      [...progress].sort((a, b) => a - b),
      progress,
      'progress never goes back',
    );
    assert.equal(job.progress, 100);
    assert.ok(job.startedAt! >= job.createdAt && job.endedAt! >= job.startedAt!);

    const file = await m.jobs.result(job.id);
    const lines = (await text(file.body)).split('\r\n');
    assert.equal(lines.pop(), '', 'ends with CRLF');
    assert.equal(lines[0], 'time (UTC),tag,label,unit,value,quality,reason', 'the header states the time zone');
    const rows = lines.slice(1);
    const expected = ((to - from) / 1000) * TAGS.length;
    assert.equal(rows.length, expected);
    assert.equal(job.result!.rows, expected);
    assert.equal(job.result!.bytes, file.bytes);
    // By time, then tag; from inclusive, to exclusive.
    // Rounded to each tag's decimals, with its label and unit.
    assert.equal(rows[0], `${new Date(from).toISOString()},extrusion.line-speed,Line speed,"m/min, net",40.00,good,`);
    assert.equal(rows[1], `${new Date(from).toISOString()},extrusion.melt-temp,Melt temperature,°C,40.0,good,`);
    assert.equal(
      rows[3],
      `${new Date(from + 1000).toISOString()},extrusion.melt-temp,Melt temperature,°C,40.1,good,`,
      'no float noise (40.1, not 40.100000000000001)',
    );
    assert.ok(rows.at(-1)!.startsWith(`${new Date(to - 1000).toISOString()},extrusion.melt-temp,`));
    assert.equal(rows.filter((r) => r.includes(',bad,')).length, 2);
    assert.ok(
      rows.includes(`${new Date(t0 + 500_000).toISOString()},extrusion.melt-temp,Melt temperature,°C,7.0,bad,"exception 02, ""illegal address"""`),
      'reasons are quoted',
    );
    assert.deepEqual(await readdir(m.exports), [`job-${job.id}.csv`], 'no partial file left');
  } finally {
    await m.close();
  }
});

test('cancel stops the child process and marks the job cancelled; a queued job is cancelled without running', async () => {
  const m = await manager({ pauseBetweenChunksMs: 400, concurrency: 1 });
  try {
    const a = await m.jobs.enqueue((await m.jobs.create({ tags: TAGS, from: t0, to: end }, 'tester')).id);
    const b = await m.jobs.enqueue((await m.jobs.create({ tags: TAGS, from: t0, to: end }, 'tester')).id);
    await waitFor(async () => (await m.jobs.get(a.id)).progress > 0);
    assert.equal((await m.jobs.get(b.id)).status, 'queued', 'one at a time: the second waits');
    const pid = m.supervisor.list().find((p) => p.name === `CSV export, job ${a.id}`)!.pid!;
    assert.ok(isAlive(pid));
    assert.ok(existsSync(join(m.exports, `job-${a.id}.csv.part`)), 'writing');
    // Background work: every thread of the child (V8's and libuv's helpers too) at nice 19,
    // with the SCHED_IDLE policy (5): any other thread that wakes runs first.
    const threads = readdirSync(`/proc/${pid}/task`);
    const fieldOfAll = (n: number) => [...new Set(threads.map((tid) => Number(statField(`${pid}/task/${tid}`, n))))];
    assert.ok(threads.length > 3, `${threads.length} threads`);
    assert.deepEqual(fieldOfAll(19), [19], 'nice');
    assert.deepEqual(fieldOfAll(41), [5], 'scheduling policy');

    const queued = await m.jobs.cancel(b.id, { username: 'operator', admin: true });
    assert.equal(queued.status, 'cancelled');
    assert.equal(queued.startedAt, null, 'never ran');
    const cancelled = await m.jobs.cancel(a.id, { username: 'operator', admin: true });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.error, 'cancelled by operator');
    assert.ok(cancelled.endedAt);
    assert.equal(isAlive(pid), false, 'the child is gone');
    assert.deepEqual(await readdir(m.exports), [], 'its partial file is removed');
    await assert.rejects(m.jobs.cancel(a.id, { username: 'operator', admin: true }), (e: Error & { status: number }) => e.status === 409);
    await assert.rejects(m.jobs.result(a.id), (e: Error & { status: number }) => e.status === 409);
  } finally {
    await m.close();
  }
});

test('at most N exports run at once; a queued one starts when a slot frees', async () => {
  const m = await manager({ pauseBetweenChunksMs: 400, concurrency: 2 });
  try {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await m.jobs.enqueue((await m.jobs.create({ tags: TAGS, from: t0, to: end }, 'tester')).id)).id);
    const children = () => m.supervisor.list().filter((p) => p.status === 'starting' || p.status === 'running').length;
    await waitFor(async () => (await Promise.all(ids.slice(0, 2).map((id) => m.jobs.get(id)))).every((j) => j.progress > 0));
    assert.equal((await m.jobs.get(ids[2]!)).status, 'queued', 'the third waits for a slot');
    assert.equal(children(), 2, 'two export children');
    await m.jobs.cancel(ids[0]!, { username: 'operator', admin: true });
    await waitFor(async () => (await m.jobs.get(ids[2]!)).progress > 0);
    assert.equal((await m.jobs.get(ids[1]!)).status, 'running');
    assert.equal(children(), 2, 'still two: the freed slot went to the queued job');
  } finally {
    await m.close();
  }
});

test('a job that runs past its timeout is stopped and marked failed', async () => {
  const m = await manager({ pauseBetweenChunksMs: 400, timeoutMs: 1500 });
  try {
    const job = await m.jobs.enqueue((await m.jobs.create({ tags: TAGS, from: t0, to: end }, 'tester')).id);
    await waitFor(async () => (await m.jobs.get(job.id)).status === 'failed', 15_000);
    const failed = await m.jobs.get(job.id);
    assert.match(failed.error!, /timed out after 2 s|timed out after 1 s/);
    assert.ok(failed.progress < 100);
    assert.equal(m.supervisor.list().filter((p) => p.status === 'running').length, 0);
  } finally {
    await m.close();
  }
});

test('jobs a crash left running are marked failed at start; queued ones run', async () => {
  const store = createSqliteStore(join(dataDir, 'linewatch.db'));
  const stale = await store.jobs.create({ kind: 'csv-export', params: { tags: [TAGS[0]], from: t0, to: t0 + 60_000 }, createdBy: 'x', createdAt: Date.now() });
  await store.jobs.update(stale.id, { status: 'running', startedAt: Date.now() });
  const waiting = await store.jobs.create({
    kind: 'csv-export',
    params: { tags: [TAGS[0]], from: t0, to: t0 + 60_000 },
    createdBy: 'x',
    createdAt: Date.now(),
  });
  await store.close();
  const m = await manager({});
  try {
    assert.equal((await m.jobs.get(stale.id)).status, 'failed');
    assert.match((await m.jobs.get(stale.id)).error!, /interrupted/);
    await waitFor(async () => (await m.jobs.get(waiting.id)).status === 'succeeded');
    assert.equal((await m.jobs.get(waiting.id)).result!.rows, 60);
  } finally {
    await m.close();
  }
});

test('HTTP: operators start exports, everyone follows them live, downloads the file; start and cancel are audited', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-jobs-api-'));
  await populate(dir);
  const server = await startTestServer({ dataDir: dir, autoStartSimulations: false });
  try {
    const stream = await openSse(`${server.url}/api/stream`, { cookie: server.cookies.viewer });
    const body = JSON.stringify({ tags: TAGS, from: new Date(t0).toISOString(), to: new Date(t0 + 3600_000).toISOString() });
    const denied = await server.api('/api/jobs', { as: 'viewer', method: 'POST', body });
    assert.equal(denied.status, 403);
    const res = await server.api('/api/jobs', { as: 'operator', method: 'POST', body });
    assert.equal(res.status, 202);
    const { job } = (await res.json()) as { job: JobInfo };
    const done = await stream.waitFor((e) => e.event === 'job' && e.data.id === job.id && e.data.status === 'succeeded', 30_000);
    assert.equal(done.data.progress, 100);
    assert.ok(
      stream.events.some((e) => e.event === 'job' && e.data.id === job.id && e.data.status === 'running'),
      'the running state was streamed too',
    );
    stream.close();

    const listed = (await (await server.api('/api/jobs', { as: 'viewer' })).json()) as { jobs: JobInfo[] };
    assert.equal(listed.jobs[0]!.id, job.id);
    assert.equal(((await (await server.api(`/api/jobs/${job.id}`, { as: 'viewer' })).json()) as { job: JobInfo }).job.status, 'succeeded');
    const file = await server.api(`/api/jobs/${job.id}/download`, { as: 'viewer' });
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(file.headers.get('content-disposition'), `attachment; filename="linewatch-export-${job.id}.csv"`);
    const csv = (await file.text()).split('\r\n');
    assert.equal(csv.length, 1 + 3600 * 2 + 1);
    assert.equal(csv[0], 'time (UTC),tag,label,unit,value,quality,reason');
    // The demo plant shows melt temperature with 1 decimal.
    assert.equal(csv[4], `${new Date(t0 + 1000).toISOString()},extrusion.melt-temp,Melt temperature,°C,0.1,good,`);

    const again = await server.api(`/api/jobs/${job.id}`, { as: 'operator', method: 'DELETE' });
    assert.equal(again.status, 409, 'a finished job cannot be cancelled');
    const slow = (
      (await (
        await server.api('/api/jobs', {
          as: 'operator',
          method: 'POST',
          body: JSON.stringify({ tags: TAGS, from: new Date(t0).toISOString(), to: new Date(end).toISOString() }),
        })
      ).json()) as { job: JobInfo }
    ).job;
    // Cancelled right away: its process is still starting (or it is still queued).
    const cancel = await server.api(`/api/jobs/${slow.id}`, { as: 'operator', method: 'DELETE' });
    assert.equal(cancel.status, 200);
    assert.equal(((await cancel.json()) as { job: JobInfo }).job.status, 'cancelled');
    const unknown = await server.api('/api/jobs', {
      as: 'operator',
      method: 'POST',
      body: JSON.stringify({ tags: ['nope.x'], from: new Date(t0).toISOString(), to: new Date(end).toISOString() }),
    });
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.field, 'tags[0]');

    const { entries } = await (await server.api('/api/audit?limit=100', { as: 'admin' })).json();
    const audit = (action: string, target: string) => entries.find((e: { action: string; target: string }) => e.action === action && e.target === target);
    assert.equal(audit('job.start', `job:${job.id}`)?.username, 'operator');
    assert.match(audit('job.start', `job:${job.id}`)?.detail, /extrusion\.melt-temp/);
    assert.equal(audit('job.cancel', `job:${slow.id}`)?.username, 'operator');
    assert.equal(audit('job.cancel', `job:${job.id}`)?.result.startsWith('failed'), true, 'a refused cancel is audited as failed');
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('limits: the range at most the raw history kept, a few jobs per user, only the creator or an admin cancels', async () => {
  const m = await manager({ pauseBetweenChunksMs: 400, concurrency: 1, maxPerUser: 2, maxRangeMs: 2 * DAY });
  try {
    await assert.rejects(
      () => m.jobs.create({ tags: TAGS, from: end - 3 * DAY, to: end }, 'alice'),
      (e: Error & { status: number; field: string }) => e.status === 400 && e.field === 'from' && /at most 2 days/.test(e.message),
    );
    await assert.rejects(() => m.jobs.create({ tags: TAGS, from: Date.parse('0000-01-01'), to: Date.parse('9999-01-01') }, 'alice'), /at most 2 days/);
    const first = await m.jobs.enqueue((await m.jobs.create({ tags: TAGS, from: t0, to: end }, 'alice')).id);
    const second = await m.jobs.enqueue((await m.jobs.create({ tags: TAGS, from: t0, to: end }, 'alice')).id);
    await assert.rejects(
      () => m.jobs.create({ tags: TAGS, from: t0, to: end }, 'alice'),
      (e: Error & { status: number }) => e.status === 429 && /2 exports waiting or running/.test(e.message),
    );
    // One user's share does not hold back another's.
    const bobs = await m.jobs.enqueue((await m.jobs.create({ tags: TAGS, from: t0, to: end }, 'bob')).id);
    await assert.rejects(m.jobs.cancel(first.id, { username: 'bob', admin: false }), (e: Error & { status: number }) => e.status === 403);
    assert.notEqual((await m.jobs.get(first.id)).status, 'cancelled');
    assert.equal((await m.jobs.cancel(second.id, { username: 'alice', admin: false })).status, 'cancelled', 'the creator may');
    assert.equal((await m.jobs.cancel(bobs.id, { username: 'root', admin: true })).error, 'cancelled by root', 'an admin may');
    assert.equal((await m.jobs.cancel(first.id, { username: 'alice', admin: false })).status, 'cancelled');
  } finally {
    await m.close();
  }
});

test('the worker never makes the event loop wait for the SQLite write lock: claims and heartbeats wait their turn', async () => {
  const m = await manager({ pauseBetweenChunksMs: 100 });
  // Another connection holds the write lock, as the history writer thread does for each batch.
  const holder = new Database(join(dataDir, 'linewatch.db'));
  const delay = monitorEventLoopDelay({ resolution: 10 });
  try {
    const job = await m.jobs.enqueue((await m.jobs.create({ tags: TAGS, from: t0, to: t0 + 3600_000 }, 'tester')).id);
    holder.exec('BEGIN IMMEDIATE');
    delay.enable();
    await new Promise((r) => setTimeout(r, 2500));
    delay.disable();
    holder.exec('COMMIT');
    const maxMs = delay.max / 1e6;
    console.log(`# event loop delay while the lock was held 2.5 s: max ${maxMs.toFixed(0)} ms`);
    assert.ok(maxMs < 250, `the event loop waited ${maxMs.toFixed(0)} ms`);
    await waitFor(async () => (await m.jobs.get(job.id)).status === 'succeeded');
  } finally {
    if (holder.inTransaction) holder.exec('ROLLBACK');
    holder.close();
    await m.close();
  }
});

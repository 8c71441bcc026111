import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store } from '../../server/storage/store.ts';
import { eachEngine } from './engines.ts';

const params = { tags: ['filling.level', 'filling.temp'], from: 1_700_000_000_000, format: 'csv', nested: { gzip: true, note: null } };

const newJob = (store: Store, createdAt: number, kind = 'export') => store.jobs.create({ kind, params, createdBy: 'olga', createdAt });

eachEngine('jobs', ({ open, openShared }) => {
  test('create: queued, parameters back as given, nothing started', async () => {
    const store = await open();
    const job = await newJob(store, 1_000);
    assert.equal(typeof job.id, 'number');
    assert.deepEqual(job, {
      id: job.id,
      kind: 'export',
      status: 'queued',
      params,
      progress: 0,
      createdBy: 'olga',
      createdAt: 1_000,
      startedAt: null,
      endedAt: null,
      error: null,
      result: null,
      worker: null,
    });
    assert.deepEqual(await store.jobs.get(job.id), job);
    assert.equal(await store.jobs.get(job.id + 1000), undefined);
    const scalar = await store.jobs.create({ kind: 'noop', params: [1, 'two', false], createdBy: 'x', createdAt: 2 });
    assert.deepEqual(scalar.params, [1, 'two', false]);
  });

  test('list: newest first, at most limit; withStatus: oldest first', async () => {
    const store = await open();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await newJob(store, 1_000 + i)).id);
    assert.deepEqual(
      (await store.jobs.list(3)).map((j) => j.id),
      [ids[4], ids[3], ids[2]],
    );
    await store.jobs.update(ids[1]!, { status: 'running' });
    await store.jobs.update(ids[3]!, { status: 'failed' });
    assert.deepEqual(
      (await store.jobs.withStatus(['queued', 'running'])).map((j) => j.id),
      [ids[0], ids[1], ids[2], ids[4]],
    );
    assert.deepEqual(
      (await store.jobs.withStatus(['failed'])).map((j) => j.id),
      [ids[3]],
    );
    assert.deepEqual(await store.jobs.withStatus(['cancelled']), []);
    assert.deepEqual(await store.jobs.withStatus([]), []);
  });

  test('update: the fields given (undefined ones left alone), returns the job; result as JSON, null clears it', async () => {
    const store = await open();
    const job = await newJob(store, 1_000);
    const running = await store.jobs.update(job.id, { status: 'running', startedAt: 2_000, progress: 12.5 });
    assert.deepEqual(running, { ...job, status: 'running', startedAt: 2_000, progress: 12.5 });
    const result = { file: 'export-1.csv', rows: 1234, columns: ['ts', 'value'] };
    const done = await store.jobs.update(job.id, { status: 'succeeded', progress: 100, endedAt: 3_000, result, error: undefined });
    assert.deepEqual(done, { ...running, status: 'succeeded', progress: 100, endedAt: 3_000, result });
    assert.deepEqual(await store.jobs.get(job.id), done);
    assert.deepEqual(await store.jobs.update(job.id, {}), done);

    const failed = await store.jobs.update(job.id, { status: 'failed', error: 'disk full', result: null });
    assert.equal(failed?.error, 'disk full');
    assert.equal(failed?.result, null);
    assert.equal((await store.jobs.update(job.id, { error: null }))?.error, null);
    assert.equal(await store.jobs.update(job.id + 1000, { status: 'cancelled' }), undefined);
  });

  test('deleteEndedBefore: finished jobs that ended before the time go, and their ids are returned', async () => {
    const store = await open();
    const make = async (status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled', endedAt: number | null) => {
      const job = await newJob(store, 1_000);
      await store.jobs.update(job.id, { status, endedAt });
      return job.id;
    };
    const oldSucceeded = await make('succeeded', 100);
    const oldFailed = await make('failed', 200);
    const oldCancelled = await make('cancelled', 300);
    const recent = await make('succeeded', 5_000);
    const edge = await make('failed', 1_000);
    const running = await make('running', 100);
    const queued = await make('queued', null);

    const deleted = await store.jobs.deleteEndedBefore(1_000);
    assert.deepEqual(
      deleted.sort((a, b) => a - b),
      [oldSucceeded, oldFailed, oldCancelled],
      'in no particular order',
    );
    assert.equal(await store.jobs.get(oldFailed), undefined);
    assert.deepEqual(
      (await store.jobs.list(100)).map((j) => j.id).sort((a, b) => a - b),
      [recent, edge, running, queued],
    );
    assert.deepEqual(await store.jobs.deleteEndedBefore(1_000), []);
  });

  test('claim: the oldest queued job, once; two stores claiming at once never take one job twice', async () => {
    const store = await open();
    const other = await openShared();
    assert.equal(await store.jobs.claim('w1', 5_000), undefined, 'nothing queued');
    const jobs = [];
    for (let i = 0; i < 20; i++) jobs.push(await newJob(store, 1_000 + i));
    const ids = jobs.map((j) => j.id);
    const first = await store.jobs.claim('w1', 5_000);
    assert.deepEqual(first, { ...jobs[0], status: 'running', startedAt: 5_000, worker: 'w1' });
    assert.deepEqual(await store.jobs.get(ids[0]!), first);
    // 19 left, 40 claims racing on two connections (another process's, on PostgreSQL).
    const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? other : store).jobs.claim(`w${i % 2}`, 6_000)));
    const taken = claims.flatMap((c) => (c ? [c.id] : [])).sort((a, b) => a - b);
    assert.deepEqual(taken, ids.slice(1), 'each job claimed exactly once');
    assert.deepEqual(await store.jobs.withStatus(['queued']), []);
  });

  test("beat: heartbeat and progress of the worker's running jobs; cancel requests come back; a job failed meanwhile is missing", async () => {
    const store = await open();
    const a = await newJob(store, 1);
    const b = await newJob(store, 2);
    const c = await newJob(store, 3);
    await store.jobs.claim('w1', 10);
    await store.jobs.claim('w1', 10);
    await store.jobs.claim('w2', 10);
    assert.deepEqual(await store.jobs.beat('w1', new Map([[a.id, 42.5]]), 20), [
      { id: a.id, cancelRequestedBy: null },
      { id: b.id, cancelRequestedBy: null },
    ]);
    assert.equal((await store.jobs.get(a.id))?.progress, 42.5);
    assert.equal((await store.jobs.get(b.id))?.progress, 0, 'no progress given: left alone');
    // Another worker's job is not beaten by w1.
    assert.deepEqual(await store.jobs.beat('w1', new Map([[c.id, 99]]), 30), [
      { id: a.id, cancelRequestedBy: null },
      { id: b.id, cancelRequestedBy: null },
    ]);
    assert.equal((await store.jobs.get(c.id))?.progress, 0);

    const asked = await store.jobs.requestCancel(b.id, 'olga', 40);
    assert.equal(asked?.status, 'running', 'a running job is stopped by its worker');
    assert.deepEqual(await store.jobs.beat('w1', new Map(), 50), [
      { id: a.id, cancelRequestedBy: null },
      { id: b.id, cancelRequestedBy: 'olga' },
    ]);
    await store.jobs.requestCancel(b.id, 'piotr', 60);
    assert.deepEqual((await store.jobs.beat('w1', new Map(), 70))[1], { id: b.id, cancelRequestedBy: 'olga' }, 'the first request stands');

    // w2 went silent at 10: an orphan sweep at 100 with a 50 ms grace fails c (and only c: w1 beat at 70).
    const failed = await store.jobs.failOrphans({ heartbeatBefore: 50 }, 'the worker stopped', 100);
    assert.deepEqual(
      failed.map((j) => [j.id, j.status, j.error, j.endedAt]),
      [[c.id, 'failed', 'the worker stopped', 100]],
    );
    assert.deepEqual(await store.jobs.beat('w2', new Map(), 110), [], 'w2 holds nothing any more');
    // w1 starts again under its name: its jobs are orphans whatever their heartbeat.
    assert.deepEqual(
      (await store.jobs.failOrphans({ worker: 'w1' }, 'interrupted', 120)).map((j) => j.id),
      [a.id, b.id],
    );
  });

  test('requestCancel: a queued job is cancelled at once; finished or unknown ones are left as they are', async () => {
    const store = await open();
    const job = await newJob(store, 1);
    const cancelled = await store.jobs.requestCancel(job.id, 'olga', 50);
    assert.deepEqual([cancelled?.status, cancelled?.endedAt, cancelled?.error], ['cancelled', 50, 'cancelled by olga']);
    assert.equal(await store.jobs.claim('w1', 60), undefined, 'a cancelled job is not claimed');
    assert.deepEqual(await store.jobs.requestCancel(job.id, 'piotr', 70), cancelled, 'already over');
    assert.equal(await store.jobs.requestCancel(job.id + 1000, 'olga', 70), undefined);
  });

  test('result chunks: stored in order, read back byte for byte, deleted with their job', async () => {
    const store = await open();
    const job = await newJob(store, 1);
    const chunks = [new Uint8Array([0, 1, 2, 255]), new TextEncoder().encode('tag,value\n"é",1.5\n'), new Uint8Array(300_000).fill(7)];
    for (const [seq, data] of chunks.entries()) await store.jobs.putResultChunk(job.id, seq, data);
    for (const [seq, data] of chunks.entries()) assert.deepEqual(await store.jobs.resultChunk(job.id, seq), data);
    assert.equal(await store.jobs.resultChunk(job.id, 3), undefined);
    await store.jobs.update(job.id, { status: 'succeeded', endedAt: 10 });
    assert.deepEqual(await store.jobs.deleteEndedBefore(100), [job.id]);
    assert.equal(await store.jobs.resultChunk(job.id, 0), undefined);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store } from '../../server/storage/store.ts';
import { eachEngine } from './engines.ts';

const params = { tags: ['filling.level', 'filling.temp'], from: 1_700_000_000_000, format: 'csv', nested: { gzip: true, note: null } };

const newJob = (store: Store, createdAt: number, kind = 'export') => store.jobs.create({ kind, params, createdBy: 'olga', createdAt });

eachEngine('jobs', ({ open }) => {
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
});

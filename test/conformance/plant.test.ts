import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError } from '../../lib/errors.ts';
import { eachEngine } from './engines.ts';

/** Keys deliberately out of alphabetical order: the stored plant must keep them as given. */
const plant = (speed: number) => ({
  version: 1,
  lines: [{ id: 'extrusion', name: 'Extrusion', tags: [{ id: 'speed', unit: 'm/min', address: 40001, scale: speed }] }],
  connections: { 'extrusion-plc': { port: 502, host: '10.0.0.5' } },
  alarms: [],
  note: null,
});

const isConflict = (error: unknown) => {
  assert.ok(error instanceof ConflictError, String(error));
  assert.equal(error.status, 409);
  assert.equal(error.code, 'LW_CONFLICT');
  return true;
};

eachEngine('plant versions', (engine) => {
  test('an empty store has no version', async () => {
    const store = await engine.open();
    assert.equal(await store.plant.latest(), undefined);
    assert.deepEqual(await store.plant.list(), []);
    assert.equal(await store.plant.get(1), undefined);
  });

  test('the first append is version 1; the latest is it, with the plant as given, key order kept', async () => {
    const store = await engine.open();
    const before = Date.now();
    const first = await store.plant.append({ baseVersion: null, plant: plant(1), appliedBy: 'system', comment: 'seeded from demo plant' });
    assert.equal(first.version, 1);
    assert.equal(first.appliedBy, 'system');
    assert.equal(first.comment, 'seeded from demo plant');
    assert.ok(first.appliedAt >= before && first.appliedAt <= Date.now(), 'applied now');
    const latest = await store.plant.latest();
    assert.deepEqual(latest, first);
    assert.equal(JSON.stringify(latest?.plant), JSON.stringify(plant(1)));
    assert.equal(JSON.stringify((await store.plant.get(1))?.plant), JSON.stringify(plant(1)));
  });

  test('an append on a stale base, or on none while versions exist, is a conflict and stores nothing', async () => {
    const store = await engine.open();
    await store.plant.append({ baseVersion: null, plant: plant(1), appliedBy: 'system', comment: null });
    await store.plant.append({ baseVersion: 1, plant: plant(2), appliedBy: 'admin', comment: null });
    await assert.rejects(store.plant.append({ baseVersion: 1, plant: plant(3), appliedBy: 'olga', comment: null }), (error) => {
      isConflict(error);
      assert.match((error as Error).message, /plant version 1 is not the current version \(2\)/);
      return true;
    });
    await assert.rejects(store.plant.append({ baseVersion: null, plant: plant(3), appliedBy: 'olga', comment: null }), isConflict);
    await assert.rejects(store.plant.append({ baseVersion: 5, plant: plant(3), appliedBy: 'olga', comment: null }), isConflict, 'a base ahead of the newest');
    assert.equal((await store.plant.latest())?.version, 2);
    assert.equal((await store.plant.list()).length, 2);
  });

  test('an append on a base when none exists yet is a conflict', async () => {
    const store = await engine.open();
    await assert.rejects(store.plant.append({ baseVersion: 0, plant: plant(1), appliedBy: 'admin', comment: null }), isConflict);
    assert.equal(await store.plant.latest(), undefined);
  });

  test('list is newest first, without the plant, at most limit; get finds each version', async () => {
    const store = await engine.open();
    let base: number | null = null;
    for (let i = 1; i <= 5; i++)
      base = (await store.plant.append({ baseVersion: base, plant: plant(i), appliedBy: `user-${i}`, comment: i % 2 ? `note ${i}` : null })).version;
    const all = await store.plant.list();
    assert.deepEqual(
      all.map((v) => [v.version, v.appliedBy, v.comment]),
      [
        [5, 'user-5', 'note 5'],
        [4, 'user-4', null],
        [3, 'user-3', 'note 3'],
        [2, 'user-2', null],
        [1, 'user-1', 'note 1'],
      ],
    );
    assert.ok(
      all.every((v) => !('plant' in v)),
      'no plant in the list',
    );
    assert.deepEqual(
      (await store.plant.list(2)).map((v) => v.version),
      [5, 4],
    );
    const third = await store.plant.get(3);
    assert.equal(third?.version, 3);
    assert.deepEqual(third?.plant, plant(3));
    assert.equal(await store.plant.get(6), undefined);
    assert.equal(await store.plant.get(0), undefined);
  });

  test('racing appends on one base across connections: exactly one wins, the other gets a conflict', async () => {
    await engine.open();
    const stores = [await engine.openShared(), await engine.openShared()];
    let base: number | null = null;
    for (let round = 0; round < 10; round++) {
      const results = await Promise.allSettled(
        stores.map((store, i) => store.plant.append({ baseVersion: base, plant: plant(round * 10 + i), appliedBy: `admin-${i}`, comment: `round ${round}` })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      assert.equal(won.length, 1, `round ${round}: ${JSON.stringify(results)}`);
      isConflict(lost[0]?.reason);
      const winner = won[0]!.value;
      assert.equal(winner.version, (base ?? 0) + 1);
      assert.deepEqual(await stores[0]!.plant.latest(), winner);
      base = winner.version;
    }
    assert.equal((await stores[1]!.plant.list()).length, 10);
  });
});

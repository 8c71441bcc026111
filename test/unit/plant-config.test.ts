import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PlantFile } from '../../lib/plant/schema.ts';
import { auditedBy } from '../../server/auth/audited.ts';
import { silentLogger } from '../../server/log/logger.ts';
import { readPlantFile } from '../../server/plant/load-plant.ts';
import { type ApplyPlant, openPlantConfig } from '../../server/plant/plant-config.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../server/storage/store.ts';

/** Where the running plant comes from at start, store or file (LINEWATCH_PLANT_SOURCE), on a real SQLite file. */

let dir: string;
let store: Store;
let demo: PlantFile;
const actor = { username: 'admin', ip: '127.0.0.1' };
const audit: string[] = [];
const applied: number[] = [];
const applyPlant: ApplyPlant = async (_next, _change, { version }) => void applied.push(version);

const open = (raw: unknown, readOnly: boolean) =>
  openPlantConfig(
    {
      repo: store.plant,
      seed: { raw, source: 'plant file test.json' },
      readOnly,
      audited: auditedBy((e) => audit.push(`${e.action} ${e.result}`)),
      log: silentLogger(),
    },
    () => applyPlant,
  );

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-plant-config-'));
  store = createSqliteStore(join(dir, 'linewatch.db'));
  demo = (await readPlantFile()).raw as PlantFile;
});
after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

test('store mode: the file seeds version 1; later starts keep the stored version whatever the file says', async () => {
  const first = await open(demo, false);
  assert.equal(first.current().version, 1);
  assert.equal(first.current().comment, 'seeded from plant file test.json');
  const edited = structuredClone(demo);
  edited.lines[0]!.name = 'Extruder 1';
  assert.deepEqual(await first.apply(edited, 1, actor), { version: 2, changes: ['line extrusion: name changed'] });
  assert.deepEqual(applied, [2]);
  assert.deepEqual(await first.apply(edited, 2, actor), { version: 2, changes: [] }, 'the same plant again: nothing to apply');
  const again = await open(demo, false);
  assert.equal(again.current().version, 2);
  assert.equal(again.plant().lines[0]!.name, 'Extruder 1');
});

test('file mode: the file is read at every start (a new version only when it changed) and edits are refused', async () => {
  const same = await open((await store.plant.latest())!.plant, true);
  assert.equal(same.current().version, 2, 'unchanged file: no new version');
  const fromGit = structuredClone(demo);
  fromGit.lines[1]!.name = 'Filler (from git)';
  const changed = await open(fromGit, true);
  assert.equal(changed.current().version, 3);
  assert.equal(changed.current().appliedBy, 'system');
  assert.equal(changed.current().comment, 'read from plant file test.json');
  assert.equal(changed.readOnly, true);
  await assert.rejects(() => changed.apply(demo, 3, actor), { status: 403, message: /LINEWATCH_PLANT_SOURCE=file/ });
  assert.equal((await store.plant.latest())!.version, 3);
});

test('a stale base is refused with 409 before anything runs; a rollback is audited like an apply', async () => {
  const config = await open(demo, false);
  applied.length = 0;
  audit.length = 0;
  await assert.rejects(() => config.apply(demo, 1, actor), { status: 409, field: 'baseVersion' });
  assert.deepEqual(applied, []);
  const { version } = await config.rollback(1, 3, actor);
  assert.equal(version, 4);
  assert.deepEqual(applied, [4]);
  assert.deepEqual(audit, ['plant.apply ok']);
  assert.equal(config.current().comment, 'rolled back to version 1');
  await assert.rejects(() => config.rollback(99, 4, actor), { status: 404, field: 'version' });
});

/**
 * `npm run migrate-data`: a populated SQLite installation copied into a new PostgreSQL
 * database, every table's row count equal on both sides, and the data readable through the
 * PostgreSQL store as it was through SQLite.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { AlarmJournalEntry } from '../../lib/alarms/alarm-types.ts';
import type { Sample } from '../../lib/types.ts';
import { createPostgresStore } from '../../server/storage/postgres/pg-store.ts';
import { createSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts';
import type { Store } from '../../server/storage/store.ts';
import { createTestDatabase } from '../helpers/pg-database.ts';

const run = promisify(execFile);
const day = 86_400_000;
const t0 = Date.UTC(2026, 10, 1);

let dir = '';
let file = '';
let database: Awaited<ReturnType<typeof createTestDatabase>>;

function entry(seq: number, transition: AlarmJournalEntry['transition']): AlarmJournalEntry {
  return {
    seq,
    ts: t0 + seq * 1000,
    alarm: 'extrusion/zone1.temp:hi',
    line: 'extrusion',
    tag: 'extrusion/zone1.temp',
    kind: 'hi',
    label: 'Zone 1 temperature',
    message: 'Zone 1 hot',
    priority: 'high',
    transition,
    state: transition === 'raised' ? 'unack-active' : 'ack-active',
    value: 231.5,
    limit: 230,
    user: transition === 'raised' ? null : 'olga',
    comment: null,
    suppressed: false,
  };
}

/** A small plant's worth of everything: users, a session, audit, 3 days of samples for 2 tags, rollups, alarms, a job, a device, plant versions. */
async function populate(store: Store): Promise<void> {
  const admin = await store.users.create({ username: 'admin', passwordHash: 'h1', role: 'admin' });
  await store.users.create({ username: 'olga', passwordHash: 'h2', role: 'operator', kiosk: false });
  await store.sessions.create({ idHash: 's1', userId: admin.id, createdAt: t0, lastSeenAt: t0 + 5, ip: '10.0.0.1', userAgent: 'tablet' });
  for (let i = 0; i < 30; i++)
    await store.audit.append({ ts: t0 + i, username: 'admin', ip: '10.0.0.1', action: 'login', target: null, result: 'ok', detail: null });
  const samples: Sample[] = [];
  for (let ts = t0; ts < t0 + 3 * day; ts += 60_000) {
    samples.push({ tag: 'extrusion/zone1.temp', ts, value: 200 + (ts % 7), quality: 'good' });
    samples.push({ tag: 'extrusion/speed', ts, value: null, quality: 'bad', reason: 'timeout' });
  }
  await store.writeHistory(samples, [
    {
      tag: 'extrusion/zone1.temp',
      span: 60_000,
      start: t0,
      count: 1,
      bad: 0,
      min: 200,
      minTs: t0,
      max: 200,
      maxTs: t0,
      sum: 200,
      first: 200,
      firstTs: t0,
      last: 200,
      lastTs: t0,
      gapTs: null,
    },
  ]);
  await store.alarms.commit(
    [entry(1, 'raised'), entry(2, 'acknowledged')],
    [
      {
        keep: true,
        state: {
          id: 'extrusion/zone1.temp:hi',
          active: true,
          acked: true,
          value: 231.5,
          quality: 'good',
          activeSince: t0 + 1000,
          lastChange: t0 + 2000,
          ack: { by: 'olga', at: t0 + 2000, comment: null },
          shelved: null,
          outOfService: null,
          seq: 2,
        },
      },
    ],
  );
  const job = await store.jobs.create({ kind: 'csv-export', params: { tags: ['extrusion/speed'], from: t0, to: t0 + day }, createdBy: 'olga', createdAt: t0 });
  await store.jobs.update(job.id, { status: 'succeeded', progress: 100, endedAt: t0 + 10, result: { rows: 1440, bytes: 9000, filename: 'x.csv' } });
  await store.push.upsert(
    {
      userId: admin.id,
      endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
      p256dh: 'p',
      auth: 'a',
      lines: ['extrusion'],
      minPriority: 'high',
      userAgent: 'phone',
      session: 's1',
    },
    t0,
  );
  await store.push.keepVapidKeys({ publicKey: 'pub', privateKey: 'priv', createdAt: t0 });
  // Keys out of alphabetical order: the copy keeps the plant's text as it was.
  const seed = await store.plant.append({
    baseVersion: null,
    plant: { version: 1, lines: [{ name: 'Extrusion', id: 'extrusion' }] },
    appliedBy: 'system',
    comment: 'seeded from demo plant',
  });
  await store.plant.append({ baseVersion: seed.version, plant: { version: 1, lines: [] }, appliedBy: 'admin', comment: null });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-migrate-'));
  file = join(dir, 'linewatch.db');
  const store = createSqliteStore(file);
  await populate(store);
  await store.close();
  database = await createTestDatabase('lw_migrate');
});

after(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('migrate-data copies every table; row counts equal on both sides; the data reads back the same', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/migrate-data.ts', '--from', file, '--to', database.url]);
  assert.match(stdout, /every table has the same row count on both sides/);
  const counts = Object.fromEntries([...stdout.matchAll(/^(\w+)\s+(\d+)\s+(\d+)$/gm)].map((m) => [m[1], [Number(m[2]), Number(m[3])]]));
  assert.deepEqual(counts.samples, [8640, 8640]);
  assert.deepEqual(counts.audit, [30, 30]);
  for (const table of ['users', 'sessions', 'tags', 'rollups', 'alarms', 'alarm_events', 'jobs', 'push_subscriptions', 'push_vapid', 'plant_versions']) {
    assert.ok(counts[table] && counts[table][0] > 0 && counts[table][0] === counts[table][1], `${table}: ${JSON.stringify(counts[table])}`);
  }

  const sqlite = createSqliteStore(file);
  const postgres = await createPostgresStore(database.url);
  try {
    for (const store of [sqlite, postgres]) assert.equal(await store.users.count(), 2);
    assert.deepEqual(await postgres.users.list(), await sqlite.users.list());
    assert.deepEqual(await postgres.sessions.get('s1'), await sqlite.sessions.get('s1'));
    assert.deepEqual(await postgres.audit.query({ limit: 100 }), await sqlite.audit.query({ limit: 100 }));
    assert.deepEqual(await postgres.samples.query('extrusion/speed', t0, t0 + day, 10), await sqlite.samples.query('extrusion/speed', t0, t0 + day, 10));
    assert.deepEqual(await postgres.rollups.query('extrusion/zone1.temp', t0, t0 + day), await sqlite.rollups.query('extrusion/zone1.temp', t0, t0 + day));
    assert.deepEqual(await postgres.alarms.loadStates(), await sqlite.alarms.loadStates());
    assert.deepEqual(await postgres.alarms.journal({ limit: 10 }), await sqlite.alarms.journal({ limit: 10 }));
    assert.equal(await postgres.alarms.lastSeq(), 2);
    assert.deepEqual(await postgres.jobs.list(10), await sqlite.jobs.list(10));
    assert.deepEqual(await postgres.push.all(), await sqlite.push.all());
    assert.deepEqual(await postgres.push.vapidKeys(), await sqlite.push.vapidKeys());
    assert.deepEqual(await postgres.plant.list(), await sqlite.plant.list());
    const seeded = await postgres.plant.get(1);
    assert.deepEqual(seeded, await sqlite.plant.get(1));
    assert.equal(JSON.stringify(seeded?.plant), JSON.stringify({ version: 1, lines: [{ name: 'Extrusion', id: 'extrusion' }] }));
    // Versions continue after the copied ones.
    assert.equal((await postgres.plant.append({ baseVersion: 2, plant: {}, appliedBy: 'admin', comment: null })).version, 3);
    // Ids continue after the copied ones.
    const next = await postgres.users.create({ username: 'new', passwordHash: 'h', role: 'viewer' });
    assert.equal(next.id, 3);
  } finally {
    await sqlite.close();
    await postgres.close();
  }
});

test('migrate-data refuses a target that holds data already, and changes nothing there', async () => {
  await assert.rejects(
    run(process.execPath, ['--import', 'tsx', 'scripts/migrate-data.ts', '--from', file, '--to', database.url]),
    (error: { stderr: string; code: number }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /not empty: users has 3 rows/);
      return true;
    },
  );
});

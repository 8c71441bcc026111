import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { defaultSpoolConfig, openSpools } from '../../server/spool/open-spools.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-spools-'));
  dirs.push(dir);
  return dir;
}

test('one directory, three kinds; one process at a time (a lock a dead process left is taken over)', async () => {
  const dir = await tempDir();
  const spools = await openSpools({ dir });
  assert.deepEqual((await readdir(dir)).sort(), ['audit', 'journal', 'lock', 'samples']);
  assert.deepEqual(
    spools.stats().map((s) => `${s.kind} ${s.rows}`),
    ['journal 0', 'audit 0', 'samples 0'],
  );
  assert.deepEqual(spools.memoryRows, defaultSpoolConfig.memoryRows);
  await assert.rejects(openSpools({ dir }), { code: 'LW_SPOOL', message: /in use by process \d+ \(this one\)/ });
  await spools.close();
  await spools.close();

  // A crashed owner: its pid is gone.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  await writeFile(join(dir, 'lock'), `${dead}\n`);
  const again = await openSpools({ dir, config: { memoryRows: { samples: 10, journal: 2, audit: 3 } } });
  assert.deepEqual(again.memoryRows, { samples: 10, journal: 2, audit: 3 });
  await again.close();
});

test('the bound is shared: samples are dropped (and counted) to keep journal and audit rows', async () => {
  const dir = await tempDir();
  const dropped: number[] = [];
  const spools = await openSpools({ dir, config: { maxMb: 1 }, segmentBytes: 64 * 1024, onSamplesDropped: (n) => dropped.push(n) });
  const batch = Array.from({ length: 2000 }, (_, i) => ({ tag: 'l.t', ts: 1_000 + i, value: i / 3, quality: 'good' as const }));
  for (let i = 0; i < 40; i++) await spools.samples.append(batch);
  const audit = Array.from({ length: 100 }, (_, i) => ({
    ts: i,
    username: 'u',
    ip: '-',
    action: 'a',
    target: null,
    result: 'ok',
    detail: 'x'.repeat(200),
    key: `k${i}`,
  }));
  for (let i = 0; i < 20; i++) await spools.audit.append(audit);
  // The audit rows took room past the bound; the next samples make it back, dropping the oldest samples.
  await spools.samples.append(batch);
  const [journal, auditStats, samples] = spools.stats();
  assert.equal(journal!.rows, 0);
  assert.equal(auditStats!.rows, 2000, 'every audit row kept');
  assert.ok(samples!.dropped > 0 && dropped.reduce((a, b) => a + b, 0) === samples!.dropped);
  assert.ok(auditStats!.bytes + samples!.bytes <= 1024 * 1024, `${auditStats!.bytes + samples!.bytes} bytes`);
  await spools.close();
});

import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RECORD_HEADER_BYTES, scanSegment } from '../../server/spool/segment-format.ts';
import { createSpool, createSpoolBudget, type Spool, type SpoolOptions } from '../../server/spool/spool.ts';
import { captureLog } from '../helpers/capture-log.ts';
import { idRecords, idsCodec } from '../helpers/spool-ids.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-spool-'));
  dirs.push(dir);
  return dir;
}

async function openSpool(dir: string, options: Partial<SpoolOptions<number[]>> = {}): Promise<Spool<number[]>> {
  const spool = createSpool({ dir, kind: 'ids', codec: idsCodec, ...options });
  await spool.open();
  return spool;
}

/** Reads and commits everything left, in order. */
async function replay(spool: Spool<number[]>): Promise<number[]> {
  const out: number[] = [];
  for (let read = await spool.read(); read; read = await spool.read()) {
    out.push(...read.record);
    await spool.commit(read);
  }
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const segmentFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.seg')).sort();

test('order: records come back as appended, across segments, with reads between appends; committed segments are removed', async () => {
  const dir = await tempDir();
  const spool = await openSpool(dir, { segmentBytes: 400 });
  const records = idRecords(40, 7);
  const seen: number[] = [];
  for (const [i, record] of records.entries()) {
    // Not awaited: appends queue up in call order.
    void spool.append(record);
    if (i % 5 === 4) {
      const read = await spool.read();
      seen.push(...read!.record);
      await spool.commit(read!);
    }
  }
  assert.ok((await segmentFiles(dir)).length > 1, 'several segments');
  assert.equal(spool.stats().rows, 280 - seen.length);
  seen.push(...(await replay(spool)));
  assert.deepEqual(seen, range(0, 280));
  assert.deepEqual(await segmentFiles(dir), [], 'nothing left once every record is committed');
  assert.deepEqual({ ...spool.stats(), kind: undefined }, { kind: undefined, rows: 0, bytes: 0, oldestAt: undefined, replayed: 280, dropped: 0, corrupt: 0 });
  assert.equal(spool.backlog(), false);
  await spool.close();
});

test('a reopened spool reads what the last run left, past what it committed; nothing committed is read again', async () => {
  const dir = await tempDir();
  const first = await openSpool(dir, { segmentBytes: 200 });
  for (const record of idRecords(20, 5)) await first.append(record);
  for (let i = 0; i < 7; i++) await first.commit((await first.read())!);
  const before = first.stats();
  assert.equal(before.rows, 65);
  assert.equal(before.oldestAt, 35, 'the oldest row left');
  await first.close();

  const second = await openSpool(dir, { segmentBytes: 200 });
  assert.equal(second.stats().rows, 65);
  assert.equal(second.stats().bytes, before.bytes);
  await second.append([1000, 1001]);
  assert.deepEqual(await replay(second), [...range(35, 100), 1000, 1001], 'the old rows first, then the new');
  await second.close();
  assert.deepEqual(await segmentFiles(dir), []);
});

test('rewind: records read but not committed (a failed write) are read again, oldest first', async () => {
  const dir = await tempDir();
  const spool = await openSpool(dir);
  for (const record of idRecords(4, 2)) await spool.append(record);
  const a = (await spool.read())!;
  const b = (await spool.read())!;
  const c = (await spool.read())!;
  assert.deepEqual(
    [a.record, b.record, c.record],
    [
      [0, 1],
      [2, 3],
      [4, 5],
    ],
  );
  // b committed, a and c failed (written two at a time: either may fail first).
  await spool.commit(b);
  spool.rewind();
  assert.deepEqual(await replay(spool), [0, 1, 4, 5, 6, 7]);
  await spool.close();
});

test('read() waits for appends under way; backlog() counts them', async () => {
  const dir = await tempDir();
  const spool = await openSpool(dir);
  const appending = spool.append([1, 2, 3]);
  assert.equal(spool.backlog(), true);
  assert.equal(spool.stats().rows, 3);
  assert.deepEqual((await spool.read())?.record, [1, 2, 3]);
  await appending;
  assert.equal(await spool.read(), undefined);
  assert.equal(spool.backlog(), false);
  await spool.close();
  await assert.rejects(spool.append([4]), { code: 'LW_SPOOL' });
});

test('bound, drop-oldest: whole oldest segments go to make room; the newest rows stay, in order, and the drops are counted', async () => {
  const dir = await tempDir();
  const dropped: number[] = [];
  const budget = createSpoolBudget(4000);
  const captured = captureLog();
  const spool = await openSpool(dir, { segmentBytes: 1000, budget, whenFull: 'drop-oldest', onDropped: (n) => dropped.push(n), log: captured.log });
  for (const record of idRecords(100, 10)) await spool.append(record);
  const stats = spool.stats();
  assert.ok(stats.bytes <= 4000, `${stats.bytes} bytes on disk`);
  assert.equal(budget.used, stats.bytes);
  const total = dropped.reduce((a, b) => a + b, 0);
  assert.equal(stats.dropped, total);
  assert.equal(stats.rows + total, 1000, 'every row is either kept or counted as dropped');
  assert.ok(captured.lines.some((l) => l.includes('spool full: dropped its oldest segment')));
  const kept = await replay(spool);
  assert.deepEqual(kept, range(1000 - kept.length, 1000), 'the newest, in order');
  assert.equal(budget.used, 0);
  await spool.close();
});

test('bound, keep: journal and audit rows are never dropped; past the bound they are kept, with one warning', async () => {
  const dir = await tempDir();
  const captured = captureLog();
  const spool = await openSpool(dir, { budget: createSpoolBudget(500), log: captured.log });
  for (const record of idRecords(50, 4)) await spool.append(record);
  assert.equal(spool.stats().rows, 200);
  assert.equal(captured.lines.filter((l) => l.includes('spool past its bound')).length, 1);
  assert.deepEqual(await replay(spool), range(0, 200));
  await spool.close();
});

test('one budget for several spools: samples give way to journal rows', async () => {
  const dir = await tempDir();
  const budget = createSpoolBudget(2000);
  const samples = await openSpool(join(dir, 'samples'), { budget, whenFull: 'drop-oldest', segmentBytes: 500 });
  const journal = await openSpool(join(dir, 'journal'), { budget });
  for (const record of idRecords(20, 10)) await samples.append(record);
  const samplesBefore = samples.stats().rows;
  for (const record of idRecords(20, 10)) await journal.append(record);
  assert.equal(journal.stats().rows, 200, 'every journal row kept');
  // The next sample record finds the budget taken by the journal: older sample segments go.
  await samples.append([9999]);
  assert.ok(samples.stats().rows < samplesBefore, `${samples.stats().rows} sample rows left of ${samplesBefore}`);
  assert.ok(samples.stats().dropped > 0);
  await Promise.all([samples.close(), journal.close()]);
});

test('a torn tail record (a crash mid-append) is detected and reported, not fatal: the good records are replayed, new ones follow', async () => {
  const dir = await tempDir();
  const first = await openSpool(dir);
  for (const record of idRecords(5, 3)) await first.append(record);
  await first.close();
  const [file] = await segmentFiles(dir);
  await truncate(join(dir, file!), (await stat(join(dir, file!))).size - 4);

  const captured = captureLog();
  const second = await openSpool(dir, { log: captured.log });
  assert.equal(second.stats().corrupt, 1);
  assert.equal(second.stats().rows, 12, 'four good records');
  const report = captured.records.find((r) => r.msg?.toString().includes('damaged spool record'));
  assert.ok(report, captured.lines.join('\n'));
  assert.equal(report.level, 'error');
  assert.match(String(report.problem), /torn record/);
  await second.append([100]);
  assert.deepEqual(await replay(second), [...range(0, 12), 100]);
  await second.close();
  assert.deepEqual(await segmentFiles(dir), [], 'the damaged segment went with its last good record');
});

test('a damaged record in the middle: the records before it are replayed, the rest of that segment is reported and skipped; later segments are read', async () => {
  const dir = await tempDir();
  const first = await openSpool(dir, { segmentBytes: 150 });
  for (const record of idRecords(12, 3)) await first.append(record);
  await first.close();
  const files = await segmentFiles(dir);
  assert.ok(files.length >= 3);
  const path = join(dir, files[0]!);
  const bytes = await readFile(path);
  const second = scanSegment(bytes).records[1]!;
  // One bit of the second record's payload.
  bytes[second.offset + RECORD_HEADER_BYTES + 2] = bytes[second.offset + RECORD_HEADER_BYTES + 2]! ^ 0x01;
  await writeFile(path, bytes);

  const captured = captureLog();
  const reopened = await openSpool(dir, { segmentBytes: 150, log: captured.log });
  assert.equal(reopened.stats().corrupt, 1);
  const rows = await replay(reopened);
  assert.deepEqual(rows.slice(0, 3), [0, 1, 2], 'the record before the damage');
  assert.ok(!rows.includes(3), 'the damaged record is not replayed');
  assert.deepEqual(rows.slice(-3), [33, 34, 35], 'later segments are read');
  assert.match(captured.lines.join('\n'), /checksum mismatch/);
  await reopened.close();
});

test('a process killed in the middle of replay: the next run replays the rest — nothing lost, nothing committed replayed again (at most the record in flight)', async () => {
  const dir = await tempDir();
  const sink = join(dir, 'sink.txt');
  const spoolDir = join(dir, 'spool');
  const setup = await openSpool(spoolDir, { segmentBytes: 600 });
  for (const record of idRecords(300, 10)) await setup.append(record);
  await setup.close();

  const child = fork(join(import.meta.dirname, '../fixtures/children/spool-replayer.ts'), [spoolDir, sink], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  // Killed once it has written a good part (records are 5 ms apart), wherever it is.
  for (let i = 0; (await readFile(sink, 'utf8').catch(() => '')).split('\n').length < 800; i++) {
    assert.ok(i < 400, 'the child replays');
    await sleep(10);
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  const byChild = (await readFile(sink, 'utf8')).split('\n').filter(Boolean).map(Number);
  assert.ok(byChild.length < 3000, 'killed part-way');

  const resumed = await openSpool(spoolDir, { segmentBytes: 600 });
  const rest = await replay(resumed);
  await resumed.close();
  const all = [...byChild, ...rest];
  assert.deepEqual(
    [...new Set(all)].sort((a, b) => a - b),
    range(0, 3000),
    'every row written',
  );
  const again = all.length - 3000;
  assert.ok(again <= 10, `rows written twice: ${again} (at most the one record in flight; the store's writes are idempotent)`);
  assert.deepEqual(rest, range(3000 - rest.length, 3000), 'the rest, in order');
  assert.deepEqual(await segmentFiles(spoolDir), []);
});

/**
 * CSV export job, run by the supervisor as a child process: reads raw samples on its own
 * connection to the store (SQLite: read-only), a time window at a time, writes `<out>.part`,
 * reports progress over IPC and renames the file when complete. SIGTERM (cancel, timeout) or
 * a vanished parent removes the partial file and exits.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HistoryReader } from '../storage/history-reader.ts';
import { openHistoryReader } from '../storage/open-history-reader.ts';
import { exitWithParent } from '../supervisor/child-lifecycle.ts';
import { lowerProcessPriority } from '../util/thread-priority.ts';
import { CSV_HEADER, createCsvWriter } from './csv.ts';
import type { ExportReport, ExportStart } from './export-messages.ts';

/** Rows aimed at per window: the window adapts to the data rate. */
const targetRows = 20_000;
const minWindowMs = 1000;
const maxWindowMs = 7 * 86_400_000;
/** Progress reports at most this often, ms. */
const reportEveryMs = 250;

// Exports are background work: the server, the poller and the PLCs have the CPU first.
lowerProcessPriority(19);

let partFile: string | undefined;
let reader: HistoryReader | undefined;

exitWithParent(async () => {
  // The partial file first: closing a connection may wait on a read under way.
  if (partFile) await rm(partFile, { force: true });
  await reader?.close().catch(() => {});
});

const report = (m: ExportReport) => new Promise<void>((resolve) => (process.send ? process.send(m, () => resolve()) : resolve()));

async function run(job: ExportStart): Promise<void> {
  reader = await openHistoryReader(job.location);
  partFile = `${job.outFile}.part`;
  const out = createWriteStream(partFile, { encoding: 'utf8' });
  out.write(CSV_HEADER);
  const csvLine = createCsvWriter(job.columns ?? []);
  let rows = 0;
  let windowMs = 3600_000;
  let lastReport = 0;
  let lastProgress = -1;
  for (let start = job.from; start < job.to; ) {
    const end = Math.min(job.to, start + windowMs);
    const batch = await reader.exportRows(job.tags, start, end);
    let chunk = '';
    for (const row of batch) chunk += csvLine(row);
    rows += batch.length;
    if (chunk && !out.write(chunk)) await once(out, 'drain');
    start = end;
    if (batch.length > 2 * targetRows) windowMs = Math.max(minWindowMs, windowMs / 2);
    else if (batch.length < targetRows / 4) windowMs = Math.min(maxWindowMs, windowMs * 2);
    const progress = Math.floor(((start - job.from) / (job.to - job.from)) * 1000) / 10;
    const t = performance.now();
    if (progress < 100 && progress !== lastProgress && t - lastReport >= reportEveryMs) {
      lastReport = t;
      lastProgress = progress;
      await report({ type: 'progress', progress, rows });
    }
    // A macrotask between windows: signals and IPC are handled promptly.
    await sleep(job.pauseMs);
  }
  out.end();
  await once(out, 'finish');
  await rename(partFile, job.outFile);
  partFile = undefined;
  const { size } = await stat(job.outFile);
  await reader.close();
  await report({ type: 'done', rows, bytes: size });
}

process.once('message', (m: ExportStart) => {
  run(m).then(
    () => process.exit(0),
    async (error: unknown) => {
      await report({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      if (partFile) await rm(partFile, { force: true });
      process.exit(1);
    },
  );
});

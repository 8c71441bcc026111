import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SpoolError } from '../../lib/errors.ts';
import type { Sample } from '../../lib/types.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { AuditEntry } from '../storage/store.ts';
import { createSpool, createSpoolBudget, type Spool, type SpoolStats } from './spool.ts';
import { auditCodec, journalCodec, type JournalSpoolRecord, sampleCodec } from './spool-codecs.ts';

/** Store-and-forward settings (`Config.spool`). */
export interface SpoolConfig {
  /** Bound of the spool directory on disk, MB (LINEWATCH_SPOOL_MAX_MB). */
  maxMb: number;
  /** Rows each writer keeps in memory while the database cannot take them; past this it spools. */
  memoryRows: { samples: number; journal: number; audit: number };
}

/** 1 GiB holds about 7 hours of 1000 samples/s (~40 bytes a sample); memory holds what a short blip needs. */
export const defaultSpoolConfig: SpoolConfig = { maxMb: 1024, memoryRows: { samples: 100_000, journal: 10_000, audit: 1000 } };

export interface SpoolsOptions {
  /** The spool directory (the server uses `<data dir>/spool`); one subdirectory per kind. */
  dir: string;
  /** Defaults: `defaultSpoolConfig`. */
  config?: Partial<SpoolConfig>;
  /** See `SpoolOptions.segmentBytes`. */
  segmentBytes?: number;
  /** See `SpoolOptions.sync`. Default true. */
  sync?: boolean;
  /** Default: silent. */
  log?: Logger;
  /** Samples dropped to stay within `maxBytes` (for /metrics). */
  onSamplesDropped?: (rows: number) => void;
}

/**
 * The three spools of one process, sharing one bound: raw samples (the historian's; past the
 * bound their oldest segments are dropped), alarm-journal commits and audit rows (never
 * dropped: they are small, and kept past the bound).
 */
export interface Spools {
  samples: Spool<Sample[]>;
  journal: Spool<JournalSpoolRecord>;
  audit: Spool<AuditEntry[]>;
  /** The writers' memory bounds (historian `maxBuffered`, journal and audit `maxQueued`). */
  memoryRows: SpoolConfig['memoryRows'];
  stats(): SpoolStats[];
  /** Closes the files and releases the directory. A second call is harmless. */
  close(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process per spool directory: two writing the same segment files would corrupt them. A
 * lock file holds the owner's pid; one left by a process that is gone (a crash) is taken over.
 */
async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'lock');
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => unlink(path).catch(() => {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw new SpoolError(`the spool ${dir} is in use by process ${pid}${pid === process.pid ? ' (this one)' : ''}: each server needs its own data directory`);
    }
    await unlink(path).catch(() => {});
  }
}

/** Opens (and locks) the spool directory; what a previous run left is read first by each writer. */
export async function openSpools(options: SpoolsOptions): Promise<Spools> {
  const log = options.log ?? silentLogger();
  await mkdir(options.dir, { recursive: true });
  const unlock = await lockDirectory(options.dir);
  const budget = createSpoolBudget((options.config?.maxMb ?? defaultSpoolConfig.maxMb) * 1024 * 1024);
  const common = { budget, segmentBytes: options.segmentBytes, sync: options.sync, log };
  const samples = createSpool({
    ...common,
    dir: join(options.dir, 'samples'),
    kind: 'samples',
    codec: sampleCodec,
    whenFull: 'drop-oldest',
    onDropped: options.onSamplesDropped,
  });
  const journal = createSpool({ ...common, dir: join(options.dir, 'journal'), kind: 'journal', codec: journalCodec });
  const audit = createSpool({ ...common, dir: join(options.dir, 'audit'), kind: 'audit', codec: auditCodec });
  const all = [journal, audit, samples];
  try {
    for (const spool of all) await spool.open();
  } catch (error) {
    await Promise.all(all.map((s) => s.close()));
    await unlock();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    samples,
    journal,
    audit,
    memoryRows: { ...defaultSpoolConfig.memoryRows, ...options.config?.memoryRows },
    stats: () => all.map((s) => s.stats()),
    close() {
      closing ??= (async () => {
        await Promise.all(all.map((s) => s.close()));
        await unlock();
      })();
      return closing;
    },
  };
}

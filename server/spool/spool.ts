import { type FileHandle, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SpoolError } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import { decodeMarker, decodeRecord, encodeMarker, encodeRecord, MARKER_BYTES, type RecordInfo, SEGMENT_MAGIC, scanSegment } from './segment-format.ts';

/** How one kind of record becomes a payload and back, and what it holds. */
export interface SpoolCodec<R> {
  encode(record: R): Buffer | string;
  decode(payload: Buffer): R;
  /** Rows the record holds (samples, journal entries, audit rows), for the gauges. */
  rows(record: R): number;
  /** Epoch ms of its oldest row, for the oldest-spooled-age gauge. */
  at(record: R): number;
}

/** Bytes on disk of every spool of one directory together, against one bound. */
export interface SpoolBudget {
  readonly maxBytes: number;
  used: number;
}

export function createSpoolBudget(maxBytes = Number.POSITIVE_INFINITY): SpoolBudget {
  return { maxBytes, used: 0 };
}

export interface SpoolOptions<R> {
  /** The spool's own directory (created when missing). */
  dir: string;
  /** What it holds (`samples`, `journal`, `audit`): for logs and metrics. */
  kind: string;
  codec: SpoolCodec<R>;
  /** Shared with the other spools of the directory. Default: unbounded. */
  budget?: SpoolBudget;
  /**
   * An append that would pass the budget: `drop-oldest` drops this spool's oldest segments
   * (whole files; and the new record too if it still does not fit), `keep` writes it anyway
   * and logs once. Default `keep` (journal entries and audit rows are never dropped).
   */
  whenFull?: 'drop-oldest' | 'keep';
  /** A segment file past this size is closed and the next one started. Default 4 MiB. */
  segmentBytes?: number;
  /** `fdatasync` each record (and the directory after a new file) before its append resolves. Default true. */
  sync?: boolean;
  /** Default: silent. */
  log?: Logger;
  /** Rows dropped to stay within the budget. */
  onDropped?: (rows: number) => void;
}

export interface SpoolStats {
  kind: string;
  /** Rows not written to the database yet: in segment files, or being appended. */
  rows: number;
  /** Size of the segment files. */
  bytes: number;
  /** Epoch ms of the oldest row not written yet; undefined when none. */
  oldestAt: number | undefined;
  /** Rows written to the database from the spool since start. */
  replayed: number;
  /** Rows dropped to stay within the budget since start. */
  dropped: number;
  /** Damaged records found (a torn tail after a crash, a bad checksum) since start: reported and skipped. */
  corrupt: number;
}

/** A record handed out by `read()`, to `commit()` once its write is committed (or to give back with `rewind()`). */
export interface SpoolRead<R> {
  readonly record: R;
  readonly rows: number;
}

/**
 * A FIFO of records in append-only segment files (format: segment-format.ts), for rows the
 * database cannot take now. One writer appends, one consumer reads in order and commits what
 * the database has committed; nothing is deleted before that: a segment file goes once every
 * record in it is committed. `read()` hands out the oldest record not yet read; `rewind()`
 * gives back what was read and not committed (a failed write), to be read again first.
 */
export interface Spool<R> {
  readonly kind: string;
  /** Reads the directory: the segments a previous run left (damaged records reported and skipped, never fatal) are read first. */
  open(): Promise<void>;
  /** Appends one record; resolves once it is on disk (synced, see `sync`), or dropped for the budget. */
  append(record: R): Promise<void>;
  /** Whether a record waits to be read (or is being appended). */
  backlog(): boolean;
  /** The oldest record not handed out yet (after any appends under way); undefined when none. */
  read(): Promise<SpoolRead<R> | undefined>;
  /** The record's write is committed: it will not be read again, and its segment goes once every record in it is committed. */
  commit(read: SpoolRead<R>): Promise<void>;
  /** Records handed out and not committed are read again, oldest first. */
  rewind(): void;
  stats(): SpoolStats;
  /** Waits for appends under way, then closes the files. A second call is harmless. */
  close(): Promise<void>;
}

interface Entry extends RecordInfo {
  state: 'waiting' | 'reading' | 'done';
}

interface Segment {
  seq: number;
  path: string;
  entries: Entry[];
  /** Bytes in the file, magic included. */
  bytes: number;
  /** Entries before this index are all done. */
  prefix: number;
  /** Entries not done, and their rows. */
  open: number;
  openRows: number;
  writer?: FileHandle;
  reader?: FileHandle;
  gone: boolean;
}

interface Held<R> extends SpoolRead<R> {
  segment: Segment;
  entry: Entry;
}

const segmentName = (seq: number) => `${String(seq).padStart(12, '0')}.seg`;
const segmentPattern = /^(\d{12})\.seg$/;
const markerFile = 'committed';

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Durability: a record's append resolves after `fdatasync` (and a new segment's directory entry
 * is synced), so an appended record survives a crash of the process or of the machine.
 * Committing writes the committed prefix of the oldest segment to a small marker file, without
 * a sync: after a kill, replay starts past it; after a power loss it may start a little earlier.
 * Either way replay is at-least-once for the records in flight, and the database writes are
 * idempotent (samples by tag and time, journal entries by seq, audit rows by key), so nothing
 * is written twice.
 */
export function createSpool<R>(options: SpoolOptions<R>): Spool<R> {
  const { dir, kind, codec } = options;
  const budget = options.budget ?? createSpoolBudget();
  const segmentBytes = options.segmentBytes ?? 4 * 1024 * 1024;
  const sync = options.sync ?? true;
  const log = options.log ?? silentLogger();
  const segments: Segment[] = [];
  /** The segment appends go to (the newest), until it is full. */
  let active: Segment | undefined;
  let nextSeq = 1;
  /** Appends, file deletions and marker writes run one at a time, in call order. */
  let chain: Promise<void> = Promise.resolve();
  const pending = { records: 0, rows: 0, ats: [] as number[] };
  /** Entries in the `waiting` state, over every segment. */
  let unread = 0;
  let marker: FileHandle | undefined;
  let markerAt = '';
  let overBudgetLogged = false;
  let closing: Promise<void> | undefined;
  const counts = { replayed: 0, dropped: 0, corrupt: 0 };

  function enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = chain.then(job);
    chain = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  function reportDamage(segment: string, offset: number, bytes: number, problem: string): void {
    counts.corrupt++;
    log.error({ kind, segment, offset, bytes, problem }, 'damaged spool record: skipped (the records before it are replayed)');
  }

  async function removeSegment(s: Segment): Promise<void> {
    s.gone = true;
    segments.splice(segments.indexOf(s), 1);
    if (active === s) active = undefined;
    budget.used -= s.bytes;
    await Promise.all([s.writer?.close(), s.reader?.close()]);
    // A file that cannot be removed is only disk space: its records are done or dropped.
    await unlink(s.path).catch((error: unknown) => log.warn({ err: error, kind, segment: s.path }, 'could not remove a spool segment'));
  }

  function finish(s: Segment, entry: Entry): void {
    if (entry.state === 'waiting') unread--;
    entry.state = 'done';
    s.open--;
    s.openRows -= entry.rows;
    while (s.prefix < s.entries.length && s.entries[s.prefix]!.state === 'done') s.prefix++;
  }

  /** After a commit: the segment goes when every record in it is done, else the marker moves on. */
  async function settle(s: Segment): Promise<void> {
    if (s.gone) return;
    if (s.open === 0) return removeSegment(s);
    if (segments[0] !== s) return;
    const text = encodeMarker(s.seq, s.prefix);
    if (text.toString() === markerAt) return;
    markerAt = text.toString();
    marker ??= await open(join(dir, markerFile), 'w');
    await marker.write(text, 0, MARKER_BYTES, 0);
  }

  async function startSegment(): Promise<Segment> {
    if (active) {
      await active.writer?.close();
      active.writer = undefined;
    }
    const seq = nextSeq++;
    const path = join(dir, segmentName(seq));
    const writer = await open(path, 'wx');
    const s: Segment = { seq, path, entries: [], bytes: 0, prefix: 0, open: 0, openRows: 0, writer, gone: false };
    // Listed before the first write: a failed write leaves a file that the spool still owns and removes.
    segments.push(s);
    active = s;
    await writer.write(SEGMENT_MAGIC, 0, SEGMENT_MAGIC.length, 0);
    s.bytes = SEGMENT_MAGIC.length;
    budget.used += s.bytes;
    if (sync) {
      await writer.datasync();
      await syncDirectory(dir);
    }
    return s;
  }

  /** Drops this spool's oldest segments until `bytes` fit in the budget; whether they do. */
  async function makeRoom(bytes: number): Promise<boolean> {
    while (budget.used + bytes > budget.maxBytes && segments.length > 0) {
      const s = segments[0]!;
      // Records being written to the database now are not counted as dropped.
      const rows = s.entries.reduce((n, e) => n + (e.state === 'waiting' ? e.rows : 0), 0);
      unread -= s.entries.filter((e) => e.state === 'waiting').length;
      await removeSegment(s);
      if (rows > 0) {
        counts.dropped += rows;
        options.onDropped?.(rows);
        log.warn({ kind, rows, segment: s.path, maxBytes: budget.maxBytes }, 'spool full: dropped its oldest segment');
      }
    }
    return budget.used + bytes <= budget.maxBytes;
  }

  async function write(frame: Buffer, rows: number, at: number): Promise<void> {
    const room = frame.length + SEGMENT_MAGIC.length;
    if (options.whenFull === 'drop-oldest' && !(await makeRoom(room))) {
      counts.dropped += rows;
      options.onDropped?.(rows);
      log.warn({ kind, rows, maxBytes: budget.maxBytes }, 'spool full: dropped a record');
      return;
    }
    let s = active;
    if (!s?.writer || (s.bytes + frame.length > segmentBytes && s.entries.length > 0)) s = await startSegment();
    await s.writer!.write(frame, 0, frame.length, s.bytes);
    if (sync) await s.writer!.datasync();
    s.entries.push({ offset: s.bytes, size: frame.length, rows, at, state: 'waiting' });
    s.bytes += frame.length;
    s.open++;
    s.openRows += rows;
    unread++;
    budget.used += frame.length;
    if (budget.used > budget.maxBytes && !overBudgetLogged) {
      overBudgetLogged = true;
      log.warn({ kind, bytes: budget.used, maxBytes: budget.maxBytes }, 'spool past its bound: kept anyway (these rows are never dropped)');
    } else if (budget.used <= budget.maxBytes) overBudgetLogged = false;
  }

  function firstWaiting(): { segment: Segment; entry: Entry } | undefined {
    if (unread === 0) return undefined;
    for (const segment of segments) {
      for (let i = segment.prefix; i < segment.entries.length; i++) {
        const entry = segment.entries[i]!;
        if (entry.state === 'waiting') return { segment, entry };
      }
    }
    return undefined;
  }

  async function readFrame(s: Segment, e: Entry): Promise<Buffer> {
    s.reader ??= await open(s.path, 'r');
    const frame = Buffer.allocUnsafe(e.size);
    const { bytesRead } = await s.reader.read(frame, 0, e.size, e.offset);
    return frame.subarray(0, bytesRead);
  }

  function stats(): SpoolStats {
    let rows = pending.rows;
    let bytes = 0;
    let oldestAt: number | undefined;
    for (const s of segments) {
      rows += s.openRows;
      bytes += s.bytes;
      if (oldestAt === undefined && s.open > 0) oldestAt = s.entries.find((e) => e.state !== 'done')?.at;
    }
    oldestAt ??= pending.ats[0];
    return { kind, rows, bytes, oldestAt, ...counts };
  }

  return {
    kind,
    async open() {
      await mkdir(dir, { recursive: true });
      const mark = decodeMarker(await readFile(join(dir, markerFile)).catch(() => Buffer.alloc(0)));
      const names = (await readdir(dir)).filter((n) => segmentPattern.test(n)).sort();
      let maxSeq = mark?.seq ?? 0;
      for (const name of names) {
        const seq = Number(segmentPattern.exec(name)![1]);
        maxSeq = Math.max(maxSeq, seq);
        const path = join(dir, name);
        const bytes = await readFile(path);
        const scan = scanSegment(bytes);
        if (scan.problem) reportDamage(path, scan.end, bytes.length - scan.end, scan.problem);
        const entries: Entry[] = scan.records.map((r) => ({ ...r, state: 'waiting' }));
        if (mark?.seq === seq) for (let i = 0; i < Math.min(mark.count, entries.length); i++) entries[i]!.state = 'done';
        const done = mark?.seq === seq ? Math.min(mark.count, entries.length) : 0;
        const waiting = entries.slice(done);
        if (waiting.length === 0) {
          // Every record in it was committed (or none is readable): nothing left to replay.
          await unlink(path);
          continue;
        }
        const s: Segment = {
          seq,
          path,
          entries,
          bytes: bytes.length,
          prefix: done,
          open: waiting.length,
          openRows: waiting.reduce((n, e) => n + e.rows, 0),
          gone: false,
        };
        segments.push(s);
        unread += waiting.length;
        budget.used += s.bytes;
      }
      nextSeq = maxSeq + 1;
      const { rows, oldestAt } = stats();
      if (rows > 0)
        log.info(
          { kind, rows, segments: segments.length, oldest: new Date(oldestAt!).toISOString() },
          'spooled rows from a previous run will be written first',
        );
    },
    append(record) {
      if (closing !== undefined) return Promise.reject(new SpoolError(`the ${kind} spool is closed`));
      // Encoded now: the caller may reuse what it passed.
      const rows = codec.rows(record);
      const at = codec.at(record);
      const frame = encodeRecord(Buffer.from(codec.encode(record)), rows, at);
      pending.records++;
      pending.rows += rows;
      pending.ats.push(at);
      return enqueue(async () => {
        try {
          await write(frame, rows, at);
        } finally {
          pending.records--;
          pending.rows -= rows;
          pending.ats.shift();
        }
      });
    },
    backlog: () => unread > 0 || pending.records > 0,
    async read() {
      for (;;) {
        const found = firstWaiting();
        if (!found) {
          if (pending.records === 0) return undefined;
          await chain;
          continue;
        }
        const { segment, entry } = found;
        entry.state = 'reading';
        unread--;
        let frame: Buffer;
        try {
          frame = await readFrame(segment, entry);
        } catch (error) {
          if (segment.gone) continue;
          entry.state = 'waiting';
          unread++;
          throw error;
        }
        const decoded = decodeRecord(frame);
        let record: R | undefined;
        let problem = 'problem' in decoded ? decoded.problem : undefined;
        if (!problem) {
          try {
            record = codec.decode((decoded as { payload: Buffer }).payload);
          } catch (error) {
            problem = `undecodable payload: ${(error as Error).message}`;
          }
        }
        if (problem !== undefined) {
          reportDamage(segment.path, entry.offset, entry.size, problem);
          finish(segment, entry);
          await enqueue(() => settle(segment));
          continue;
        }
        const held: Held<R> = { record: record!, rows: entry.rows, segment, entry };
        return held;
      }
    },
    async commit(read) {
      const { segment, entry } = read as Held<R>;
      if (entry.state === 'done') return;
      counts.replayed += entry.rows;
      if (segment.gone) return;
      finish(segment, entry);
      await enqueue(() => settle(segment));
    },
    rewind() {
      for (const s of segments) {
        for (let i = s.prefix; i < s.entries.length; i++) {
          const e = s.entries[i]!;
          if (e.state === 'reading') {
            e.state = 'waiting';
            unread++;
          }
        }
      }
    },
    stats,
    close() {
      closing ??= (async () => {
        await chain;
        for (const s of segments) {
          await Promise.all([s.writer?.close(), s.reader?.close()]);
          s.writer = s.reader = undefined;
        }
        await marker?.close();
        marker = undefined;
      })();
      return closing;
    },
  };
}

import type pg from 'pg';
import { inTransaction } from './pg-transaction.ts';

/**
 * Raw samples live in one partition per UTC day (`samples_YYYYMMDD`), created ahead by the
 * app, plus `samples_default` for timestamps no daily partition covers. Retention drops whole
 * days: O(1) however many rows they hold, and no table bloat for vacuum to chase.
 */

export const DAY_MS = 86_400_000;

/** Serialises partition creation and dropping across every process writing to the database. */
const lockPartitions = "SELECT pg_advisory_xact_lock(hashtextextended('linewatch:sample-partitions', 0))";

/**
 * Creating or dropping a partition takes an exclusive lock on `samples`, queued behind any
 * long read (an export): every later query on `samples` would queue behind it in turn. So it
 * waits this long at most, then gives up until `RETRY_MS` later; meanwhile samples of a day
 * without its partition go to the default one and move when the day is made.
 */
const LOCK_TIMEOUT = "SET LOCAL lock_timeout = '2s'";
const RETRY_MS = 60_000;
const LOCK_NOT_AVAILABLE = '55P03';
const isLockTimeout = (error: unknown) => (error as { code?: unknown }).code === LOCK_NOT_AVAILABLE;

export const dayOf = (ts: number) => Math.floor(ts / DAY_MS);
export const partitionName = (day: number) => `samples_${new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;

/** Per pool: the days known to have their partition (a write checks memory, not the catalog), and when to try again after a lock timeout. */
const poolState = new WeakMap<pg.Pool, { known: Set<number>; retryAt: number }>();

function stateOf(pool: pg.Pool): { known: Set<number>; retryAt: number } {
  let state = poolState.get(pool);
  if (!state) poolState.set(pool, (state = { known: new Set(), retryAt: 0 }));
  return state;
}

/** Daily partitions of `samples` with their [from, to) bounds, epoch ms (the default partition excluded). */
export async function listSamplePartitions(db: pg.Pool | pg.ClientBase): Promise<{ name: string; from: number; to: number }[]> {
  const { rows } = await db.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'samples'::regclass`,
  );
  const out: { name: string; from: number; to: number }[] = [];
  for (const { name, bound } of rows) {
    const m = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(bound);
    if (m) out.push({ name, from: Number(m[1]), to: Number(m[2]) });
  }
  return out.sort((a, b) => a.from - b.from);
}

/**
 * Creates the missing daily partitions for every day from `fromMs` to `toMs` (inclusive);
 * returns how many it created. See `ensureSampleDays`.
 */
export function ensureSamplePartitions(pool: pg.Pool, fromMs: number, toMs: number): Promise<number> {
  const days: number[] = [];
  for (let day = dayOf(fromMs); day <= dayOf(toMs); day++) days.push(day);
  return ensureSampleDays(pool, days);
}

/**
 * Creates the missing partitions of these days (UTC day numbers since the epoch); returns how
 * many it created. Idempotent and safe when several processes race (an advisory lock, then IF
 * NOT EXISTS); days this pool already made sure of cost nothing. Rows that went to the default
 * partition meanwhile move into their day's new partition (one cannot be created while the
 * default holds rows of its range). Gives up on a lock timeout (see LOCK_TIMEOUT), returning 0.
 */
export async function ensureSampleDays(pool: pg.Pool, days: Iterable<number>): Promise<number> {
  const state = stateOf(pool);
  const wanted = [...new Set(days)].filter((day) => !state.known.has(day));
  if (wanted.length === 0 || Date.now() < state.retryAt) return 0;
  const created = await inTransaction(pool, async (client) => {
    await client.query(LOCK_TIMEOUT);
    await client.query(lockPartitions);
    const existing = new Set((await listSamplePartitions(client)).map((p) => dayOf(p.from)));
    let n = 0;
    for (const day of wanted) {
      if (existing.has(day)) continue;
      const from = day * DAY_MS;
      const to = from + DAY_MS;
      const { rows } = await client.query<{ stray: boolean }>('SELECT EXISTS (SELECT 1 FROM samples_default WHERE ts >= $1 AND ts < $2) AS stray', [from, to]);
      const stray = rows[0]?.stray === true;
      if (stray) {
        await client.query(`CREATE TEMP TABLE samples_moving ON COMMIT DROP AS SELECT * FROM samples_default WHERE ts >= ${from} AND ts < ${to}`);
        await client.query('DELETE FROM samples_default WHERE ts >= $1 AND ts < $2', [from, to]);
      }
      await client.query(`CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF samples FOR VALUES FROM (${from}) TO (${to})`);
      if (stray) {
        await client.query('INSERT INTO samples SELECT * FROM samples_moving');
        await client.query('DROP TABLE samples_moving');
      }
      n++;
    }
    return n;
  }).catch((error: unknown) => {
    if (!isLockTimeout(error)) throw error;
    state.retryAt = Date.now() + RETRY_MS;
    return undefined;
  });
  if (created === undefined) return 0;
  for (const day of wanted) state.known.add(day);
  return created;
}

/**
 * Drops the daily partitions that hold only samples older than `beforeMs`; returns how many
 * (0 on a lock timeout: the next retention pass tries again). Samples of those days that sit
 * in the default partition stay for the row-wise prune.
 */
export async function dropSamplePartitionsBefore(pool: pg.Pool, beforeMs: number): Promise<number> {
  const dropped = await inTransaction(pool, async (client) => {
    await client.query(LOCK_TIMEOUT);
    await client.query(lockPartitions);
    const old = (await listSamplePartitions(client)).filter((p) => p.to <= beforeMs);
    for (const p of old) await client.query(`DROP TABLE IF EXISTS ${p.name}`);
    return old;
  }).catch((error: unknown) => {
    if (isLockTimeout(error)) return [];
    throw error;
  });
  const { known } = stateOf(pool);
  for (const p of dropped) known.delete(dayOf(p.from));
  return dropped.length;
}

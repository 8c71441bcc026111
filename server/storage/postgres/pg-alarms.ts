import type pg from 'pg';
import type { AlarmJournalEntry } from '../../../lib/alarms/alarm-types.ts';
import { type AlarmActivationDbRow, type AlarmEventRow, type AlarmStateRow, toActivation, toAlarmState, toJournalEntry } from '../rows/alarm-rows.ts';
import { type AlarmJournalQuery, type AlarmRepository, StoreBusyError, type StoredAlarmState } from '../store.ts';
import type { Migration } from './pg-migrate.ts';
import { inTransaction, parameters } from './pg-transaction.ts';
import { claimFences } from './pg-write-fences.ts';
import { withinFence } from '../rows/write-fences.ts';

export const postgresAlarmMigrations: Migration[] = [
  {
    id: 'alarms-1',
    sql: `-- Current state of every alarm that is not quiet (active, unacknowledged, shelved or out of service).
      CREATE TABLE alarms (
        id text PRIMARY KEY,
        active boolean NOT NULL,
        acked boolean NOT NULL,
        value double precision,
        quality text,
        active_since bigint,
        last_change bigint,
        ack_by text,
        ack_at bigint,
        ack_comment text,
        shelved_by text,
        shelved_at bigint,
        shelved_until bigint,
        shelved_reason text,
        oos_by text,
        oos_at bigint,
        oos_reason text,
        seq bigint NOT NULL
      );
      -- The journal: every transition, append-only (the trigger makes sure). Label and message
      -- are copied so the journal still reads right after the plant file changes. seq is
      -- assigned by the alarm engine, not by the database.
      CREATE TABLE alarm_events (
        seq bigint PRIMARY KEY,
        ts bigint NOT NULL,
        alarm_id text NOT NULL,
        line text NOT NULL,
        tag text,
        kind text NOT NULL,
        label text NOT NULL,
        message text NOT NULL,
        priority text NOT NULL,
        transition text NOT NULL,
        state text NOT NULL,
        value double precision,
        limit_value double precision,
        username text,
        comment text,
        suppressed boolean NOT NULL
      );
      CREATE INDEX alarm_events_ts ON alarm_events (ts);
      CREATE INDEX alarm_events_alarm ON alarm_events (alarm_id, seq);
      CREATE INDEX alarm_events_line ON alarm_events (line, seq);
      CREATE INDEX alarm_events_transition ON alarm_events (transition, ts);
      CREATE FUNCTION alarm_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the alarm journal is append-only';
      END $$;
      CREATE TRIGGER alarm_events_append_only BEFORE UPDATE OR DELETE ON alarm_events
        FOR EACH ROW EXECUTE FUNCTION alarm_events_append_only();`,
  },
  {
    id: 'alarms-2',
    sql: `-- The next journal seq no writer has reserved yet (see AlarmRepository.reserveSeqs); the row lock orders writers.
      CREATE TABLE alarm_seq (id integer PRIMARY KEY CHECK (id = 1), next bigint NOT NULL);
      INSERT INTO alarm_seq (id, next) SELECT 1, coalesce(max(seq), 0) + 1 FROM alarm_events;`,
  },
];

/**
 * Journal entries in one statement, whatever their number (an alarm flood): one array per
 * column, `unnest` turns them back into rows. A seq already there is a retry of a COMMIT
 * whose answer was lost on the network: written once, not refused forever.
 */
const insertEvents = `INSERT INTO alarm_events (seq, ts, alarm_id, line, tag, kind, label, message, priority, transition, state, value, limit_value, username, comment, suppressed)
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
    $10::text[], $11::text[], $12::float8[], $13::float8[], $14::text[], $15::text[], $16::boolean[])
  ON CONFLICT (seq) DO NOTHING`;

const stateColumns = [
  'active',
  'acked',
  'value',
  'quality',
  'active_since',
  'last_change',
  'ack_by',
  'ack_at',
  'ack_comment',
  'shelved_by',
  'shelved_at',
  'shelved_until',
  'shelved_reason',
  'oos_by',
  'oos_at',
  'oos_reason',
  'seq',
];

const upsertStates = `INSERT INTO alarms (id, ${stateColumns.join(', ')})
  SELECT * FROM unnest($1::text[], $2::boolean[], $3::boolean[], $4::float8[], $5::text[], $6::bigint[], $7::bigint[], $8::text[], $9::bigint[],
    $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::text[], $15::text[], $16::bigint[], $17::text[], $18::bigint[])
  ON CONFLICT (id) DO UPDATE SET ${stateColumns.map((c) => `${c} = excluded.${c}`).join(', ')}`;

/** One array per column of `rows`, in the order `columns` gives them. */
function columnArrays<T>(rows: readonly T[], columns: readonly ((row: T) => unknown)[]): unknown[][] {
  return columns.map((column) => rows.map(column));
}

const entryColumns: ((e: AlarmJournalEntry) => unknown)[] = [
  (e) => e.seq,
  (e) => e.ts,
  (e) => e.alarm,
  (e) => e.line,
  (e) => e.tag,
  (e) => e.kind,
  (e) => e.label,
  (e) => e.message,
  (e) => e.priority,
  (e) => e.transition,
  (e) => e.state,
  (e) => e.value,
  (e) => e.limit,
  (e) => e.user,
  (e) => e.comment,
  (e) => e.suppressed,
];

const stateValues: ((s: StoredAlarmState) => unknown)[] = [
  (s) => s.id,
  (s) => s.active,
  (s) => s.acked,
  (s) => s.value,
  (s) => s.quality,
  (s) => s.activeSince,
  (s) => s.lastChange,
  (s) => s.ack?.by ?? null,
  (s) => s.ack?.at ?? null,
  (s) => s.ack?.comment ?? null,
  (s) => s.shelved?.by ?? null,
  (s) => s.shelved?.at ?? null,
  (s) => s.shelved?.until ?? null,
  (s) => s.shelved?.reason ?? null,
  (s) => s.outOfService?.by ?? null,
  (s) => s.outOfService?.at ?? null,
  (s) => s.outOfService?.reason ?? null,
  (s) => s.seq,
];

/** How long a commit waits for a row another writer holds before it gives up as busy. */
const lockWaitMs = 2000;

/** Failures that wrote nothing and mean "another writer was in the way": retry, no error. */
const busyCodes = new Set(['55P03' /* lock_not_available */, '40P01' /* deadlock_detected */, '40001' /* serialization_failure */]);

/** `%`, `_` and the escape character itself taken literally in a LIKE pattern. */
const likeContains = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createPostgresAlarms(pool: pg.Pool): AlarmRepository {
  return {
    async loadStates() {
      // "C": byte order, as SQLite's, whatever the database's locale.
      const { rows } = await pool.query<AlarmStateRow>('SELECT * FROM alarms ORDER BY id COLLATE "C"');
      return rows.map(toAlarmState);
    },
    async raiseFence(fence) {
      const claimed = await inTransaction(pool, (client) => claimFences(client, [fence]));
      return claimed.get(fence.resource) === fence.token;
    },
    async commit(entries, states) {
      try {
        await inTransaction(pool, async (client) => {
          await client.query(`SET LOCAL lock_timeout = ${lockWaitMs}`);
          if (entries.length > 0) await client.query(insertEvents, columnArrays(entries, entryColumns));
          // Fence rows first, then alarm rows (every writer in that order). A state under an
          // older lease token than its line's fence is a former owner's: skipped.
          const fences = await claimFences(
            client,
            states.flatMap((s) => (s.fence ? [s.fence] : [])),
          );
          // The last change of each alarm decides (as applying them one by one would); in id
          // order, so two writers lock the same rows in the same order.
          const last = new Map(states.filter((s) => withinFence(s.fence, fences)).map((s) => [s.state.id, s]));
          const changes = [...last.values()].sort((a, b) => (a.state.id < b.state.id ? -1 : a.state.id > b.state.id ? 1 : 0));
          const kept = changes.filter((c) => c.keep).map((c) => c.state);
          const dropped = changes.filter((c) => !c.keep).map((c) => c.state.id);
          if (dropped.length > 0) await client.query('DELETE FROM alarms WHERE id = ANY($1::text[])', [dropped]);
          if (kept.length > 0) await client.query(upsertStates, columnArrays(kept, stateValues));
        });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && busyCodes.has(code)) throw new StoreBusyError('alarm commit: another writer held the rows', { cause: error });
        throw error;
      }
    },
    async journal(q: AlarmJournalQuery) {
      const { values, p } = parameters();
      const where: string[] = [];
      if (q.line) where.push(`line = ${p(q.line)}`);
      if (q.alarm) where.push(`alarm_id = ${p(q.alarm)}`);
      if (q.tag) {
        const pattern = p(likeContains(q.tag));
        where.push(`(alarm_id ILIKE ${pattern} ESCAPE '\\' OR label ILIKE ${pattern} ESCAPE '\\')`);
      }
      if (q.priority) where.push(`priority = ${p(q.priority)}`);
      if (q.transition) where.push(`transition = ${p(q.transition)}`);
      if (q.user) where.push(`lower(username) = lower(${p(q.user)})`);
      if (q.from !== undefined) where.push(`ts >= ${p(q.from)}`);
      if (q.to !== undefined) where.push(`ts <= ${p(q.to)}`);
      if (q.before !== undefined) where.push(`seq < ${p(q.before)}`);
      const sql = `SELECT * FROM alarm_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${p(q.limit)}`;
      const { rows } = await pool.query<AlarmEventRow>(sql, values);
      return rows.map(toJournalEntry);
    },
    async activations(from, to) {
      const { rows } = await pool.query<AlarmActivationDbRow>(
        `SELECT ts, alarm_id, message, line, priority, suppressed FROM alarm_events
         WHERE transition = 'raised' AND ts >= $1 AND ts < $2 ORDER BY ts, seq`,
        [from, to],
      );
      return rows.map(toActivation);
    },
    async lastSeq() {
      const { rows } = await pool.query<{ seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM alarm_events');
      return rows[0]!.seq;
    },
    async reserveSeqs(count) {
      // Above every seq written too, whoever wrote it (an older version numbered without blocks).
      const { rows } = await pool.query<{ first: number }>(
        'UPDATE alarm_seq SET next = GREATEST(next, (SELECT coalesce(max(seq), 0) + 1 FROM alarm_events)) + $1 WHERE id = 1 RETURNING next - $1 AS first',
        [count],
      );
      return rows[0]!.first;
    },
  };
}

import type Database from 'better-sqlite3';
import type { Synchronous } from './promised.ts';
import type { AlarmJournalEntry } from '../../../lib/alarms/alarm-types.ts';
import { type AlarmActivationDbRow, type AlarmEventRow, type AlarmStateRow, toActivation, toAlarmState, toJournalEntry } from '../rows/alarm-rows.ts';
import { type AlarmActivationRow, type AlarmJournalQuery, type AlarmRepository, type AlarmStateWrite, StoreBusyError } from '../store.ts';
import type { Migration } from './migrate.ts';
import { fenceClaimer } from './write-fences.ts';
import { withinFence } from '../rows/write-fences.ts';

export const alarmMigrations: Migration[] = [
  {
    id: 'alarms-1',
    sql: `-- Current state of every alarm that is not quiet (active, unacknowledged, shelved or out of service).
      CREATE TABLE alarms (
        id TEXT PRIMARY KEY,
        active INTEGER NOT NULL,
        acked INTEGER NOT NULL,
        value REAL,
        quality TEXT,
        active_since INTEGER,
        last_change INTEGER,
        ack_by TEXT,
        ack_at INTEGER,
        ack_comment TEXT,
        shelved_by TEXT,
        shelved_at INTEGER,
        shelved_until INTEGER,
        shelved_reason TEXT,
        oos_by TEXT,
        oos_at INTEGER,
        oos_reason TEXT,
        seq INTEGER NOT NULL
      ) WITHOUT ROWID;
      -- The journal: every transition, append-only (the triggers make sure). Label and message
      -- are copied so the journal still reads right after the plant file changes.
      CREATE TABLE alarm_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        ts INTEGER NOT NULL,
        alarm_id TEXT NOT NULL,
        line TEXT NOT NULL,
        tag TEXT,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        message TEXT NOT NULL,
        priority TEXT NOT NULL,
        transition TEXT NOT NULL,
        state TEXT NOT NULL,
        value REAL,
        limit_value REAL,
        username TEXT,
        comment TEXT,
        suppressed INTEGER NOT NULL
      );
      CREATE INDEX alarm_events_ts ON alarm_events(ts);
      CREATE INDEX alarm_events_alarm ON alarm_events(alarm_id, seq);
      CREATE INDEX alarm_events_line ON alarm_events(line, seq);
      CREATE INDEX alarm_events_transition ON alarm_events(transition, ts);
      CREATE TRIGGER alarm_events_no_update BEFORE UPDATE ON alarm_events BEGIN SELECT RAISE(ABORT, 'the alarm journal is append-only'); END;
      CREATE TRIGGER alarm_events_no_delete BEFORE DELETE ON alarm_events BEGIN SELECT RAISE(ABORT, 'the alarm journal is append-only'); END;`,
  },
  {
    id: 'alarms-2',
    sql: `-- The next journal seq no writer has reserved yet (see AlarmRepository.reserveSeqs).
      CREATE TABLE alarm_seq (id INTEGER PRIMARY KEY CHECK (id = 1), next INTEGER NOT NULL);
      INSERT INTO alarm_seq (id, next) SELECT 1, coalesce(max(seq), 0) + 1 FROM alarm_events;`,
  },
];

const selectActivationsSql = `SELECT ts, alarm_id, message, line, priority, suppressed FROM alarm_events WHERE transition = 'raised' AND ts >= ? AND ts < ? ORDER BY ts`;
const selectLastSeqSql = 'SELECT max(seq) AS seq FROM alarm_events';

/**
 * `raised` entries with from ≤ ts < to, oldest first, and the journal's last seq, read in one
 * transaction (one snapshot). For a connection of its own: the query workers' read-only one.
 */
export function createActivationReader(db: Database.Database): (from: number, to: number) => { activations: AlarmActivationRow[]; lastSeq: number } {
  const selectActivations = db.prepare<[number, number], AlarmActivationDbRow>(selectActivationsSql);
  const selectLastSeq = db.prepare<[], { seq: number | null }>(selectLastSeqSql);
  return db.transaction((from: number, to: number) => ({
    activations: selectActivations.all(from, to).map(toActivation),
    lastSeq: selectLastSeq.get()?.seq ?? 0,
  }));
}

/** `%`, `_` and the escape character itself taken literally in a LIKE pattern. */
const likeContains = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Alarm state and journal. Reads use the store's connection `db`; writes use `writer`, a
 * connection of their own whose busy timeout is 0: the engine writes from the main thread,
 * and while another connection (the historian's worker) holds SQLite's one write lock a
 * commit fails at once with a StoreBusyError (the engine retries) instead of stalling the
 * event loop.
 */
export function createSqliteAlarms(db: Database.Database, writer: Database.Database): Synchronous<AlarmRepository> {
  const selectStates = db.prepare<[], AlarmStateRow>('SELECT * FROM alarms ORDER BY id');
  // A seq already there was written by an earlier try of the same commit (its answer lost).
  const insertEvent = writer.prepare<
    [
      number,
      number,
      string,
      string,
      string | null,
      string,
      string,
      string,
      string,
      string,
      string,
      number | null,
      number | null,
      string | null,
      string | null,
      number,
    ]
  >(
    `INSERT INTO alarm_events (seq, ts, alarm_id, line, tag, kind, label, message, priority, transition, state, value, limit_value, username, comment, suppressed)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (seq) DO NOTHING`,
  );
  const upsertState = writer.prepare(
    `INSERT OR REPLACE INTO alarms (id, active, acked, value, quality, active_since, last_change, ack_by, ack_at, ack_comment,
       shelved_by, shelved_at, shelved_until, shelved_reason, oos_by, oos_at, oos_reason, seq)
     VALUES (@id, @active, @acked, @value, @quality, @activeSince, @lastChange, @ackBy, @ackAt, @ackComment,
       @shelvedBy, @shelvedAt, @shelvedUntil, @shelvedReason, @oosBy, @oosAt, @oosReason, @seq)`,
  );
  const deleteState = writer.prepare<[string]>('DELETE FROM alarms WHERE id = ?');
  const selectActivations = db.prepare<[number, number], AlarmActivationDbRow>(selectActivationsSql);
  const selectLastSeq = db.prepare<[], { seq: number | null }>(selectLastSeqSql);
  // Rare (once per block) and short: on the main connection, which may wait for the lock.
  // Above every seq written too, whoever wrote it (an older version numbered without blocks).
  const reserve = db.prepare<[number, number], { first: number }>(
    'UPDATE alarm_seq SET next = max(next, (SELECT coalesce(max(seq), 0) + 1 FROM alarm_events)) + ? WHERE id = 1 RETURNING next - ? AS first',
  );

  const claimFences = fenceClaimer(writer);
  const raiseFence = fenceClaimer(db);

  const write = writer.transaction((entries: readonly AlarmJournalEntry[], states: readonly AlarmStateWrite[]) => {
    for (const e of entries) {
      insertEvent.run(
        e.seq,
        e.ts,
        e.alarm,
        e.line,
        e.tag,
        e.kind,
        e.label,
        e.message,
        e.priority,
        e.transition,
        e.state,
        e.value,
        e.limit,
        e.user,
        e.comment,
        e.suppressed ? 1 : 0,
      );
    }
    // A state under an older lease token than its line's fence: a former owner's, skipped.
    const fences = claimFences(states.flatMap((s) => (s.fence ? [s.fence] : [])));
    for (const { state: s, keep } of states.filter((write) => withinFence(write.fence, fences))) {
      if (!keep) {
        deleteState.run(s.id);
        continue;
      }
      upsertState.run({
        id: s.id,
        active: s.active ? 1 : 0,
        acked: s.acked ? 1 : 0,
        value: s.value,
        quality: s.quality,
        activeSince: s.activeSince,
        lastChange: s.lastChange,
        ackBy: s.ack?.by ?? null,
        ackAt: s.ack?.at ?? null,
        ackComment: s.ack?.comment ?? null,
        shelvedBy: s.shelved?.by ?? null,
        shelvedAt: s.shelved?.at ?? null,
        shelvedUntil: s.shelved?.until ?? null,
        shelvedReason: s.shelved?.reason ?? null,
        oosBy: s.outOfService?.by ?? null,
        oosAt: s.outOfService?.at ?? null,
        oosReason: s.outOfService?.reason ?? null,
        seq: s.seq,
      });
    }
  });

  return {
    loadStates: () => selectStates.all().map(toAlarmState),
    commit(entries, states) {
      try {
        // IMMEDIATE takes the write lock first: busy fails right there, before any work.
        write.immediate(entries, states);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'SQLITE_BUSY') throw new StoreBusyError('the alarm journal is busy (another writer holds the database)');
        throw error;
      }
    },
    journal(q: AlarmJournalQuery) {
      const where: string[] = [];
      const values: (string | number)[] = [];
      if (q.line) where.push('line = ?'), values.push(q.line);
      if (q.alarm) where.push('alarm_id = ?'), values.push(q.alarm);
      if (q.tag) where.push(`(alarm_id LIKE ? ESCAPE '\\' OR label LIKE ? ESCAPE '\\')`), values.push(likeContains(q.tag), likeContains(q.tag));
      if (q.priority) where.push('priority = ?'), values.push(q.priority);
      if (q.transition) where.push('transition = ?'), values.push(q.transition);
      if (q.user) where.push('username = ? COLLATE NOCASE'), values.push(q.user);
      if (q.from !== undefined) where.push('ts >= ?'), values.push(q.from);
      if (q.to !== undefined) where.push('ts <= ?'), values.push(q.to);
      if (q.before !== undefined) where.push('seq < ?'), values.push(q.before);
      const sql = `SELECT * FROM alarm_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
      return db
        .prepare<(string | number)[], AlarmEventRow>(sql)
        .all(...values, q.limit)
        .map(toJournalEntry);
    },
    activations: (from, to) => selectActivations.all(from, to).map(toActivation),
    lastSeq: () => selectLastSeq.get()?.seq ?? 0,
    reserveSeqs: (count) => reserve.get(count, count)!.first,
    raiseFence: (fence) => raiseFence([fence]).get(fence.resource) === fence.token,
  };
}

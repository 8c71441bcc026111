import type Database from 'better-sqlite3';
import type { Synchronous } from './promised.ts';
import { type AuditRow, type SessionRow, toAuditEntry, toSession, toUser, type UserRow } from '../rows/auth-rows.ts';
import { flag } from '../rows/values.ts';
import type { AuditQuery, AuditRepository, SessionRepository, UserRepository } from '../store.ts';
import { ConflictError, ForbiddenError } from '../../../lib/errors.ts';
import type { Migration } from './migrate.ts';
import type { DeferredWrites } from './deferred-writes.ts';

/** The message of the trigger that keeps the last active admin. */
const lastAdmin = 'LW_LAST_ADMIN: there must be at least one active admin';

export const authMigrations: Migration[] = [
  {
    id: 'auth-1',
    sql: `CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        disabled INTEGER NOT NULL DEFAULT 0,
        kiosk INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        ip TEXT NOT NULL,
        user_agent TEXT NOT NULL
      );
      CREATE INDEX sessions_user ON sessions(user_id);
      -- Append-only: no code path updates or deletes audit rows; the triggers make sure.
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        username TEXT,
        ip TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        result TEXT NOT NULL,
        detail TEXT
      );
      CREATE INDEX audit_ts ON audit(ts);
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;`,
  },
  {
    id: 'auth-2',
    // At least one active admin, enforced by the database itself: a change that removes the
    // last one fails inside its own transaction, whichever process or connection makes it.
    // Audit rows may go for retention, never one younger than a day.
    sql: `CREATE TRIGGER users_keep_admin AFTER UPDATE OF role, disabled ON users
        WHEN OLD.role = 'admin' AND OLD.disabled = 0 AND (NEW.role <> 'admin' OR NEW.disabled <> 0)
          AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0)
        BEGIN SELECT RAISE(ABORT, '${lastAdmin}'); END;
      CREATE TRIGGER users_keep_admin_on_delete AFTER DELETE ON users
        WHEN OLD.role = 'admin' AND OLD.disabled = 0 AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0)
        BEGIN SELECT RAISE(ABORT, '${lastAdmin}'); END;
      DROP TRIGGER audit_no_delete;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        WHEN OLD.ts > CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - 86400000
        BEGIN SELECT RAISE(ABORT, 'audit rows younger than a day are kept'); END;`,
  },
  {
    id: 'auth-3',
    // A row's key (AuditEntry.key) is written once: a retry or a replayed spool writes nothing new.
    sql: `ALTER TABLE audit ADD COLUMN write_key TEXT;
      CREATE UNIQUE INDEX audit_write_key ON audit(write_key);`,
  },
];

export function createSqliteUsers(db: Database.Database): Synchronous<UserRepository> {
  const byName = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
  const byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
  const all = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username');
  const insert = db.prepare<[string, string, string, number, number]>(
    'INSERT INTO users (username, password_hash, role, kiosk, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  return {
    count: () => (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n,
    byName: (username) => {
      const r = byName.get(username);
      return r && toUser(r);
    },
    byId: (id) => {
      const r = byId.get(id);
      return r && toUser(r);
    },
    list: () => all.all().map(toUser),
    create(user) {
      try {
        const id = Number(insert.run(user.username, user.passwordHash, user.role, user.kiosk ? 1 : 0, Date.now()).lastInsertRowid);
        return toUser(byId.get(id)!);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new ConflictError(`user "${user.username}" exists`, { field: 'username' });
        throw error;
      }
    },
    update(id, changes, options = {}) {
      const sets: string[] = [];
      const values: (string | number)[] = [];
      if (changes.role !== undefined) sets.push('role = ?'), values.push(changes.role);
      if (changes.disabled !== undefined) sets.push('disabled = ?'), values.push(changes.disabled ? 1 : 0);
      if (changes.kiosk !== undefined) sets.push('kiosk = ?'), values.push(changes.kiosk ? 1 : 0);
      if (changes.passwordHash !== undefined) sets.push('password_hash = ?'), values.push(changes.passwordHash);
      // IMMEDIATE: the write lock from the start, so what is checked is what gets changed.
      return db
        .transaction(() => {
          if (options.actorId !== undefined) {
            const actor = byId.get(options.actorId);
            if (actor?.role !== 'admin' || flag(actor.disabled)) throw new ForbiddenError('you are no longer an active admin');
          }
          try {
            if (sets.length > 0) db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
          } catch (error) {
            if ((error as Error).message !== lastAdmin) throw error;
            throw new ConflictError('there must be at least one active admin', { field: changes.disabled ? 'disabled' : 'role', cause: error });
          }
          const r = byId.get(id);
          return r && toUser(r);
        })
        .immediate();
    },
  };
}

/** `deferred`: where last-seen updates go (they must never make a request wait for the write lock). */
export function createSqliteSessions(db: Database.Database, writer: Database.Database, deferred: DeferredWrites): Synchronous<SessionRepository> {
  const get = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id_hash = ?');
  const insert = db.prepare<[string, number, number, number, string, string]>(
    'INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const touch = writer.prepare<[number, string]>('UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE id_hash = ?');
  const remove = db.prepare<[string]>('DELETE FROM sessions WHERE id_hash = ?');
  const ofUser = db.prepare<[number], SessionRow>('SELECT * FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC');
  const removeOfUser = db.prepare<[number]>('DELETE FROM sessions WHERE user_id = ?');
  const expire = db.prepare<[number, number]>('DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?');
  return {
    get: (idHash) => {
      const r = get.get(idHash);
      return r && toSession(r);
    },
    create: (s) => void insert.run(s.idHash, s.userId, s.createdAt, s.lastSeenAt, s.ip, s.userAgent),
    touch: (idHash, at) => deferred.run(() => touch.run(at, idHash)),
    delete: (idHash) => void remove.run(idHash),
    ofUser: (userId) => ofUser.all(userId).map(toSession),
    deleteOfUser: (userId) => void removeOfUser.run(userId),
    deleteExpired: (idleBefore, createdBefore) => expire.run(idleBefore, createdBefore).changes,
  };
}

/** Rows are appended through `deferred` (in order, never waiting for the write lock); queries read `db`. */
export function createSqliteAudit(db: Database.Database, writer: Database.Database, deferred: DeferredWrites): Synchronous<AuditRepository> {
  const insert = writer.prepare<[number, string | null, string, string, string | null, string, string | null, string | null]>(
    'INSERT INTO audit (ts, username, ip, action, target, result, detail, write_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (write_key) DO NOTHING',
  );
  const prune = db.prepare<[number, number]>('DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE ts < ? ORDER BY ts LIMIT ?)');
  return {
    append: (e) => deferred.run(() => insert.run(e.ts, e.username, e.ip, e.action, e.target, e.result, e.detail, e.key ?? null)),
    prune: (before, maxRows) => prune.run(before, maxRows).changes,
    query(q: AuditQuery) {
      const where: string[] = [];
      const values: (string | number)[] = [];
      if (q.username) where.push('username = ?'), values.push(q.username);
      if (q.action) where.push('action = ?'), values.push(q.action);
      if (q.from !== undefined) where.push('ts >= ?'), values.push(q.from);
      if (q.to !== undefined) where.push('ts <= ?'), values.push(q.to);
      if (q.before !== undefined) where.push('id < ?'), values.push(q.before);
      const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return db
        .prepare<(string | number)[], AuditRow>(sql)
        .all(...values, q.limit)
        .map(toAuditEntry);
    },
  };
}

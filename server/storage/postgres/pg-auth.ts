import type pg from 'pg';
import { ConflictError, ForbiddenError } from '../../../lib/errors.ts';
import { type AuditRow, type SessionRow, toAuditEntry, toSession, toUser, type UserRow } from '../rows/auth-rows.ts';
import type { AuditQuery, AuditRepository, SessionRepository, UserRepository } from '../store.ts';
import type { Migration } from './pg-migrate.ts';
import { inTransaction, parameters } from './pg-transaction.ts';

/** The message of the trigger that keeps the last active admin. */
const lastAdmin = 'LW_LAST_ADMIN: there must be at least one active admin';

/**
 * Taken by every change that may remove an active admin (the repository first, the trigger
 * again): such changes run one at a time, and each checks what the previous one committed.
 * A trigger alone would not do under READ COMMITTED: two transactions demoting two different
 * admins would each still see the other one active.
 */
const lockAdmins = "pg_advisory_xact_lock(hashtextextended('linewatch:active-admins', 0))";

export const postgresAuthMigrations: Migration[] = [
  {
    id: 'auth-1',
    sql: `CREATE TABLE users (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        disabled boolean NOT NULL DEFAULT false,
        kiosk boolean NOT NULL DEFAULT false,
        created_at bigint NOT NULL
      );
      -- Usernames are unique and looked up regardless of case (SQLite: COLLATE NOCASE).
      CREATE UNIQUE INDEX users_username ON users (lower(username));

      CREATE FUNCTION users_keep_admin() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM ${lockAdmins};
        -- A statement of its own, so a fresh snapshot: it sees what the lock's last holder committed.
        IF NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND NOT disabled AND id <> OLD.id) THEN
          RAISE EXCEPTION '${lastAdmin}' USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER users_keep_admin BEFORE UPDATE OF role, disabled ON users FOR EACH ROW
        WHEN (OLD.role = 'admin' AND NOT OLD.disabled AND (NEW.role <> 'admin' OR NEW.disabled))
        EXECUTE FUNCTION users_keep_admin();
      CREATE TRIGGER users_keep_admin_on_delete BEFORE DELETE ON users FOR EACH ROW
        WHEN (OLD.role = 'admin' AND NOT OLD.disabled)
        EXECUTE FUNCTION users_keep_admin();

      CREATE TABLE sessions (
        id_hash text PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at bigint NOT NULL,
        last_seen_at bigint NOT NULL,
        ip text NOT NULL,
        user_agent text NOT NULL
      );
      CREATE INDEX sessions_user ON sessions (user_id);

      -- Append-only: no code path updates audit rows; retention may delete them, never one
      -- younger than a day. The triggers make sure, whoever asks.
      CREATE TABLE audit (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ts bigint NOT NULL,
        username text,
        ip text NOT NULL,
        action text NOT NULL,
        target text,
        result text NOT NULL,
        detail text
      );
      CREATE INDEX audit_ts ON audit (ts);
      CREATE FUNCTION audit_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit is append-only';
      END $$;
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW EXECUTE FUNCTION audit_no_update();
      CREATE FUNCTION audit_keep_recent() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.ts > (extract(epoch FROM clock_timestamp()) * 1000)::bigint - 86400000 THEN
          RAISE EXCEPTION 'audit rows younger than a day are kept';
        END IF;
        RETURN OLD;
      END $$;
      CREATE TRIGGER audit_keep_recent BEFORE DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_keep_recent();`,
  },
  {
    id: 'auth-2',
    // A row's key (AuditEntry.key) is written once: a retry or a replayed spool writes nothing new.
    sql: `ALTER TABLE audit ADD COLUMN write_key text;
      CREATE UNIQUE INDEX audit_write_key ON audit (write_key);`,
  },
];

export function createPostgresUsers(pool: pg.Pool): UserRepository {
  const byId = async (db: pg.Pool | pg.PoolClient, id: number) => {
    const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] && toUser(rows[0]);
  };
  return {
    async count() {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*) AS n FROM users');
      return rows[0]!.n;
    },
    async byName(username) {
      const { rows } = await pool.query<UserRow>('SELECT * FROM users WHERE lower(username) = lower($1)', [username]);
      return rows[0] && toUser(rows[0]);
    },
    byId: (id) => byId(pool, id),
    async list() {
      // "C": byte order after case folding, as SQLite's NOCASE, whatever the database's locale.
      const { rows } = await pool.query<UserRow>('SELECT * FROM users ORDER BY lower(username) COLLATE "C", id');
      return rows.map(toUser);
    },
    async create(user) {
      try {
        const { rows } = await pool.query<UserRow>(
          'INSERT INTO users (username, password_hash, role, kiosk, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
          [user.username, user.passwordHash, user.role, user.kiosk ?? false, Date.now()],
        );
        return toUser(rows[0]!);
      } catch (error) {
        // Two web instances creating the same name at once: the second is told, not given a 500.
        if ((error as { code?: unknown }).code === '23505') throw new ConflictError(`user "${user.username}" exists`, { field: 'username' });
        throw error;
      }
    },
    update(id, changes, options = {}) {
      const { values, p } = parameters();
      const sets: string[] = [];
      if (changes.role !== undefined) sets.push(`role = ${p(changes.role)}`);
      if (changes.disabled !== undefined) sets.push(`disabled = ${p(changes.disabled)}`);
      if (changes.kiosk !== undefined) sets.push(`kiosk = ${p(changes.kiosk)}`);
      if (changes.passwordHash !== undefined) sets.push(`password_hash = ${p(changes.passwordHash)}`);
      return inTransaction(pool, async (client) => {
        // First, before any row lock: what is checked below is what the change applies to.
        await client.query(`SELECT ${lockAdmins}`);
        if (options.actorId !== undefined) {
          const actor = await byId(client, options.actorId);
          if (actor?.role !== 'admin' || actor.disabled) throw new ForbiddenError('you are no longer an active admin');
        }
        try {
          if (sets.length > 0) await client.query(`UPDATE users SET ${sets.join(', ')} WHERE id = ${p(id)}`, values);
        } catch (error) {
          if ((error as Error).message !== lastAdmin) throw error;
          throw new ConflictError('there must be at least one active admin', { field: changes.disabled ? 'disabled' : 'role', cause: error });
        }
        return byId(client, id);
      });
    },
  };
}

export function createPostgresSessions(pool: pg.Pool): SessionRepository {
  return {
    async get(idHash) {
      const { rows } = await pool.query<SessionRow>('SELECT * FROM sessions WHERE id_hash = $1', [idHash]);
      return rows[0] && toSession(rows[0]);
    },
    async create(s) {
      await pool.query('INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6)', [
        s.idHash,
        s.userId,
        s.createdAt,
        s.lastSeenAt,
        s.ip,
        s.userAgent,
      ]);
    },
    async touch(idHash, at) {
      // GREATEST: touches from several web instances may arrive out of order.
      await pool.query('UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $1) WHERE id_hash = $2', [at, idHash]);
    },
    async delete(idHash) {
      await pool.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
    },
    async ofUser(userId) {
      const { rows } = await pool.query<SessionRow>('SELECT * FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC', [userId]);
      return rows.map(toSession);
    },
    async deleteOfUser(userId) {
      await pool.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
    },
    async deleteExpired(idleBefore, createdBefore) {
      const r = await pool.query('DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2', [idleBefore, createdBefore]);
      return r.rowCount ?? 0;
    },
  };
}

export interface PostgresAudit extends AuditRepository {
  /** Resolves once every append made so far has settled (for close). */
  settled(): Promise<void>;
}

export function createPostgresAudit(pool: pg.Pool): PostgresAudit {
  // Appends are written one after the other, in call order: on a pool, two appends started
  // together could otherwise commit (and take their ids) in either order.
  let tail: Promise<unknown> = Promise.resolve();
  return {
    append(e) {
      const written = tail.then(async () => {
        await pool.query(
          'INSERT INTO audit (ts, username, ip, action, target, result, detail, write_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (write_key) DO NOTHING',
          [e.ts, e.username, e.ip, e.action, e.target, e.result, e.detail, e.key ?? null],
        );
      });
      tail = written.catch(() => {});
      return written;
    },
    settled: () => tail.then(() => {}),
    async prune(before, maxRows) {
      const r = await pool.query('DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE ts < $1 ORDER BY ts LIMIT $2)', [before, maxRows]);
      return r.rowCount ?? 0;
    },
    async query(q: AuditQuery) {
      const { values, p } = parameters();
      const where: string[] = [];
      if (q.username) where.push(`username = ${p(q.username)}`);
      if (q.action) where.push(`action = ${p(q.action)}`);
      if (q.from !== undefined) where.push(`ts >= ${p(q.from)}`);
      if (q.to !== undefined) where.push(`ts <= ${p(q.to)}`);
      if (q.before !== undefined) where.push(`id < ${p(q.before)}`);
      const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${p(q.limit)}`;
      const { rows } = await pool.query<AuditRow>(sql, values);
      return rows.map(toAuditEntry);
    },
  };
}

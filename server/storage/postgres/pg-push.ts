import type pg from 'pg';
import { type PushRow, toPushRecord, toPushValues, toVapidKeys, type VapidRow } from '../rows/push-rows.ts';
import type { PushRepository } from '../store.ts';
import type { Migration } from './pg-migrate.ts';
import { inTransaction } from './pg-transaction.ts';

export const postgresPushMigrations: Migration[] = [
  {
    id: 'push-1',
    sql: `CREATE TABLE push_subscriptions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        endpoint text NOT NULL UNIQUE,
        p256dh text NOT NULL,
        auth text NOT NULL,
        -- JSON array of line ids, NULL = every line.
        lines jsonb,
        min_priority text NOT NULL CHECK (min_priority IN ('critical', 'high', 'medium', 'low')),
        user_agent text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        last_success_at bigint,
        last_error text,
        -- The sign-in session that subscribed: signing out there removes the device's subscription.
        session_hash text
      );
      CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
      -- One row: the server's VAPID key pair, made on first start.
      CREATE TABLE push_vapid (
        id integer PRIMARY KEY CHECK (id = 1),
        public_key text NOT NULL,
        private_key text NOT NULL,
        created_at bigint NOT NULL
      );`,
  },
];

const selectByEndpoint = 'SELECT * FROM push_subscriptions WHERE endpoint = $1';

export function createPostgresPush(pool: pg.Pool): PushRepository {
  return {
    async all() {
      const { rows } = await pool.query<PushRow>('SELECT * FROM push_subscriptions ORDER BY id');
      return rows.map(toPushRecord);
    },
    async byEndpoint(endpoint) {
      const { rows } = await pool.query<PushRow>(selectByEndpoint, [endpoint]);
      return rows[0] && toPushRecord(rows[0]);
    },
    upsert(sub, at) {
      // One transaction: the row the upsert inserted or locked is the row read back.
      return inTransaction(pool, async (client) => {
        await client.query(
          `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, lines, min_priority, user_agent, session_hash, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $9)
           ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth,
             lines = excluded.lines, min_priority = excluded.min_priority, user_agent = excluded.user_agent,
             session_hash = excluded.session_hash, updated_at = excluded.updated_at, last_error = NULL
           -- Never re-owned: another user's endpoint is left as it is (the caller sees the owner and refuses).
           WHERE push_subscriptions.user_id = excluded.user_id`,
          [...toPushValues(sub), at],
        );
        const { rows } = await client.query<PushRow>(selectByEndpoint, [sub.endpoint]);
        return toPushRecord(rows[0]!);
      });
    },
    async delete(id) {
      const r = await pool.query('DELETE FROM push_subscriptions WHERE id = $1', [id]);
      return (r.rowCount ?? 0) > 0;
    },
    async recordResult(id, result) {
      if (result.error === null) await pool.query('UPDATE push_subscriptions SET last_success_at = $1, last_error = NULL WHERE id = $2', [result.at, id]);
      else await pool.query('UPDATE push_subscriptions SET last_error = $1 WHERE id = $2', [result.error.slice(0, 300), id]);
    },
    async vapidKeys() {
      const { rows } = await pool.query<VapidRow>('SELECT * FROM push_vapid WHERE id = 1');
      const r = rows[0];
      return r && toVapidKeys(r);
    },
    async keepVapidKeys(keys) {
      await pool.query('INSERT INTO push_vapid (id, public_key, private_key, created_at) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING', [
        keys.publicKey,
        keys.privateKey,
        keys.createdAt,
      ]);
      const { rows } = await pool.query<VapidRow>('SELECT * FROM push_vapid WHERE id = 1');
      return toVapidKeys(rows[0]!);
    },
  };
}

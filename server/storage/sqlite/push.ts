import type Database from 'better-sqlite3';
import type { Synchronous } from './promised.ts';
import { type PushRow, toPushRecord, toPushValues, toVapidKeys, type VapidRow } from '../rows/push-rows.ts';
import type { PushRepository } from '../store.ts';
import type { Migration } from './migrate.ts';

export const pushMigrations: Migration[] = [
  {
    id: 'push-1',
    sql: `CREATE TABLE push_subscriptions (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        endpoint TEXT NOT NULL UNIQUE,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        -- JSON array of line ids, NULL = every line.
        lines TEXT,
        min_priority TEXT NOT NULL CHECK (min_priority IN ('critical', 'high', 'medium', 'low')),
        user_agent TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_success_at INTEGER,
        last_error TEXT
      );
      CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id);
      -- One row: the server's VAPID key pair, made on first start.
      CREATE TABLE push_vapid (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        public_key TEXT NOT NULL,
        private_key TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );`,
  },
  {
    // The sign-in session that subscribed: signing out there removes the device's subscription.
    id: 'push-2-session',
    sql: 'ALTER TABLE push_subscriptions ADD COLUMN session_hash TEXT',
  },
];

export function createSqlitePush(db: Database.Database): Synchronous<PushRepository> {
  const all = db.prepare<[], PushRow>('SELECT * FROM push_subscriptions ORDER BY id');
  const byEndpoint = db.prepare<[string], PushRow>('SELECT * FROM push_subscriptions WHERE endpoint = ?');
  const upsert = db.prepare<[number, string, string, string, string | null, string, string, string | null, number, number]>(
    `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, lines, min_priority, user_agent, session_hash, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth,
       lines = excluded.lines, min_priority = excluded.min_priority, user_agent = excluded.user_agent,
       session_hash = excluded.session_hash, updated_at = excluded.updated_at, last_error = NULL
     -- Never re-owned: another user's endpoint is left as it is (the caller sees the owner and refuses).
     WHERE push_subscriptions.user_id = excluded.user_id`,
  );
  const remove = db.prepare<[number]>('DELETE FROM push_subscriptions WHERE id = ?');
  const success = db.prepare<[number, number]>('UPDATE push_subscriptions SET last_success_at = ?, last_error = NULL WHERE id = ?');
  const failure = db.prepare<[string, number]>('UPDATE push_subscriptions SET last_error = ? WHERE id = ?');
  const vapid = db.prepare<[], VapidRow>('SELECT * FROM push_vapid WHERE id = 1');
  const saveVapid = db.prepare<[string, string, number]>(
    'INSERT INTO push_vapid (id, public_key, private_key, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
  );

  return {
    all: () => all.all().map(toPushRecord),
    byEndpoint(endpoint) {
      const r = byEndpoint.get(endpoint);
      return r && toPushRecord(r);
    },
    upsert(sub, at) {
      upsert.run(...toPushValues(sub), at, at);
      return toPushRecord(byEndpoint.get(sub.endpoint)!);
    },
    delete: (id) => remove.run(id).changes > 0,
    recordResult(id, result) {
      if (result.error === null) success.run(result.at, id);
      else failure.run(result.error.slice(0, 300), id);
    },
    vapidKeys() {
      const r = vapid.get();
      return r && toVapidKeys(r);
    },
    keepVapidKeys(keys) {
      saveVapid.run(keys.publicKey, keys.privateKey, keys.createdAt);
      return toVapidKeys(vapid.get()!);
    },
  };
}

import type Database from 'better-sqlite3';
import type { AlarmPriority } from '../../../lib/alarms/alarm-types.ts';
import type { PushRepository, PushSubscriptionRecord, VapidKeys } from '../store.ts';
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

type Row = {
  id: number;
  user_id: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  lines: string | null;
  min_priority: AlarmPriority;
  user_agent: string;
  created_at: number;
  updated_at: number;
  last_success_at: number | null;
  last_error: string | null;
  session_hash: string | null;
};

const toRecord = (r: Row): PushSubscriptionRecord => ({
  id: r.id,
  userId: r.user_id,
  endpoint: r.endpoint,
  p256dh: r.p256dh,
  auth: r.auth,
  lines: r.lines === null ? null : (JSON.parse(r.lines) as string[]),
  minPriority: r.min_priority,
  userAgent: r.user_agent,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastSuccessAt: r.last_success_at,
  lastError: r.last_error,
  session: r.session_hash,
});

export function createSqlitePush(db: Database.Database): PushRepository {
  const all = db.prepare<[], Row>('SELECT * FROM push_subscriptions ORDER BY id');
  const byEndpoint = db.prepare<[string], Row>('SELECT * FROM push_subscriptions WHERE endpoint = ?');
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
  const vapid = db.prepare<[], { public_key: string; private_key: string; created_at: number }>('SELECT * FROM push_vapid WHERE id = 1');
  const saveVapid = db.prepare<[string, string, number]>(
    'INSERT INTO push_vapid (id, public_key, private_key, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, private_key = excluded.private_key, created_at = excluded.created_at',
  );

  return {
    all: () => all.all().map(toRecord),
    byEndpoint(endpoint) {
      const r = byEndpoint.get(endpoint);
      return r && toRecord(r);
    },
    upsert(sub, at) {
      upsert.run(
        sub.userId,
        sub.endpoint,
        sub.p256dh,
        sub.auth,
        sub.lines === null ? null : JSON.stringify(sub.lines),
        sub.minPriority,
        sub.userAgent,
        sub.session,
        at,
        at,
      );
      return toRecord(byEndpoint.get(sub.endpoint)!);
    },
    delete: (id) => remove.run(id).changes > 0,
    recordResult(id, result) {
      if (result.error === null) success.run(result.at, id);
      else failure.run(result.error.slice(0, 300), id);
    },
    vapidKeys() {
      const r = vapid.get();
      return r && ({ publicKey: r.public_key, privateKey: r.private_key, createdAt: r.created_at } satisfies VapidKeys);
    },
    saveVapidKeys: (keys) => void saveVapid.run(keys.publicKey, keys.privateKey, keys.createdAt),
  };
}

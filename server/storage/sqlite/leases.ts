import type Database from 'better-sqlite3';
import { leaseColumns, type LeaseRow, toLease } from '../rows/lease-rows.ts';
import type { LeaseRepository } from '../store.ts';
import type { Migration } from './migrate.ts';
import type { Synchronous } from './promised.ts';

export const leaseMigrations: Migration[] = [
  {
    id: 'leases-1',
    // A released lease keeps its row (expires_at 0): its token goes on growing from there.
    sql: `CREATE TABLE leases (
        resource TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        token INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );`,
  },
];

/**
 * Leases on SQLite: the clock is this process's, which is every holder's on the one box a
 * SQLite file serves. Each statement is one atomic upsert or update.
 */
export function createSqliteLeases(db: Database.Database): Synchronous<LeaseRepository> {
  // $now + $ttl is the new expiry; a lease is running while expires_at > $now. Taking a row
  // keeps the token only for the holder's own running lease.
  const taking = `token = CASE WHEN leases.holder = $holder AND leases.expires_at > $now THEN leases.token ELSE leases.token + 1 END,
       holder = $holder,
       expires_at = $now + $ttl`;
  type Take = { resource: string; holder: string; now: number; ttl: number };
  const acquire = db.prepare<Take, LeaseRow>(
    `INSERT INTO leases (resource, holder, token, expires_at) VALUES ($resource, $holder, 1, $now + $ttl)
     ON CONFLICT (resource) DO UPDATE SET ${taking}
     WHERE leases.holder = $holder OR leases.expires_at <= $now
     RETURNING ${leaseColumns}`,
  );
  // Take-overs on what the caller saw: a resource never leased, or a last lease with that token.
  const acquireNew = db.prepare<Take, LeaseRow>(
    `INSERT INTO leases (resource, holder, token, expires_at) VALUES ($resource, $holder, 1, $now + $ttl)
     ON CONFLICT (resource) DO NOTHING RETURNING ${leaseColumns}`,
  );
  const acquireFrom = db.prepare<Take & { token: number }, LeaseRow>(
    `UPDATE leases SET ${taking}
     WHERE resource = $resource AND token = $token AND (holder = $holder OR expires_at <= $now)
     RETURNING ${leaseColumns}`,
  );
  const renew = db.prepare<{ resource: string; holder: string; token: number; now: number; ttl: number }, LeaseRow>(
    `UPDATE leases SET expires_at = $now + $ttl
     WHERE resource = $resource AND holder = $holder AND token = $token AND expires_at > $now
     RETURNING ${leaseColumns}`,
  );
  const release = db.prepare<{ resource: string; holder: string; token: number }>(
    'UPDATE leases SET expires_at = 0 WHERE resource = $resource AND holder = $holder AND token = $token AND expires_at > 0',
  );
  const current = db.prepare<{ now: number }, LeaseRow>(`SELECT ${leaseColumns} FROM leases WHERE expires_at > $now ORDER BY resource`);
  const ended = db.prepare<{ now: number }, LeaseRow>(`SELECT ${leaseColumns} FROM leases WHERE expires_at <= $now ORDER BY resource`);
  return {
    acquire(resource, holder, ttl, ifToken) {
      const take = { resource, holder, now: Date.now(), ttl };
      const row = ifToken === undefined ? acquire.get(take) : ifToken === 0 ? acquireNew.get(take) : acquireFrom.get({ ...take, token: ifToken });
      return row && toLease(row);
    },
    renew(resource, holder, token, ttl) {
      const row = renew.get({ resource, holder, token, now: Date.now(), ttl });
      return row && toLease(row);
    },
    release: (resource, holder, token) => release.run({ resource, holder, token }).changes > 0,
    current: () => current.all({ now: Date.now() }).map(toLease),
    ended: () => ended.all({ now: Date.now() }).map(toLease),
  };
}

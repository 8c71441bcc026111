import type pg from 'pg';
import { leaseColumns, type LeaseRow, toLease } from '../rows/lease-rows.ts';
import type { LeaseRepository } from '../store.ts';
import type { Migration } from './pg-migrate.ts';

export const postgresLeaseMigrations: Migration[] = [
  {
    id: 'leases-1',
    // A released lease keeps its row (expires_at 0): its token goes on growing from there.
    sql: `CREATE TABLE leases (
        resource text PRIMARY KEY,
        holder text NOT NULL,
        token bigint NOT NULL,
        expires_at bigint NOT NULL
      );`,
  },
];

/** The database's clock, ms: the one clock every collector's lease is measured by, whatever the hosts' clocks say. */
const now = '(extract(epoch FROM statement_timestamp()) * 1000)::bigint';

/**
 * Leases on PostgreSQL. Each is one statement on one row: concurrent acquires of a resource
 * are serialised by its row lock, and the second re-checks the row the first left (READ
 * COMMITTED re-evaluates an upsert's WHERE on the new version), so one of them gets nothing.
 */
export function createPostgresLeases(pool: pg.Pool): LeaseRepository {
  const one = async (sql: string, values: unknown[]) => {
    const { rows } = await pool.query<LeaseRow>(sql, values);
    return rows[0] && toLease(rows[0]);
  };
  // What taking a row does (a take-over, an upsert): the holder's own running lease keeps its token.
  const taking = `token = CASE WHEN leases.holder = $2 AND leases.expires_at > ${now} THEN leases.token ELSE leases.token + 1 END,
           holder = $2,
           expires_at = ${now} + $3`;
  return {
    acquire(resource, holder, ttl, ifToken) {
      if (ifToken === 0)
        return one(
          `INSERT INTO leases (resource, holder, token, expires_at) VALUES ($1, $2, 1, ${now} + $3)
           ON CONFLICT (resource) DO NOTHING RETURNING ${leaseColumns}`,
          [resource, holder, ttl],
        );
      if (ifToken !== undefined)
        return one(
          `UPDATE leases SET ${taking}
           WHERE resource = $1 AND token = $4 AND (holder = $2 OR expires_at <= ${now})
           RETURNING ${leaseColumns}`,
          [resource, holder, ttl, ifToken],
        );
      return one(
        `INSERT INTO leases (resource, holder, token, expires_at) VALUES ($1, $2, 1, ${now} + $3)
         ON CONFLICT (resource) DO UPDATE SET ${taking}
         WHERE leases.holder = excluded.holder OR leases.expires_at <= ${now}
         RETURNING ${leaseColumns}`,
        [resource, holder, ttl],
      );
    },
    renew: (resource, holder, token, ttl) =>
      one(
        `UPDATE leases SET expires_at = ${now} + $4
         WHERE resource = $1 AND holder = $2 AND token = $3 AND expires_at > ${now}
         RETURNING ${leaseColumns}`,
        [resource, holder, token, ttl],
      ),
    async release(resource, holder, token) {
      const { rowCount } = await pool.query('UPDATE leases SET expires_at = 0 WHERE resource = $1 AND holder = $2 AND token = $3 AND expires_at > 0', [
        resource,
        holder,
        token,
      ]);
      return (rowCount ?? 0) > 0;
    },
    async current() {
      const { rows } = await pool.query<LeaseRow>(`SELECT ${leaseColumns} FROM leases WHERE expires_at > ${now} ORDER BY resource`);
      return rows.map(toLease);
    },
    async ended() {
      const { rows } = await pool.query<LeaseRow>(`SELECT ${leaseColumns} FROM leases WHERE expires_at <= ${now} ORDER BY resource`);
      return rows.map(toLease);
    },
  };
}

import Database from 'better-sqlite3';
import type pg from 'pg';
import { ensureSamplePartitions } from '../postgres/pg-partitions.ts';

/**
 * Tables in an order that satisfies their references (users before sessions, tags before samples).
 * Not `leases`: they last seconds, and a stopped installation holds none; nor `write_fences`,
 * which count the leases' tokens (they start again from 1 in the new database).
 */
export const copiedTables = [
  'users',
  'sessions',
  'audit',
  'tags',
  'samples',
  'rollups',
  'alarms',
  'alarm_events',
  'jobs',
  'job_files',
  'push_subscriptions',
  'push_vapid',
  'plant_versions',
  'simulation_choices',
] as const;

export interface TableCount {
  table: string;
  from: number;
  to: number;
}

const batchRows = 5000;

interface TargetColumn {
  name: string;
  /** PostgreSQL's udt name: int8, float8, bool, jsonb, text… */
  type: string;
  identity: boolean;
}

/** A SQLite value as the PostgreSQL column takes it: 0/1 → boolean, JSON text → jsonb text, integers for bigints. */
function converter(type: string): (v: unknown) => unknown {
  if (type === 'bool') return (v) => (v === null ? null : v === 1 || v === true || v === '1');
  if (type === 'jsonb' || type === 'json') return (v) => (v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));
  if (type === 'int8' || type === 'int4' || type === 'int2') return (v) => (v === null ? null : typeof v === 'bigint' ? v.toString() : Math.round(Number(v)));
  return (v) => v;
}

async function targetColumns(client: pg.ClientBase, table: string): Promise<TargetColumn[]> {
  const { rows } = await client.query<{ name: string; type: string; identity: string }>(
    `SELECT column_name AS name, udt_name AS type, is_identity AS identity FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => ({ name: r.name, type: r.type, identity: r.identity === 'YES' }));
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Copies an embedded installation's SQLite file into an empty, migrated PostgreSQL database,
 * table by table in one transaction (all or nothing), keeping every id; identities continue
 * after the largest copied id. Returns the row count of each table on both sides.
 */
export async function copySqliteToPostgres(
  sqliteFile: string,
  client: pg.ClientBase,
  pool: pg.Pool,
  onTable: (table: string, rows: number) => void = () => {},
): Promise<TableCount[]> {
  const source = new Database(sqliteFile, { readonly: true, fileMustExist: true });
  try {
    for (const table of copiedTables) {
      const { n } = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quote(table)}`).then((r) => ({ n: Number(r.rows[0]!.n) }));
      if (n > 0) throw new Error(`the target database is not empty: ${table} has ${n} rows (copy into a new database)`);
    }
    // Daily partitions for the samples' days, made before the copy transaction (they take their own locks).
    const span = source.prepare<[], { lo: number | null; hi: number | null }>('SELECT min(ts) AS lo, max(ts) AS hi FROM samples').get();
    if (span?.lo != null && span.hi != null) await ensureSamplePartitions(pool, span.lo, span.hi);

    await client.query('BEGIN');
    try {
      for (const table of copiedTables) onTable(table, await copyTable(source, client, table));
      // Journal seqs go on after every one the source wrote or reserved.
      const reserved = source.prepare<[], { next: number }>('SELECT next FROM alarm_seq WHERE id = 1').get()?.next ?? 1;
      await client.query('UPDATE alarm_seq SET next = GREATEST(next, $1::bigint, (SELECT coalesce(max(seq), 0) + 1 FROM alarm_events)) WHERE id = 1', [
        reserved,
      ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    const counts: TableCount[] = [];
    for (const table of copiedTables) {
      const from = source.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${quote(table)}`).get()!.n;
      const to = Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quote(table)}`)).rows[0]!.n);
      counts.push({ table, from, to });
    }
    return counts;
  } finally {
    source.close();
  }
}

async function copyTable(source: Database.Database, client: pg.ClientBase, table: string): Promise<number> {
  const sourceColumns = new Set(
    source
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .map((c) => c.name),
  );
  const columns = (await targetColumns(client, table)).filter((c) => sourceColumns.has(c.name));
  if (columns.length === 0) throw new Error(`table ${table}: no column in common`);
  const convert = columns.map((c) => converter(c.type));
  const names = columns.map((c) => quote(c.name)).join(', ');
  const overriding = columns.some((c) => c.identity) ? ' OVERRIDING SYSTEM VALUE' : '';
  const read = source.prepare(`SELECT ${names} FROM ${quote(table)}`).raw(true);
  let copied = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    // One array parameter per column: any batch size stays within the parameter limit.
    const params = columns.map((_, i) => batch.map((row) => convert[i]!(row[i])));
    const casts = columns.map((c, i) => `$${i + 1}::${c.type === 'jsonb' ? 'text' : c.type}[]`).join(', ');
    const select = columns.map((c, i) => (c.type === 'jsonb' ? `u.c${i}::jsonb` : `u.c${i}`)).join(', ');
    const aliases = columns.map((_, i) => `c${i}`).join(', ');
    await client.query(`INSERT INTO ${quote(table)} (${names})${overriding} SELECT ${select} FROM unnest(${casts}) AS u(${aliases})`, params);
    copied += batch.length;
    batch = [];
  };
  for (const row of read.iterate() as Iterable<unknown[]>) {
    batch.push(row);
    if (batch.length >= batchRows) await flush();
  }
  await flush();
  // Identities continue after the largest id copied.
  for (const c of columns.filter((c) => c.identity)) {
    await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT max(${quote(c.name)}) FROM ${quote(table)}), 0) + 1, false)`, [
      table,
      c.name,
    ]);
  }
  return copied;
}

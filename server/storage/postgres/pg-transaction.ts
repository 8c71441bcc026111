import pg from 'pg';

const INT8_OID = 20;

/**
 * Type parsers for the store's pool: bigint columns (epoch ms, identity ids, count(*)) as JS
 * numbers. pg returns them as strings by default since they may exceed 2^53; ours never do.
 * Per pool, not `pg.types.setTypeParser`, which would change every pool in the process.
 */
export const int8AsNumber: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Runs `body` in one transaction on a client of the pool; rolls back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // The pool listens for a client's errors only while it is idle: a connection lost between
  // two statements of this transaction would otherwise be an uncaught 'error' event (the
  // process would end). Its next query fails; the pool then discards it.
  const lost = (error: Error) => {
    broken = error;
  };
  client.on('error', lost);
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.off('error', lost);
    // A client whose rollback failed, or whose connection was lost, is in an unknown state: the pool discards it.
    client.release(broken);
  }
}

/** Collects positional parameters while a statement is assembled: `p(value)` returns `$n`. */
export function parameters(): { values: unknown[]; p(value: unknown): string } {
  const values: unknown[] = [];
  return {
    values,
    p(value) {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

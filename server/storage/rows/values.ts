/** Column readers for values the two engines hand over differently. */

/** A boolean column: SQLite stores 0/1, PostgreSQL returns a boolean. */
export const flag = (v: boolean | number): boolean => v === true || v === 1;

/**
 * A JSON column: SQLite stores text, PostgreSQL returns jsonb already parsed. Only for values
 * that are never a bare JSON string (a parsed one would be parsed again).
 */
export const json = <T>(v: string | T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

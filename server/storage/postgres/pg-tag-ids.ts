import type pg from 'pg';

/** A pool, a pooled client or a client of its own: anything that runs a query. */
export type Queryable = pg.Pool | pg.ClientBase;

/** Tag name → id of the `tags` table. Ids never change and tags are never deleted, so ids are cached per pool. */
export interface PgTagIds {
  /** The id, or undefined when the tag has no history. */
  of(tag: string): Promise<number | undefined>;
  /**
   * Ids of every tag named, creating the missing ones. Call it outside the data's
   * transaction: an id cached from a transaction that then rolled back would not exist.
   */
  ensure(tags: Iterable<string>): Promise<Map<string, number>>;
}

const tagCaches = new WeakMap<object, Map<string, number>>();

export function pgTagIds(db: Queryable): PgTagIds {
  let cache = tagCaches.get(db);
  if (!cache) tagCaches.set(db, (cache = new Map()));
  const known = cache;

  return {
    async of(tag) {
      let id = known.get(tag);
      if (id !== undefined) return id;
      const { rows } = await db.query<{ id: number }>({ name: 'lw-tag-id', text: 'SELECT id FROM tags WHERE name = $1', values: [tag] });
      id = rows[0]?.id;
      if (id !== undefined) known.set(tag, id);
      return id;
    },
    async ensure(tags) {
      const out = new Map<string, number>();
      const missing = new Set<string>();
      for (const tag of tags) {
        const id = known.get(tag);
        if (id === undefined) missing.add(tag);
        else out.set(tag, id);
      }
      // A tag inserted by a concurrent transaction that commits meanwhile is neither inserted
      // nor visible to this statement's snapshot: the second round finds it.
      for (let round = 0; missing.size > 0 && round < 3; round++) {
        const { rows } = await db.query<{ id: number; name: string }>(
          `WITH added AS (INSERT INTO tags (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING RETURNING id, name)
           SELECT id, name FROM added UNION ALL SELECT id, name FROM tags WHERE name = ANY($1::text[])`,
          [[...missing]],
        );
        for (const { id, name } of rows) {
          known.set(name, id);
          out.set(name, id);
          missing.delete(name);
        }
      }
      if (missing.size > 0) throw new Error(`could not create history tags: ${[...missing].join(', ')}`);
      return out;
    },
  };
}

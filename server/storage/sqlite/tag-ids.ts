import type Database from 'better-sqlite3';

/** Tag name → numeric id of the `tags` table (ids never change, so they are cached). */
export interface TagIds {
  /** The id, or undefined when the tag has no history (and `create` is false). */
  of(tag: string, create?: boolean): number | undefined;
}

export function createTagIds(db: Database.Database): TagIds {
  const cache = new Map<string, number>();
  const select = db.prepare<[string], { id: number }>('SELECT id FROM tags WHERE name = ?');
  const insert = db.prepare<[string]>('INSERT INTO tags (name) VALUES (?)');
  return {
    of(tag, create = false) {
      let id = cache.get(tag);
      if (id !== undefined) return id;
      id = select.get(tag)?.id;
      if (id === undefined && create) id = Number(insert.run(tag).lastInsertRowid);
      if (id !== undefined) cache.set(tag, id);
      return id;
    },
  };
}

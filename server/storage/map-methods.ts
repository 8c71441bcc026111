type Method = (...args: unknown[]) => unknown;

/**
 * A repository with every method passed through `wrap` (other members as they are): how an
 * engine adapts all of a repository's methods at once (SQLite's `promised`, PostgreSQL's
 * `reportingOutages`).
 */
export function mapMethods<T extends object>(repo: object, wrap: (method: Method) => Method): T {
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(repo)) out[name] = typeof member === 'function' ? wrap((member as Method).bind(repo)) : member;
  return out as T;
}

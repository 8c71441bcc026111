import { mapMethods } from '../map-methods.ts';

/**
 * SQLite answers on the calling thread, in microseconds: its repositories are written
 * synchronously (`Synchronous<Repo>`) and offered through the asynchronous contract by
 * `promised`, which turns each return value — or thrown error — into a settled promise.
 */
export type Synchronous<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R | Promise<R> : T[K];
};

export function promised<T extends object>(repo: Synchronous<T>): T {
  return mapMethods<T>(
    repo,
    (method) =>
      async (...args) =>
        method(...args),
  );
}

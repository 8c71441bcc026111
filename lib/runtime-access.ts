import type { Runtime } from '../server/runtime.ts';

/**
 * The one way route handlers reach the runtime. Next bundles route handlers apart from
 * server/, so module singletons are not shared between them; a `Symbol.for` key on
 * globalThis is (same process, one registry).
 */
const key = Symbol.for('linewatch.runtime');

type Registry = { [key]?: Runtime };

export function registerRuntime(runtime: Runtime | undefined): void {
  (globalThis as Registry)[key] = runtime;
}

/** The running runtime, or undefined while the server starts or stops. */
export function findRuntime(): Runtime | undefined {
  return (globalThis as Registry)[key];
}

/**
 * What pages render on the server for their first paint: `read` of the running runtime, or
 * undefined while it is not running (the page then loads it in the browser, like a refresh).
 */
export function withRuntime<T>(read: (runtime: Runtime) => T): T | undefined {
  const runtime = findRuntime();
  return runtime && read(runtime);
}

/** The running runtime; throws (answered as 503) while the server starts or stops. */
export function getRuntime(): Runtime {
  const runtime = (globalThis as Registry)[key];
  if (!runtime) throw Object.assign(new Error('runtime is not running'), { code: 'LW_UNAVAILABLE', status: 503 });
  return runtime;
}

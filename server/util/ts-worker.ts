import { Worker, type WorkerOptions } from 'node:worker_threads';

const tsxApi = import.meta.resolve('tsx/esm/api');

/**
 * Starts a worker thread whose entry is a TypeScript module. Worker threads don't inherit
 * the tsx loader that `--import tsx` gave the main thread, so a one-line bootstrap registers
 * it inside the worker before importing the entry.
 */
export function startTsWorker(entry: URL, options: WorkerOptions = {}): Worker {
  const bootstrap = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(entry.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import sources from '../entries.json' with { type: 'json' };

/**
 * The one place that knows how Linewatch's processes and threads start. In production the
 * server runs as plain JavaScript built by esbuild (`scripts/build-server.mjs` → `dist/server/`,
 * one file per entry of server/entries.json, side by side); in development and tests it runs
 * from the TypeScript sources through tsx, and starts its children from a fresh build when
 * there is one. Both forms of each entry are derived here.
 */
export type EntryName = keyof typeof sources;
/** Entry name → its TypeScript source, relative to the project root (scripts/build-server.mjs reads the same file). */
export const entrySources: Readonly<Record<EntryName, string>> = sources;

// Bundled, this module's code sits in an entry file of dist/server/, so `import.meta.url` is
// that file's: its siblings are the other entries. From source, this file is server/util/.
const built = import.meta.url.endsWith('.js');
/** The project directory (dist/server/ and server/util/ are both two levels down). */
const root = new URL('../../', import.meta.url);

/** A file of the project, by its path from the project root (e.g. the demo plant). */
export function projectFile(path: string): string {
  return fileURLToPath(new URL(path, root));
}

/**
 * Where child processes and threads start from when this one runs from source: dist/server/
 * when its build is newer than every source file (plain JS starts in a fraction of tsx's time,
 * which a test suite starting hundreds of simulators feels), else the sources. Decided once.
 */
let childrenDir: string | null | undefined;
function builtChildrenDir(): string | null {
  if (childrenDir !== undefined) return childrenDir;
  const dir = projectFile('dist/server/');
  const builtAt = mtimeOf(join(dir, 'BUILD_ID'));
  childrenDir = builtAt > 0 && newestSourceMtime() < builtAt ? dir : null;
  return childrenDir;
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function newestSourceMtime(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, mtimeOf(path));
    }
  };
  walk(projectFile('server'));
  walk(projectFile('lib'));
  return newest;
}

/** The file to start for an entry: the built `.js` (see builtChildrenDir), or the `.ts` source. */
export function entryFile(name: EntryName): string {
  if (built) return fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const dir = builtChildrenDir();
  return dir ? join(dir, `${name}.js`) : projectFile(sources[name]);
}

let tsxLoader: string | undefined;
/** Node's flags for a child process running `module`: the tsx loader for TypeScript, none for JavaScript. */
export function execArgvFor(module: string): string[] {
  return /\.(?:[cm]?ts|tsx)$/.test(module) ? ['--import', (tsxLoader ??= import.meta.resolve('tsx'))] : [];
}

/**
 * Starts a worker thread on an entry. From source, a one-line bootstrap registers tsx in the
 * worker first: worker threads don't inherit the loader that `--import tsx` gave the main thread.
 */
export function startWorker(name: EntryName, options: WorkerOptions = {}): Worker {
  const file = entryFile(name);
  if (file.endsWith('.js')) return new Worker(file, options);
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`file://${file}`).href;
  const bootstrap = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}

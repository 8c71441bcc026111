import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Gives the simulator child's entry as one plain-JS file, bundled from the TypeScript
 * `entry` with esbuild (tsx's own compiler) on first use, ~0.1 s once per server process.
 *
 * Why: a child started from the .ts source through the tsx loader needs ~0.4 s of CPU before
 * it is ready (the loader thread alone ~0.17 s, then every module, zod included, through
 * it); from the bundle ~0.1 s, ready in ~130 ms. Every simulator start and restart pays it.
 * A simulator therefore runs the code as it was when the server first started one. If
 * bundling fails, the .ts entry is returned (the supervisor runs it through tsx).
 */
export function bundledEntry(entry: string, log: (message: string) => void): () => string {
  let contents: Uint8Array | undefined;
  let file: string | undefined;
  return () => {
    if (file === entry) return entry;
    // Checked before each start: a temp-dir cleaner may have removed it meanwhile.
    if (file && existsSync(file)) return file;
    try {
      contents ??= buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent' }).outputFiles[0]!.contents;
      // Named after its content: servers running the same code share one file.
      file = join(tmpdir(), `linewatch-simulator-${createHash('sha256').update(contents).digest('hex').slice(0, 16)}.mjs`);
      if (!existsSync(file)) {
        const partial = `${file}.${process.pid}.tmp`;
        writeFileSync(partial, contents);
        renameSync(partial, file);
      }
      return file;
    } catch (error) {
      log(`simulations: bundling ${entry} failed, running it through tsx: ${error instanceof Error ? error.message : String(error)}`);
      return (file = entry);
    }
  };
}

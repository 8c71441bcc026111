import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Gives the simulator child's entry as one plain-JS file, bundled from the TypeScript
 * `entry` with esbuild (tsx's own compiler), ~0.1 s once per server process.
 *
 * Why: a child started from the .ts source through the tsx loader needs ~0.4 s of CPU before
 * it is ready (the loader thread alone ~0.17 s, then every module, zod included, through
 * it); from the bundle ~0.1 s, ready in ~130 ms. Every simulator start and restart pays it.
 * A simulator therefore runs the code as it was when the server first started one.
 *
 * The bundle is built in the background (esbuild's own process: the event loop never waits
 * for it); until it is ready, or if bundling fails, the .ts entry is returned (the
 * supervisor runs it through tsx).
 */
export function bundledEntry(entry: string, log: (message: string) => void): () => string {
  let file: string | undefined;

  async function bundle(): Promise<void> {
    try {
      const out = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent' });
      const contents = out.outputFiles[0]!.contents;
      // Named after its content: servers running the same code share one file.
      const target = join(tmpdir(), `linewatch-simulator-${createHash('sha256').update(contents).digest('hex').slice(0, 16)}.mjs`);
      if (!existsSync(target)) {
        const partial = `${target}.${process.pid}.tmp`;
        await writeFile(partial, contents);
        await rename(partial, target);
      }
      file = target;
    } catch (error) {
      log(`simulations: bundling ${entry} failed, running it through tsx: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  void bundle();
  return () => {
    if (file && existsSync(file)) return file;
    // A temp-dir cleaner removed it meanwhile: bundle again, tsx until then.
    if (file) {
      file = undefined;
      void bundle();
    }
    return entry;
  };
}

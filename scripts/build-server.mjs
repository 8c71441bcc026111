// Builds server/ for production: one plain-JS file per process or thread entry
// (server/entries.json) in dist/server/, side by side, with npm packages left as imports.
// `npm start` runs it when the sources changed (server/start.mjs); tests and `npm run dev`
// run the TypeScript sources through tsx instead.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const outdir = 'dist/server';
const entries = JSON.parse(await readFile('server/entries.json', 'utf8'));
const started = performance.now();
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // Shared code and what only PostgreSQL needs go to chunks, loaded when imported: an
  // embedded (SQLite) install never loads `pg`.
  splitting: true,
  logLevel: 'warning',
});
await writeFile(`${outdir}/BUILD_ID`, `${new Date().toISOString()}\n`);
console.log(`server built in ${Math.round(performance.now() - started)} ms → ${outdir}/`);

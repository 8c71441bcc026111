// `npm start`: builds what is missing or out of date — the Next app (.next/) and the server
// (dist/server/, scripts/build-server.mjs) — then runs the built server in this same process.
// Same process, not a child: the SIGTERM/SIGINT that a shell, systemd or a container runtime
// sends to this pid must reach main's handlers (stop the simulators, flush history, close
// streams), and a SIGKILL must leave no server running on. The builds run as child processes,
// so none of their memory (or esbuild's service) stays with the server.
// package.json starts it with `--max-semi-space-size=4` (MiB; V8's default here is 16): the
// young generation grew to its maximum under page and API load, and that peak was what put
// the server tree at the 250 MB target (bench:memory: server 161 → 143 MiB, tree 238 → 222
// MiB). Request latency and CPU per page or API request measured the same with it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';

const distDir = process.env.LINEWATCH_NEXT_DIST_DIR || '.next';

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

const builtAt = (stamp) => (existsSync(stamp) ? statSync(stamp).mtimeMs : 0);

async function run(what, args) {
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  // Stopped while building: stop the build too instead of leaving it running on its own.
  const forward = (signal) => child.kill(signal);
  process.on('SIGTERM', forward).on('SIGINT', forward);
  const [code] = await once(child, 'exit');
  process.off('SIGTERM', forward).off('SIGINT', forward);
  if (code !== 0) {
    process.stderr.write(`${what} failed (exit code ${code})\n`);
    process.exit(code ?? 1);
  }
}

const builds = [
  {
    what: 'next build',
    stamp: `${distDir}/BUILD_ID`,
    inputs: ['app', 'lib', 'public', 'next.config.mjs', 'postcss.config.mjs', 'scripts/add-compile-hints.mjs', 'package-lock.json'],
    // As `npm run build`: the compile hints go on the chunks Next wrote.
    steps: [['node_modules/next/dist/bin/next', 'build'], ['scripts/add-compile-hints.mjs']],
  },
  {
    what: 'server build',
    stamp: 'dist/server/BUILD_ID',
    inputs: ['server', 'lib', 'scripts/build-server.mjs', 'package-lock.json'],
    steps: [['scripts/build-server.mjs']],
  },
];
for (const b of builds) {
  const at = builtAt(b.stamp);
  if (at > 0 && Math.max(...b.inputs.map(newestChange)) <= at) continue;
  console.log(`${at === 0 ? 'Not built yet' : 'Sources changed since the last build'}: running ${b.what}…`);
  for (const args of b.steps) await run(b.what, args);
}

process.env.NODE_ENV = 'production';
await import('../dist/server/main.js');

// `npm start` runs us through `sh -c`: a SIGTERM to npm ends npm and the shell, not us (npm
// does not pass it on). Orphaned, our parent changes: stop as on SIGTERM, not serve on alone.
const parent = process.ppid;
const orphanWatch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(orphanWatch);
  process.kill(process.pid, 'SIGTERM');
}, 500).unref();

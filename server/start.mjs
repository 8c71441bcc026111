// `npm start`: builds the Next app when there is no production build yet or the sources
// changed since (a `git pull`), then runs the
// server in this same process. Same process, not a child: the SIGTERM/SIGINT that a shell,
// systemd or a container runtime sends to this pid must reach main.ts's handlers (stop the
// simulators, flush history, close streams), and a SIGKILL must leave no server running on.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { register } from 'tsx/esm/api';

const distDir = process.env.LINEWATCH_NEXT_DIST_DIR || '.next';
/** What the Next build is made from (server/ runs from source and needs no build). */
const buildInputs = ['app', 'lib', 'public', 'next.config.mjs', 'postcss.config.mjs', 'package-lock.json'];

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

const builtAt = existsSync(`${distDir}/BUILD_ID`) ? statSync(`${distDir}/BUILD_ID`).mtimeMs : 0;
if (builtAt === 0 || Math.max(...buildInputs.map(newestChange)) > builtAt) {
  console.log(builtAt === 0 ? 'No production build yet: running next build (about a minute)…' : 'Sources changed since the last build: running next build…');
  const build = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'build'], { stdio: 'inherit' });
  // Stopped while building: stop the build too instead of leaving it running on its own.
  const forward = (signal) => build.kill(signal);
  process.on('SIGTERM', forward).on('SIGINT', forward);
  const [code] = await once(build, 'exit');
  process.off('SIGTERM', forward).off('SIGINT', forward);
  if (code !== 0) process.exit(code ?? 1);
}

process.env.NODE_ENV = 'production';
register();
await import('./main.ts');

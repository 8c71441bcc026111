// `npm start`: builds the Next app when there is no production build yet, then runs the server.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const run = (args, env = process.env) => {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const distDir = process.env.LINEWATCH_NEXT_DIST_DIR || '.next';
if (!existsSync(`${distDir}/BUILD_ID`)) {
  console.log('No production build yet: running next build (about a minute)…');
  run(['node_modules/next/dist/bin/next', 'build']);
}
run(['--import', 'tsx', 'server/main.ts', ...process.argv.slice(2)], { ...process.env, NODE_ENV: 'production' });

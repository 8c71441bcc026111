// `npm test`: lint, type check, unit tests, the storage conformance suite (SQLite and PostgreSQL),
// a production build (Next and the server), integration tests against it, then the browser tests. Prints one closing line with the outcome and the time
// of each stage; exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const node = process.execPath;
// Node 20's test runner takes files, not globs.
const testFiles = (dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => `${dir}/${f}`);
const stages = [
  ['lint', [node, 'node_modules/@biomejs/biome/bin/biome', 'check', '.']],
  ['typecheck', [node, 'node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']],
  ['unit', [node, '--import', 'tsx', '--test', '--test-concurrency=1', ...testFiles('test/unit')]],
  // The storage contract, the same tests on SQLite and on PostgreSQL (127.0.0.1:5432), and the live bus's,
  // in-process and on Redis (127.0.0.1:6379); .ci/run starts both.
  ['conformance', [node, '--import', 'tsx', '--test', '--test-concurrency=1', ...testFiles('test/conformance')]],
  ['build', ['npm', 'run', 'build']],
  // Two files at a time: each starts its own servers on port 0 with a temp data dir (and its own
  // PostgreSQL database), and checks for leftover processes only among its own descendants.
  // Most of a file's time is spent waiting on simulated PLCs, timeouts and child processes.
  ['integration', [node, '--import', 'tsx', '--test', '--test-concurrency=2', ...testFiles('test/integration')]],
  ['e2e', [node, 'node_modules/@playwright/test/cli.js', 'test', '-c', 'test/e2e/playwright.config.ts']],
];

const only = process.argv.slice(2);
const results = [];
for (const [name, [cmd, ...args]] of stages) {
  if (only.length > 0 && !only.includes(name)) continue;
  const started = Date.now();
  console.log(`\n=== ${name}: ${[cmd === node ? 'node' : cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  const ok = r.status === 0;
  results.push(`${name} ${ok ? 'passed' : 'FAILED'} (${Math.round((Date.now() - started) / 1000)} s)`);
  if (!ok) break;
}
const failed = results.some((r) => r.includes('FAILED'));
console.log(`\n${failed ? 'TESTS FAILED' : 'ALL TESTS PASSED'}: ${results.join(', ')}`);
process.exit(failed ? 1 : 0);

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base, request } from '@playwright/test';

export { expect } from '@playwright/test';

const root = resolve(import.meta.dirname, '../..');
const adminPassword = 'e2e-admin-password';

export interface E2eServer {
  /** `http://127.0.0.1:<port>`, the port the server picked (PORT=0). */
  url: string;
  /** The admin's signed-in session, for `storageState`. */
  storageState: string;
}

/** Waits for `proc` to exit; SIGKILL after `ms`. */
async function stop(proc: ChildProcess, ms: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

/**
 * Every worker runs its own real server (the production build, the demo plant and its
 * simulated PLCs) on a port of its own (PORT=0) with a data dir of its own, and signs the
 * admin in once. Specs in different workers run side by side without seeing each other's
 * simulations, alarms, users or sessions; specs in one worker share its server, one after
 * the other, as they shared the one server when there was a single worker.
 */
export const test = base.extend<object, { server: E2eServer }>({
  server: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern; it has none.
    async ({}, use) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'lw-e2e-'));
      // The server gets the runner's environment, without what Playwright sets for its workers.
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const key of ['TEST_WORKER_INDEX', 'TEST_PARALLEL_INDEX', 'PLAYWRIGHT_TEST', 'FORCE_COLOR']) delete env[key];
      const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        cwd: root,
        env: {
          ...env,
          NODE_ENV: 'production',
          PORT: '0',
          HOST: '127.0.0.1',
          LINEWATCH_DATA: dataDir,
          LINEWATCH_ADMIN_PASSWORD: adminPassword,
          NEXT_TELEMETRY_DISABLED: '1',
          // LINEWATCH_NEXT_DIST_DIR passes through: a per-run dist dir keeps parallel builds apart.
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        // Only the start is needed (the listening line); later output is read and dropped.
        if (out.length < 64_000) out += chunk;
      });
      proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => process.stderr.write(chunk));
      try {
        // With PORT=0 the listening line is the only place the port shows.
        const url = await new Promise<string>((resolvePort, reject) => {
          const timer = setTimeout(() => reject(new Error(`the e2e server did not start within 60 s:\n${out}`)), 60_000);
          const check = () => {
            const m = /Linewatch listening on (http:\/\/[^\s"]+)/.exec(out);
            if (!m) return;
            clearTimeout(timer);
            proc.stdout!.off('data', check);
            proc.off('exit', exited);
            resolvePort(m[1]!);
          };
          const exited = (code: number | null, signal: string | null) => {
            clearTimeout(timer);
            reject(new Error(`the e2e server exited (${code ?? signal}) before listening:\n${out}`));
          };
          proc.stdout!.on('data', check);
          proc.once('exit', exited);
        });
        const api = await request.newContext({ baseURL: url });
        for (let tries = 1; !(await api.get('/api/health')).ok(); tries++) {
          if (tries === 300) throw new Error(`the e2e server at ${url} did not get healthy`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const res = await api.post('/api/auth/login', { data: { username: 'admin', password: adminPassword } });
        if (res.status() !== 200) throw new Error(`e2e login failed: ${res.status()} ${await res.text()}`);
        const storageState = join(dataDir, 'e2e-auth/admin.json');
        await mkdir(join(dataDir, 'e2e-auth'), { recursive: true });
        await api.storageState({ path: storageState });
        await api.dispose();
        await use({ url, storageState });
      } finally {
        await stop(proc, 10_000);
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  baseURL: async ({ server }, use) => use(server.url),
  storageState: async ({ server }, use) => use(server.storageState),
});

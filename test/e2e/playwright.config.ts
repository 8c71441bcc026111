import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * Browser tests: real Debian Chromium against the production build (`npm test` runs
 * `next build` first) served by the real server with the demo plant and its simulated PLCs.
 */
const root = resolve(import.meta.dirname, '../..');
const port = Number(process.env.LW_E2E_PORT ?? 3199);
export const baseURL = `http://127.0.0.1:${port}`;
export const adminPassword = 'e2e-admin-password';
// The config is loaded by the runner and again by each worker: make the data dir once and
// hand it down through the environment.
process.env.LW_E2E_DATA ??= mkdtempSync(join(tmpdir(), 'lw-e2e-'));

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: join(root, 'test-results/e2e'),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  timeout: 45_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  use: {
    baseURL,
    // In this run's own data dir: runs side by side (other ports, other servers) must not
    // sign each other's tests in with a session their server does not know.
    storageState: join(process.env.LW_E2E_DATA, 'e2e-auth/admin.json'),
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: 'node --import tsx server/main.ts',
    cwd: root,
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    env: {
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      LINEWATCH_DATA: process.env.LW_E2E_DATA,
      LINEWATCH_ADMIN_PASSWORD: adminPassword,
      NEXT_TELEMETRY_DISABLED: '1',
      // Serve the build this run made (a per-run dist dir keeps parallel builds apart).
      ...(process.env.LINEWATCH_NEXT_DIST_DIR && { LINEWATCH_NEXT_DIST_DIR: process.env.LINEWATCH_NEXT_DIST_DIR }),
    },
  },
});

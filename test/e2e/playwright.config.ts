import { join, resolve } from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * Browser tests: real Debian Chromium against the production build (`npm test` runs
 * `next build` first) served by the real server with the demo plant and its simulated PLCs.
 * Each worker starts a server of its own (fixtures.ts): its own port, data dir and admin
 * session, so the workers' specs cannot see each other's simulations, alarms or users.
 */
const root = resolve(import.meta.dirname, '../..');

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: join(root, 'test-results/e2e'),
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  timeout: 45_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    // baseURL and storageState come from the worker's server (fixtures.ts).
    // A failed test keeps its trace (actions, DOM snapshots, network, console). Without the
    // screencast: the live pages repaint all the time, and filming every test cost ~12 % of
    // the run's CPU on a 2-core machine.
    trace: { mode: 'retain-on-failure', screenshots: false },
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
});

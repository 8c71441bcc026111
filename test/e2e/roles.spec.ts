import type { Browser } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { waitLive } from './helpers.ts';

/** A fresh browser context signed in as a new user of `role`. */
async function signedIn(browser: Browser, baseURL: string, request: import('@playwright/test').APIRequestContext, role: 'viewer' | 'operator') {
  const username = `e2e-role-${role}`;
  const password = `${role} password 123`;
  const created = await request.post('/api/users', { data: { username, password, role } });
  expect([201, 409]).toContain(created.status());
  const context = await browser.newContext({ storageState: undefined, baseURL });
  expect((await context.request.post('/api/auth/login', { data: { username, password } })).status()).toBe(200);
  return context;
}

test('a viewer sees no simulation controls and the server refuses their calls', async ({ browser, request, baseURL }) => {
  const context = await signedIn(browser, baseURL!, request, 'viewer');
  const page = await context.newPage();
  await page.goto('/lines/packaging');
  await waitLive(page);
  await expect(page.getByRole('heading', { name: 'Simulated PLC' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Start simulation|Stop simulation/ })).toHaveCount(0);
  await page.goto('/processes');
  await waitLive(page);
  await expect(page.getByRole('button', { name: /^Stop/ })).toHaveCount(0);
  expect((await context.request.delete('/api/lines/packaging/simulation')).status()).toBe(403);
  expect((await context.request.post('/api/lines/packaging/simulation', { data: { scenario: 'normal' } })).status()).toBe(403);
  expect((await context.request.post('/api/alarms/ack', { data: { ids: ['packaging.glue-temp.hi'] } })).status()).toBe(403);
  // Admin pages are refused on the server, not just hidden from the menu.
  const admin = await page.goto('/admin/users');
  expect(admin?.status(), 'a real 403, not a 200 page that says so').toBe(403);
  await expect(page.getByRole('heading', { name: '403 · Admins only' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create user' })).toHaveCount(0);
  await context.close();
});

test('an operator stops and starts a simulation from the UI; acknowledging reaches the alarm engine', async ({ browser, request, baseURL }) => {
  // The demo runs the packaging line's simulation; make sure of it, whatever earlier specs did.
  expect([202, 409]).toContain((await request.post('/api/lines/packaging/simulation', { data: { scenario: 'normal' } })).status());
  const context = await signedIn(browser, baseURL!, request, 'operator');
  const page = await context.newPage();
  await page.goto('/lines/packaging');
  await waitLive(page);
  const panel = page.getByRole('region', { name: 'Simulated PLC' });
  const status = panel.locator('[data-process="sim-packaging-plc"] [data-status]');
  await expect(status).toHaveText('Running', { timeout: 15_000 });

  await panel.getByRole('button', { name: 'Stop simulation' }).click();
  // A confirmation names the consequence first (issue 23).
  await page.getByRole('dialog').getByRole('button', { name: 'Stop the PLC' }).click();
  await expect(status).toHaveText('Stopped', { timeout: 8000 });
  await panel.getByLabel('Scenario').selectOption('normal');
  await panel.getByRole('button', { name: 'Start simulation' }).click();
  await expect(status).toHaveText('Running', { timeout: 15_000 });

  // Recorded under the operator's own name.
  const { entries } = await (await request.get('/api/audit?action=simulation.stop&limit=5')).json();
  expect(entries[0]).toMatchObject({ username: 'e2e-role-operator', target: 'packaging', result: 'ok' });
  // Authorised: these get past the role check to validation and the alarm engine.
  expect((await context.request.post('/api/lines/packaging/simulation', { data: { scenario: 'explode' } })).status()).toBe(400);
  expect((await context.request.post('/api/alarms/ack', { data: { ids: ['packaging.no-such-alarm'] } })).status()).toBe(404);
  await context.close();
});

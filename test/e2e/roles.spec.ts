import { expect, test, type Browser } from '@playwright/test';
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
  await context.close();
});

test('an operator gets the controls and they work', async ({ browser, request, baseURL }) => {
  const context = await signedIn(browser, baseURL!, request, 'operator');
  const page = await context.newPage();
  await page.goto('/lines/packaging');
  await waitLive(page);
  // Whichever state other specs left the line in, one of the two controls is live.
  await expect(page.getByRole('button', { name: /^(Start|Stop) simulation$/ }).and(page.locator(':enabled'))).toHaveCount(1);
  // Authorised: the request gets past the role check to validation.
  expect((await context.request.post('/api/lines/packaging/simulation', { data: { scenario: 'explode' } })).status()).toBe(400);
  await context.close();
});

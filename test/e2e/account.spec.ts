import type { Browser } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeScan } from './helpers.ts';

/**
 * Issue 23: a user changes their own password on /account: the current one is required, a
 * wrong one is named next to its field, the other sessions end and this one stays.
 */

async function viewerContext(browser: Browser, baseURL: string, username: string, password: string, viewport: { width: number; height: number }) {
  const context = await browser.newContext({ storageState: undefined, baseURL, viewport });
  expect((await context.request.post('/api/auth/login', { data: { username, password } })).status()).toBe(200);
  return context;
}

for (const vp of [
  { name: 'phone', width: 360, height: 740 },
  { name: 'tablet', width: 1024, height: 768 },
] as const) {
  test(`a viewer changes their password on /account (${vp.name}); other sessions end, this one stays`, async ({ browser, request, baseURL }) => {
    const username = `e2e-account-${vp.name}`;
    const oldPassword = 'account password 123';
    const newPassword = 'account password 456';
    const created = await request.post('/api/users', { data: { username, password: oldPassword, role: 'viewer' } });
    expect(created.status()).toBe(201);
    const here = await viewerContext(browser, baseURL!, username, oldPassword, vp);
    const other = await viewerContext(browser, baseURL!, username, oldPassword, vp);
    const page = await here.newPage();
    await page.goto('/account');
    const section = page.getByRole('region', { name: 'Change password' });
    await expect(section).toBeVisible();
    expect((await axeScan(page)).violations).toEqual([]);

    // A wrong current password: named next to its field, which takes the focus.
    await section.getByLabel('Current password').fill('not my password');
    await section.getByLabel('New password (at least 10 characters)').fill(newPassword);
    await section.getByLabel('New password again').fill(newPassword);
    await section.getByRole('button', { name: 'Change password' }).click();
    await expect(section.getByRole('alert')).toHaveText('The current password is not right.');
    await expect(section.getByLabel('Current password')).toBeFocused();
    await expect(section.getByLabel('Current password')).toHaveAttribute('aria-invalid', 'true');
    expect((await axeScan(page)).violations).toEqual([]);
    await page.screenshot({ path: `/tmp/shots-a/account-error-${vp.name}-light.png`, fullPage: true });

    await section.getByLabel('Current password').fill(oldPassword);
    await section.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByTestId('password-result')).toHaveText('Password changed. 1 other session was signed out.');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `/tmp/shots-a/account-done-${vp.name}-dark.png`, fullPage: true });

    expect((await here.request.get('/api/auth/me')).status(), 'this session stays').toBe(200);
    expect((await other.request.get('/api/auth/me')).status(), 'the other session ended').toBe(401);
    // Not with the admin's request context: a login replaces the session it comes with.
    const anonymous = await browser.newContext({ storageState: undefined, baseURL });
    expect((await anonymous.request.post('/api/auth/login', { data: { username, password: oldPassword } })).status()).toBe(401);
    await anonymous.close();
    const { entries } = await (await request.get('/api/audit?action=user.password&limit=20')).json();
    expect(entries.filter((e: { username: string; result: string }) => e.username === username).map((e: { result: string }) => e.result)).toEqual([
      'ok',
      'denied: wrong current password',
    ]);
    await here.close();
    await other.close();
  });
}

import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeScan, waitLive } from './helpers.ts';

/**
 * Issue 23, risky one-taps ask first and name the consequence: stopping a line's simulated
 * PLC (processes page, line page), changing a user's role, disabling a user. The dialog is a
 * native modal with the focus on the safe button, so a stray Enter does nothing harmful.
 */

async function shot(page: Page, name: string, tag: string): Promise<void> {
  await page.screenshot({ path: `/tmp/shots-a/dialog-${name}-${tag}-light.png` });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `/tmp/shots-a/dialog-${name}-${tag}-dark.png` });
  await page.emulateMedia({ colorScheme: 'light' });
}

for (const vp of [
  { name: 'phone', width: 360, height: 740 },
  { name: 'tablet', width: 1024, height: 768 },
] as const) {
  test.describe(`confirmations on a ${vp.name}`, () => {
    test.use({ viewport: { width: vp.width, height: vp.height } });

    test('stopping a simulated PLC asks first, naming what stops; Cancel (focused) and Escape change nothing', async ({ page, request }) => {
      test.setTimeout(90_000);
      expect([202, 409]).toContain((await request.post('/api/lines/packaging/simulation', { data: { scenario: 'normal' } })).status());
      await page.goto('/processes');
      await waitLive(page);
      const card = page.locator('article[data-process="sim-packaging-plc"]');
      await expect(card.locator('[data-status]')).toHaveText('Running', { timeout: 15_000 });

      await card.getByRole('button', { name: /^Stop/ }).click();
      const dialog = page.getByRole('dialog', { name: /^Stop the simulated PLC of / });
      await expect(dialog).toBeVisible();
      await expect(dialog).toContainText('its values stop updating and show as bad');
      await expect(dialog).toContainText('communication-loss alarms fire');
      await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
      expect((await axeScan(page)).violations).toEqual([]);
      await shot(page, 'stop-plc', vp.name);
      await page.keyboard.press('Enter'); // the focused safe button
      await expect(dialog).toBeHidden();
      await card.getByRole('button', { name: /^Stop/ }).click();
      await page.keyboard.press('Escape');
      await expect(dialog).toBeHidden();
      await page.waitForTimeout(1000);
      await expect(card.locator('[data-status]')).toHaveText('Running');

      // The line page's simulation control asks the same.
      await page.goto('/lines/packaging');
      await waitLive(page);
      const panel = page.getByRole('region', { name: 'Simulated PLC' });
      await panel.getByRole('button', { name: 'Stop simulation' }).click();
      await expect(dialog).toBeVisible();
      await dialog.getByRole('button', { name: 'Stop the PLC' }).click();
      await expect(panel.locator('[data-process="sim-packaging-plc"] [data-status]')).toHaveText('Stopped', { timeout: 10_000 });
      expect((await request.post('/api/lines/packaging/simulation', { data: { scenario: 'normal' } })).status()).toBe(202);
    });

    test('changing a role and disabling a user ask first, naming the consequence; Cancel keeps the role', async ({ page, request }) => {
      const username = `e2e-confirm-${vp.name}`;
      const created = await request.post('/api/users', { data: { username, password: 'confirm password 123', role: 'viewer' } });
      expect([201, 409]).toContain(created.status());
      await page.goto('/admin/users');
      const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: username, exact: true }) });
      const role = row.getByLabel(`Role of ${username}`);
      await expect(role).toHaveValue('viewer');

      await role.selectOption('operator');
      const dialog = page.getByRole('dialog', { name: `Make ${username} an operator?` });
      await expect(dialog).toBeVisible();
      await expect(dialog).toContainText('can acknowledge and shelve alarms, start and stop simulations');
      await expect(dialog).toContainText('applies at once');
      await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
      expect((await axeScan(page)).violations).toEqual([]);
      await shot(page, 'role', vp.name);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(role).toHaveValue('viewer');

      await role.selectOption('operator');
      await dialog.getByRole('button', { name: 'Make operator' }).click();
      await expect(page.getByText(`${username} is now operator.`)).toBeVisible();
      await expect(role).toHaveValue('operator');

      await row.getByRole('button', { name: 'Disable' }).click();
      const disable = page.getByRole('dialog', { name: `Disable ${username}?` });
      await expect(disable).toContainText('signed out on every device at once');
      await shot(page, 'disable', vp.name);
      await disable.getByRole('button', { name: `Disable ${username}` }).click();
      await expect(row).toContainText('disabled');
      const { users } = await (await request.get('/api/users')).json();
      expect(users.find((u: { username: string }) => u.username === username)).toMatchObject({ role: 'operator', disabled: true });
      // Enabling again is harmless: no question.
      await row.getByRole('button', { name: 'Enable' }).click();
      await expect(row).toContainText('active');
    });

    test('a duplicate user is refused next to the Create button, in view', async ({ page }) => {
      await page.goto('/admin/users');
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password (10+ characters)').fill('duplicate password 1');
      await page.getByRole('button', { name: 'Create user' }).click();
      const result = page.getByTestId('create-user-result');
      await expect(result).toContainText('user "admin" exists');
      await expect(result).toBeInViewport();
      await page.screenshot({ path: `/tmp/shots-a/users-duplicate-${vp.name}-light.png` });
    });
  });
}

import { expect, test } from './fixtures.ts';
import { shownAge, waitLive } from './helpers.ts';

test('line view lists every tag with value, unit, quality and a ticking age', async ({ page }) => {
  await page.goto('/lines/filling');
  await waitLive(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Filling 2' })).toBeVisible();
  const rows = page.locator('tbody tr[data-tag]');
  await expect(rows).toHaveCount(16);

  const row = page.locator('tr[data-tag="filling.product-temp"]');
  await expect(row.getByRole('rowheader')).toContainText('Product temperature');
  await expect(row.locator('[data-value]')).toHaveText(/^\d+\.\d$/);
  await expect(row).toContainText('°C');
  await expect(row.locator('[data-cell="quality"]')).toContainText('Good');
  await expect(row.locator('[data-age]:visible')).toHaveText(/^(now|\d+ s ago)$/);
  // Every tag is good while the simulator runs.
  await expect(page.locator('tbody tr[data-quality="good"]')).toHaveCount(16);
  // Fresh values stay fresh: the age keeps being reset by new samples.
  await page.waitForTimeout(2500);
  expect(await shownAge(page, 'filling.product-temp')).toBeLessThan(2500);
  // Bools read as words.
  await expect(page.locator('tr[data-tag="filling.running"] [data-value]')).toHaveText('On');

  await expect(page.getByRole('region', { name: 'Simulated PLC' }).locator('[data-status]')).toHaveText('Running');
});

test('an unknown line answers 404', async ({ page }) => {
  const res = await page.goto('/lines/no-such-line');
  expect(res?.status()).toBe(404);
});

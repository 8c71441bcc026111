import { expect, test } from './fixtures.ts';
import { lineIds, overviewValues, waitLive } from './helpers.ts';

test('overview shows the three demo lines with live values that change', async ({ page }) => {
  // Hydration mismatches, CSP refusals and script errors all end up here.
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await waitLive(page);
  const cards = page.locator('article[data-line]');
  await expect(cards).toHaveCount(3);
  for (const [i, id] of lineIds.entries()) {
    const card = cards.nth(i);
    await expect(card).toHaveAttribute('data-line', id);
    await expect(card.getByRole('heading', { level: 2 })).toHaveText(['Extrusion 1', 'Filling 2', 'Packaging 3'][i]!);
    await expect(card.locator('[data-state]')).toHaveText('Running');
    // Four key values, each with a unit and a number.
    await expect(card.locator('[data-tag]')).toHaveCount(4);
    await expect(card.locator('[data-tag] [data-value]').first()).toHaveText(/^-?[\d,]+(\.\d+)?$/);
    await expect(card.getByText(/^Data age:/)).toBeVisible();
  }

  const first = await overviewValues(page);
  expect(first).toHaveLength(12);
  // Analog values drift and counters count: within a few seconds several differ.
  await expect
    .poll(
      async () => {
        const now = await overviewValues(page);
        return now.filter((v, i) => v !== first[i]).length;
      },
      { timeout: 10_000 },
    )
    .toBeGreaterThanOrEqual(3);

  // Sparklines: history plus live points draw a line in every key value.
  await expect.poll(() => page.locator('article[data-line] svg polyline').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(12);
  expect(errors).toEqual([]);
  // Every card is a link to its line.
  await cards.first().getByRole('link', { name: 'Extrusion 1' }).click();
  await expect(page).toHaveURL(/\/lines\/extrusion$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Extrusion 1' })).toBeVisible();
});

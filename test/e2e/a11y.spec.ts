import { expect, test } from './fixtures.ts';
import { axeScan, seriousViolations, waitLive } from './helpers.ts';

const pages = ['/', '/lines/extrusion', '/processes'];

for (const theme of ['light', 'dark'] as const) {
  test(`axe: no serious or critical violations on any page (${theme} theme)`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: theme });
    for (const path of pages) {
      await page.goto(path);
      await waitLive(page);
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      const bad = seriousViolations(await axeScan(page));
      expect(bad, `${path} (${theme})`).toEqual([]);
    }
  });
}

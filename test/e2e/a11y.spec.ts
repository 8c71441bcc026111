import { expect, test } from './fixtures.ts';
import { axeScan, waitLive } from './helpers.ts';

const pages = ['/', '/lines/extrusion', '/processes'];

for (const theme of ['light', 'dark'] as const) {
  test(`axe: no serious or critical violations on any page (${theme} theme)`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: theme });
    for (const path of pages) {
      await page.goto(path);
      await waitLive(page);
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      const results = await axeScan(page);
      const bad = results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map(
          (v) =>
            `${v.id} (${v.impact}): ${v.help} — ${v.nodes
              .map((n) => n.target.join(' '))
              .slice(0, 5)
              .join(', ')}`,
        );
      expect(bad, `${path} (${theme})`).toEqual([]);
    }
  });
}

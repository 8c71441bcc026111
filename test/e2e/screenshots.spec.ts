import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { waitLive } from './helpers.ts';

const dir = resolve(import.meta.dirname, '../../test-results/screenshots');
const pages = [
  { name: 'overview', path: '/' },
  { name: 'line-extrusion', path: '/lines/extrusion' },
  { name: 'processes', path: '/processes' },
] as const;
const viewports = [
  { name: 'phone', width: 360, height: 740 },
  { name: 'tablet', width: 1024, height: 768 },
] as const;

async function settle(page: Page, path: string): Promise<void> {
  await waitLive(page);
  if (path === '/') await expect.poll(() => page.locator('svg polyline').count(), { timeout: 10_000 }).toBeGreaterThan(0);
  if (path.startsWith('/lines/')) await expect(page.locator('tbody tr[data-quality="good"]').first()).toBeVisible();
}

for (const vp of viewports) {
  for (const theme of ['light', 'dark'] as const) {
    test(`screenshots at ${vp.width}×${vp.height}, ${theme} theme; nothing overflows sideways`, async ({ page }) => {
      await page.setViewportSize({ width: vp.width, height: vp.height });
      await page.emulateMedia({ colorScheme: theme });
      for (const p of pages) {
        await page.goto(p.path);
        await settle(page, p.path);
        await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${p.path} scrolls sideways at ${vp.width} px`).toBeLessThanOrEqual(0);
        // Touch targets: every button, link and select is at least 44 px tall (or an inline text link).
        const small = await page.evaluate(() =>
          [...document.querySelectorAll('button, select, summary, header a, main a:not(article a)')]
            .filter((el) => (el as HTMLElement).offsetParent !== null)
            .map((el) => ({ el: (el as HTMLElement).outerHTML.slice(0, 80), h: el.getBoundingClientRect().height }))
            .filter((x) => x.h < 44),
        );
        expect(small, `${p.path}: touch targets under 44 px`).toEqual([]);
        await page.screenshot({ path: join(dir, `${p.name}-${vp.width}x${vp.height}-${theme}.png`), fullPage: true });
      }
    });
  }
}

test('the theme toggle overrides the system theme and is remembered', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  const toggle = page.getByRole('button', { name: /^Theme:/ });
  await expect(toggle).toHaveAttribute('data-theme-choice', 'auto');
  await toggle.click(); // auto → light
  await toggle.click(); // light → dark
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('button', { name: /^Theme: Dark/ })).toBeVisible();
  await page.getByRole('button', { name: /^Theme:/ }).click(); // dark → auto
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});

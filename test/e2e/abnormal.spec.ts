import { join, resolve } from 'node:path';
import { expect, test } from './fixtures.ts';
import { axeScan, seriousViolations, waitLive } from './helpers.ts';

const dir = resolve(import.meta.dirname, '../../test-results/screenshots');

test.beforeAll(async ({ request }) => {
  expect((await request.delete('/api/lines/filling/simulation')).status()).toBe(200);
});
test.afterAll(async ({ request }) => {
  await request.post('/api/lines/filling/simulation', { data: { scenario: 'normal' } });
});

test('abnormal states (comm lost, bad quality, stopped process) stay readable and accessible', async ({ page }) => {
  // Six pages with axe, four screenshots: more than the default budget on a busy CI box.
  test.setTimeout(120_000);
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    for (const path of ['/', '/lines/filling', '/processes']) {
      await page.goto(path);
      await waitLive(page);
      if (path === '/lines/filling') {
        await expect(page.locator('tbody tr[data-quality="good"]')).toHaveCount(0, { timeout: 8000 });
        await expect(page.locator('[data-state="comm-lost"]')).toHaveText('Comm lost');
      }
      const bad = seriousViolations(await axeScan(page));
      expect(bad, `${path} (${theme})`).toEqual([]);
    }
    // A phone in the light theme, a tablet in the dark one: each page is looked at in both of each.
    {
      const vp = theme === 'light' ? { width: 360, height: 740 } : { width: 1024, height: 768 };
      await page.setViewportSize(vp);
      await page.goto('/lines/filling');
      await waitLive(page);
      await expect(page.locator('tbody tr[data-quality="good"]')).toHaveCount(0);
      await page.screenshot({ path: join(dir, `line-filling-comm-lost-${vp.width}x${vp.height}-${theme}.png`), fullPage: true });
      await page.goto('/');
      await waitLive(page);
      await expect(page.locator('article[data-line="filling"] [data-state]')).toHaveText('Comm lost');
      await page.screenshot({ path: join(dir, `overview-comm-lost-${vp.width}x${vp.height}-${theme}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 720 });
  }
});

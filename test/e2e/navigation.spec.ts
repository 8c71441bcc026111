import type { APIRequestContext, Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeScan, waitLive } from './helpers.ts';

/**
 * Issue 23, navigation: every page is reachable from `/` by clicking the navigation (a crawl
 * of what a user can tap, not of URLs typed in), in one or two taps on a phone; the sticky
 * header bar is ≤ 64 px and one row on a phone, for operators and admins.
 */

const viewports = [
  { name: 'phone', width: 360, height: 740 },
  { name: 'tablet', width: 1024, height: 768 },
] as const;

const operatorPages = ['/', '/alarms', '/history', '/processes', '/jobs', '/settings', '/account'];
const adminPages = [...operatorPages, '/admin/plant', '/admin/users', '/admin/audit'];

async function operatorContext(browser: Browser, request: APIRequestContext, baseURL: string, viewport: { width: number; height: number }) {
  const username = 'e2e-nav-operator';
  const password = 'operator password 123';
  const created = await request.post('/api/users', { data: { username, password, role: 'operator' } });
  expect([201, 409]).toContain(created.status());
  const context = await browser.newContext({ storageState: undefined, baseURL, viewport });
  expect((await context.request.post('/api/auth/login', { data: { username, password } })).status()).toBe(200);
  return context;
}

/** The links a user can tap in the header: in the bar, or in the menu once opened. Opens the menu when there is one. */
async function navTargets(page: Page): Promise<string[]> {
  const menu = page.getByRole('button', { name: 'Menu' });
  if (await menu.isVisible()) {
    await menu.click();
    await expect(page.getByTestId('nav-menu')).toBeVisible();
  }
  const hrefs = await page.locator('header a[href^="/"]:visible').evaluateAll((links) => links.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  if (await menu.isVisible()) await page.keyboard.press('Escape');
  return [...new Set(hrefs)];
}

/**
 * Walks the navigation by tapping, as a user would: from `/`, every page the header offers is
 * tapped in turn from the page the previous tap opened (the menu first where the link is not
 * in the bar), so each page is reached from another one in one or two taps. Every page's header
 * must offer the same pages as `/`'s, so nothing is reachable only from somewhere else.
 */
async function crawl(page: Page): Promise<Map<string, number>> {
  await page.goto('/');
  const offered = await navTargets(page);
  const depth = new Map<string, number>([['/', 0]]);
  for (const to of offered) {
    if (depth.has(to)) continue;
    const inBar = page.locator(`header a[href="${to}"]:visible`).first();
    let taps = 1;
    if (!(await inBar.isVisible())) {
      await page.getByRole('button', { name: 'Menu' }).click();
      taps = 2;
    }
    await page.locator(`header a[href="${to}"]:visible`).first().click();
    // A page may add its own query (History opens on its default tags).
    await expect(page).toHaveURL(new RegExp(`${to === '/' ? '/' : to}(\\?.*)?$`));
    await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
    expect((await navTargets(page)).sort(), `the pages offered on ${to}`).toEqual([...offered].sort());
    depth.set(to, taps);
  }
  return depth;
}

async function headerHeights(page: Page) {
  const bar = (await page.getByTestId('header-bar').boundingBox())!;
  const banner = (await page.getByTestId('alarm-banner').boundingBox())!;
  const header = (await page.locator('header').first().boundingBox())!;
  return { bar: bar.height, banner: banner.height, header: header.height };
}

for (const vp of viewports) {
  test.describe(`navigation on a ${vp.name} (${vp.width}×${vp.height})`, () => {
    test.use({ viewport: { width: vp.width, height: vp.height } });

    test('admin: every page is reached from / by tapping the navigation, in one or two taps; the header bar is one row ≤ 64 px', async ({ page }) => {
      test.setTimeout(120_000);
      await page.goto('/');
      await waitLive(page);
      const h = await headerHeights(page);
      test.info().annotations.push({
        type: 'figure',
        description: `admin ${vp.name}: header bar ${h.bar} px, alarm banner ${h.banner} px, sticky header ${h.header} px`,
      });
      expect(h.bar).toBeLessThanOrEqual(64);
      if (vp.name === 'phone') expect(h.banner).toBeLessThanOrEqual(48);
      const reached = await crawl(page);
      expect([...reached.keys()].sort()).toEqual([...adminPages].sort());
      for (const [path, taps] of reached) expect(taps, path).toBeLessThanOrEqual(2);
    });

    test('operator: every page of the role is reached, none of the admin pages offered; header bar ≤ 64 px', async ({ browser, request, baseURL }) => {
      test.setTimeout(120_000);
      const context = await operatorContext(browser, request, baseURL!, vp);
      const page = await context.newPage();
      await page.goto('/');
      await waitLive(page);
      const h = await headerHeights(page);
      test.info().annotations.push({
        type: 'figure',
        description: `operator ${vp.name}: header bar ${h.bar} px, alarm banner ${h.banner} px, sticky header ${h.header} px`,
      });
      expect(h.bar).toBeLessThanOrEqual(64);
      const reached = await crawl(page);
      expect([...reached.keys()].sort()).toEqual([...operatorPages].sort());
      await context.close();
    });

    test('the menu marks the current page, closes on Escape and on a navigation, and passes axe', async ({ page }) => {
      await page.goto('/jobs');
      await waitLive(page);
      const menu = page.getByRole('button', { name: 'Menu' });
      await menu.click();
      await expect(menu).toHaveAttribute('aria-expanded', 'true');
      const nav = page.getByRole('navigation', { name: 'Main' });
      await expect(nav.locator('[aria-current="page"]:visible')).toHaveText('Jobs');
      expect((await axeScan(page)).violations).toEqual([]);
      await page.screenshot({ path: `/tmp/shots-a/menu-${vp.name}-light.png` });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: `/tmp/shots-a/menu-${vp.name}-dark.png` });
      await page.emulateMedia({ colorScheme: 'light' });
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('nav-menu')).toBeHidden();
      await expect(menu).toBeFocused();
      await menu.click();
      await nav.getByRole('link', { name: 'Settings' }).click();
      await expect(page).toHaveURL(/\/settings$/);
      await expect(page.getByTestId('nav-menu')).toBeHidden();
      await page.screenshot({ path: `/tmp/shots-a/header-${vp.name}-light.png` });
    });
  });
}

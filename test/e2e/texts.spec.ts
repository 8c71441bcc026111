import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { waitLive } from './helpers.ts';

/**
 * Issue 23's small texts on a 360 px phone with an en-US browser: the header clock follows the
 * app's date and time setting, offline the alarm banner's last known counts fit and the offline
 * banner writes its time in that setting, and one point is "1 point".
 */

test.use({ viewport: { width: 360, height: 740 }, locale: 'en-US', timezoneId: 'Europe/Berlin' });

/** The time the header shows for the stream's last event. */
async function headerClock(page: Page): Promise<string> {
  const text = (await page.getByTestId('last-event').textContent()) ?? '';
  return /Last event (\d\d:\d\d:\d\d(?: [AP]M)?)/.exec(text)?.[1] ?? `(none in "${text}")`;
}

test('the header clock follows the date and time setting', async ({ page }) => {
  await page.goto('/settings');
  await waitLive(page);
  // The browser's language writes 12-hour times.
  await expect.poll(() => headerClock(page)).toMatch(/^\d\d:\d\d:\d\d [AP]M$/);
  await page.getByRole('radio', { name: /24-hour clock/ }).check();
  await expect.poll(() => headerClock(page)).toMatch(/^\d\d:\d\d:\d\d$/);
  await page.getByRole('radio', { name: /ISO 8601/ }).check();
  await expect.poll(() => headerClock(page)).toMatch(/^\d\d:\d\d:\d\d$/);
  // The setting is this device's: another page after a reload keeps it.
  await page.goto('/');
  await waitLive(page);
  await expect.poll(() => headerClock(page)).toMatch(/^\d\d:\d\d:\d\d$/);
});

test('offline on a phone: last known alarm counts fit the banner, the offline time is in the setting', async ({ page, context }) => {
  await page.addInitScript(() => localStorage.setItem('lw.date-style', '24h'));
  await page.goto('/');
  await waitLive(page);
  const banner = page.getByTestId('alarm-banner');
  await expect(banner).not.toHaveAttribute('data-banner-state', 'checking');
  await context.setOffline(true);
  try {
    await expect(banner).toHaveAttribute('data-banner-state', 'unknown', { timeout: 15_000 });
    const detail = banner.getByTestId('alarm-banner-detail');
    await expect(detail).toHaveText(/^last known: \S/);
    await expect(detail).toBeVisible();
    // Not cut off: its line is as wide as its text, and inside the phone.
    const fit = await detail.evaluate((el) => {
      const line = el.parentElement!;
      return { scroll: line.scrollWidth, client: line.clientWidth, right: el.getBoundingClientRect().right };
    });
    expect(fit.scroll).toBeLessThanOrEqual(fit.client);
    expect(fit.right).toBeLessThanOrEqual(360);
    expect((await banner.boundingBox())!.height).toBeLessThanOrEqual(48);

    const offline = page.getByTestId('offline-banner');
    await expect(offline).toContainText(/Offline — data from \d\d:\d\d, \d+ (s|min) ago/);
    await expect(offline).not.toContainText(/AM|PM/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    if (process.env.LW_SHOTS) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.evaluate((s) => document.documentElement.setAttribute('data-theme', s), scheme);
        await page.screenshot({ path: `${process.env.LW_SHOTS}/offline-phone-${scheme}.png`, clip: { x: 0, y: 0, width: 360, height: 260 } });
      }
    }
  } finally {
    await context.setOffline(false);
  }
});

test('a trend of one point says "1 point"', async ({ page }) => {
  const to = Date.now() - 60_000;
  const from = to - 5 * 60_000;
  // Whatever the history holds, the answer is cut to one point per series.
  await page.route('**/api/history?**', async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    json.series = json.series.map((s: { t: number[]; v: (number | null)[] }) => ({ ...s, t: [from + 60_000], v: [185] }));
    await route.fulfill({ response, json });
  });
  await page.goto(`/history?tags=extrusion.zone1-temp&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
  await expect(page.getByTestId('trend-status')).toHaveText(/^1 point from /);
});

import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeScan, restoreLine, runScenario, seriousViolations, waitLineAlarm, waitLive } from './helpers.ts';

/**
 * Trends for a supervisor: one tap from a tag (line page, alarm) to its last hour; the last
 * hour follows the live data; a legend with each pen's current value; the tag's alarm limits
 * as lines; on a phone the chart is on the first screen.
 */

const TAG = 'extrusion.melt-temp';
const viewports = [
  { name: 'phone', width: 360, height: 740 },
  { name: 'tablet', width: 1024, height: 768 },
] as const;

const chart = (page: Page) => page.getByTestId('trend');

async function waitDrawn(page: Page): Promise<void> {
  await expect(chart(page)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  await expect.poll(async () => Number(await chart(page).getAttribute('data-points'))).toBeGreaterThan(1);
}

test.describe.configure({ mode: 'serial' });

for (const vp of viewports) {
  test.describe(vp.name, () => {
    test.use({ viewport: { width: vp.width, height: vp.height }, hasTouch: true });

    test(`${vp.name}: one tap from a tag on the line page opens its trend of the last hour, the chart on the first screen`, async ({ page }) => {
      await page.goto('/lines/extrusion');
      await waitLive(page);
      const link = page.locator(`tr[data-tag="${TAG}"] a[data-trend-link="${TAG}"]`);
      await expect(link).toHaveAccessibleName(/Melt temperature.*trend, last hour/);
      await link.tap();
      await expect(page).toHaveURL(new RegExp(`/history\\?tags=${TAG.replace('.', '\\.')}&range=1h$`));
      await waitDrawn(page);
      const from = Number(await chart(page).getAttribute('data-from'));
      const to = Number(await chart(page).getAttribute('data-to'));
      expect(to - from).toBe(3600_000);
      await expect(page.getByTestId('follow')).toHaveText(/following live/);

      // Visible without scrolling: the whole plot inside the first screen.
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      const box = (await chart(page).boundingBox())!;
      expect(box.y, 'the chart starts on the first screen').toBeGreaterThanOrEqual(0);
      expect(box.y + box.height, `the chart ends within ${vp.height} px (top ${Math.round(box.y)})`).toBeLessThanOrEqual(vp.height);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(vp.width);
    });

    test(`${vp.name}: "Last hour" follows the live data: the right edge is now and moves, new points are drawn`, async ({ page }) => {
      await page.goto(`/history?tags=${TAG}&range=1h`);
      await waitDrawn(page);
      await waitLive(page);
      const read = async () => ({
        to: Number(await chart(page).getAttribute('data-to')),
        newest: Number(await chart(page).getAttribute('data-newest')),
      });
      const first = await read();
      const serverNow = Date.now();
      expect(Math.abs(first.to - serverNow), 'the right edge is now').toBeLessThan(5000);
      // Well within the 30 s between two queries: the edge moves and live points arrive without one.
      await expect.poll(async () => (await read()).to - first.to, { timeout: 8000 }).toBeGreaterThanOrEqual(3000);
      await expect.poll(async () => (await read()).newest - first.newest, { timeout: 8000 }).toBeGreaterThan(0);
      const span = await chart(page).evaluate((el) => Number(el.dataset.to) - Number(el.dataset.from));
      expect(span, 'still one hour').toBe(3600_000);

      // A custom range stays put.
      await page.goto(`/history?tags=${TAG}&from=${new Date(first.to - 600_000).toISOString()}&to=${new Date(first.to).toISOString()}`);
      await waitDrawn(page);
      await expect(page.getByTestId('follow')).toHaveCount(0);
      const fixed = Number(await chart(page).getAttribute('data-to'));
      await page.waitForTimeout(2500);
      expect(Number(await chart(page).getAttribute('data-to'))).toBe(fixed);
    });

    test(`${vp.name}: the legend names each pen with its current value and unit; the alarm limits are lines`, async ({ page }) => {
      await page.goto(`/history?tags=${TAG},extrusion.line-speed&range=1h`);
      await waitDrawn(page);
      await waitLive(page);
      const melt = page.locator(`[data-series="${TAG}"]`);
      await expect(melt).toContainText('Melt temperature');
      await expect(melt.getByTestId('pen-current')).toHaveText(/^\d{3}\.\d °C$/);
      await expect(page.locator('[data-series="extrusion.line-speed"]').getByTestId('pen-current')).toHaveText(/^\d+\.\d\d m\/min$/);
      await expect(melt.getByTestId('pen-limits')).toHaveText('limits HIHI 240.0 · HI 230.0');
      // The current value is the live one: it matches the stream's sample.
      const current = Number(await melt.getAttribute('data-current'));
      expect(current).toBeGreaterThan(150);
      expect(current).toBeLessThan(260);

      const limits = (await chart(page).getAttribute('data-limits'))!.split(' ');
      expect(limits).toEqual(expect.arrayContaining([`${TAG}:hihi:240`, `${TAG}:hi:230`]));
      // The y scale reaches the limits: a pixel row of the limit line's colour near the top of the plot.
      const pens = await page.locator('[data-series] svg line').evaluateAll((ls) => ls.map((l) => l.getAttribute('stroke')));
      expect(new Set(pens).size, 'each pen has its own colour').toBe(2);

      const legend = (await page.getByRole('list', { name: 'Pens' }).boundingBox())!;
      const plot = (await chart(page).boundingBox())!;
      if (vp.width >= 1024) expect(legend.x, 'beside the chart on a tablet').toBeGreaterThanOrEqual(plot.x + plot.width - 1);
      else expect(legend.y + legend.height, 'above the chart on a phone').toBeLessThanOrEqual(plot.y + 1);
    });

    test(`${vp.name}: a named view is saved on the device and opens again; its link shares it`, async ({ page }) => {
      await page.goto(`/history?tags=${TAG}&range=8h`);
      await waitDrawn(page);
      await page.getByLabel('Name of this view').fill(`Melt ${vp.name}`);
      await page.getByRole('button', { name: 'Save view' }).click();
      await expect(page.getByRole('status').filter({ hasText: `Saved “Melt ${vp.name}”` })).toBeVisible();
      await page.goto('/history?tags=extrusion.line-speed&range=24h');
      await waitDrawn(page);
      const saved = page.getByTestId('saved-views').getByRole('link', { name: `Melt ${vp.name}` });
      await expect(saved).toHaveAttribute('href', `/history?tags=${TAG}&range=8h`);
      await saved.click();
      await expect(page).toHaveURL(new RegExp(`tags=${TAG.replace('.', '\\.')}&range=8h$`));
      await expect(page.locator(`[data-series="${TAG}"]`)).toBeVisible();
      await expect(page.locator('[data-series="extrusion.line-speed"]')).toHaveCount(0);
      await page.getByRole('button', { name: `Remove the saved view Melt ${vp.name}` }).click();
      await expect(saved).toHaveCount(0);
    });

    // With two pens, their legend and limit lines drawn; the line page is scanned by a11y.spec.ts.
    test(`${vp.name}: axe on the trend page (${vp.name === 'phone' ? 'light' : 'dark'})`, async ({ page }) => {
      const theme = vp.name === 'phone' ? 'light' : 'dark';
      await page.emulateMedia({ colorScheme: theme });
      await page.goto(`/history?tags=${TAG},extrusion.line-speed&range=1h`);
      await waitLive(page);
      await waitDrawn(page);
      expect(seriousViolations(await axeScan(page)), theme).toEqual([]);
    });
  });
}

test('an alarm opens the trend of its tag with one tap, next to its journal', async ({ page, request }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await runScenario(request, 'filling', 'jam');
  try {
    await page.goto('/alarms');
    await waitLive(page);
    const item = page.locator('li[data-alarm="filling.fault.discrete"]');
    await expect(item).toBeVisible({ timeout: 20_000 });
    await expect(item.getByRole('link', { name: 'History' })).toHaveAttribute('href', '/alarms/journal?alarm=filling.fault.discrete');
    const trend = item.getByRole('link', { name: /^Trend of / });
    await expect(trend).toHaveAttribute('href', '/history?tags=filling.fault&range=1h');
    await trend.click();
    await expect(page).toHaveURL(/\/history\?tags=filling\.fault&range=1h$/);
    await expect(chart(page)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
    expect(seriousViolations(await axeScan(page))).toEqual([]);
  } finally {
    await restoreLine(request, 'filling', 'the trend link');
  }
});

/**
 * The trend page as it loads on a phone (412 px, Lighthouse's mobile width): the dates arrive
 * after the first paint (the locale's layouts come from a worker), then the trend and its
 * summary, then the alarm events of its tags (asked for once the trend is there). None of that
 * may push what the reader is looking at down the page. (The header's connection badge
 * changing its word is outside `main`.) One tag with alarm events in the range (filling
 * jammed first), one without.
 */
test('phone: nothing on the trend page moves while it loads, alarm events included', async ({ page, request }) => {
  await page.setViewportSize({ width: 412, height: 823 });
  await runScenario(request, 'filling', 'jam');
  try {
    await waitLineAlarm(request, 'filling', true, 20_000);
    await page.addInitScript(() => {
      const shifts: { value: number; nodes: string[] }[] = [];
      (window as unknown as { lwShifts: typeof shifts }).lwShifts = shifts;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as unknown as { value: number; sources: { node?: Node | null }[] }[]) {
          const inMain = e.sources.map((s) => s.node).filter((n): n is Element => n instanceof Element && n.closest('main') !== null);
          if (inMain.length > 0) shifts.push({ value: e.value, nodes: inMain.map((n) => n.outerHTML.slice(0, 120)) });
        }
      }).observe({ type: 'layout-shift', buffered: true });
    });
    await page.goto('/history?tags=filling.fault,extrusion.screw-speed&range=8h');
    await waitDrawn(page);
    await expect(page.getByTestId('trend-status')).toContainText(/\d+ points from/);
    await expect(page.getByTestId('range')).not.toContainText('—');
    await expect(page.getByTestId('follow')).toBeVisible();
    await expect(page.getByText(/^Alarm events in this range \([1-9]\d*\)/)).toBeVisible();
    // Two frames: a shift is reported after the frame that made it.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(await page.evaluate(() => (window as unknown as { lwShifts: unknown[] }).lwShifts)).toEqual([]);
  } finally {
    await restoreLine(request, 'filling', 'the layout check');
  }
});

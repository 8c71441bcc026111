import type { Page, Request } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { waitLive } from './helpers.ts';

const TAG = 'extrusion.melt-temp';

/** The range of a trend request: [from, to] in epoch ms, and its width. */
function rangeOf(req: Request): { from: number; to: number; width: number } {
  const q = new URL(req.url()).searchParams;
  return { from: Date.parse(q.get('from')!), to: Date.parse(q.get('to')!), width: Number(q.get('width')) };
}

const isTrendRequest = (req: Request) => req.url().includes('/api/history?') && req.url().includes('width=');
/**
 * A trend request whose range passes `check` (a resize re-asks the same range at another
 * width, and a preset range moves with the clock every 30 s).
 */
const trendWhere = (check: (r: { from: number; to: number }) => boolean) => (req: Request) => isTrendRequest(req) && check(rangeOf(req));

/** Opens the page on the demo tag's last hour and waits until a trend with points is drawn. */
async function openTrend(page: Page): Promise<{ from: number; to: number; width: number }> {
  const first = page.waitForRequest(isTrendRequest);
  await page.goto(`/history?tags=${TAG}&range=1h`);
  const asked = rangeOf(await first);
  const chart = page.getByTestId('trend');
  await expect(chart).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(1);
  return asked;
}

/** Pixels of the plot canvas that differ from its background: something is drawn. */
async function inkedPixels(page: Page): Promise<number> {
  return page.locator('[data-testid="trend"] canvas').evaluate((c: HTMLCanvasElement) => {
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
    return n;
  });
}

test('a bare /history keeps its address on arrival (it opens the default view); a change of view is written into it', async ({ page }) => {
  await page.goto('/history');
  const chart = page.getByTestId('trend');
  await expect(chart).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  expect(new URL(page.url()).search).toBe('');
  const tag = page.locator('button[data-tag][aria-pressed="false"]').first();
  const id = await tag.getAttribute('data-tag');
  await tag.click();
  await expect(page).toHaveURL(new RegExp(`/history\\?tags=[^&]*${id!.replace('.', '\\.')}[^&]*&range=`));
});

test('the history page draws a trend of a demo tag; a drag-zoom re-queries the narrower range', async ({ page }) => {
  const asked = await openTrend(page);
  expect(asked.to - asked.from).toBe(3600_000);
  expect(asked.width).toBeGreaterThanOrEqual(500);
  await expect(page.getByTestId('trend-status')).toContainText(/\d+ points from raw samples/);
  expect(await inkedPixels(page)).toBeGreaterThan(200);
  await expect(page.locator(`[data-series="${TAG}"]`)).toContainText('Melt temperature');

  const over = page.locator('[data-testid="trend"] .u-over');
  const box = (await over.boundingBox())!;
  const zoomed = page.waitForRequest(trendWhere((r) => r.to - r.from < 0.5 * 3600_000));
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
  const narrower = rangeOf(await zoomed);
  const span = narrower.to - narrower.from;
  expect(span).toBeGreaterThan(0.1 * 3600_000);
  expect(span).toBeLessThan(0.3 * 3600_000);
  expect(narrower.from).toBeGreaterThan(asked.from + 0.5 * 3600_000);
  await expect(page.getByTestId('trend')).toHaveAttribute('data-from', String(narrower.from));
  await expect(page.getByTestId('trend')).toHaveAttribute('data-state', 'ready');
  expect(new URL(page.url()).searchParams.get('from')).toBe(new Date(narrower.from).toISOString());

  // The buttons do the same for touch and keyboard users.
  const out = page.waitForRequest(trendWhere((r) => r.to - r.from > 1.5 * span));
  await page.getByRole('button', { name: 'Zoom out' }).click();
  const wider = rangeOf(await out);
  expect(wider.to - wider.from).toBe(2 * span);
});

test('on a phone: the page fits 360 px, and a sideways swipe pans (re-querying)', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  const asked = await openTrend(page);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  const over = page.locator('[data-testid="trend"] .u-over');
  const box = (await over.boundingBox())!;
  const panned = page.waitForRequest(trendWhere((r) => r.from < asked.from - 60_000));
  // A one-finger swipe to the right: back in time by the swiped share of the range.
  await over.evaluate((el, b) => {
    const fire = (type: string, x: number) =>
      el.dispatchEvent(new PointerEvent(type, { pointerId: 7, pointerType: 'touch', isPrimary: true, clientX: x, clientY: b.y + b.height / 2, bubbles: true }));
    fire('pointerdown', b.x + b.width * 0.3);
    for (let i = 1; i <= 6; i++) fire('pointermove', b.x + b.width * (0.3 + 0.05 * i));
    fire('pointerup', b.x + b.width * 0.6);
  }, box);
  const moved = rangeOf(await panned);
  expect(moved.to - moved.from).toBe(asked.to - asked.from);
  expect(moved.from).toBeLessThan(asked.from - 0.2 * 3600_000);
  for (const target of await page.getByRole('button').all()) {
    const b = await target.boundingBox();
    if (b && b.width > 0) expect(Math.min(b.width, b.height), (await target.textContent()) ?? '').toBeGreaterThanOrEqual(44);
  }
});

test('an export started on the history page shows on the jobs page, runs to 100 % and downloads', async ({ page }) => {
  await openTrend(page);
  await page.getByRole('button', { name: 'Export CSV of this range' }).click();
  await page.getByRole('link', { name: 'Follow it on the jobs page' }).click();
  await waitLive(page);
  const card = page.locator('article[data-job]').first();
  await expect(card.locator('[data-status]')).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
  await expect(card.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  const download = page.waitForEvent('download');
  await card.getByRole('link', { name: /Download CSV/ }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^linewatch-export-\d+\.csv$/);
});

import { expect, test } from './fixtures.ts';
import { overviewValues, waitLive } from './helpers.ts';

test('a dropped stream shows offline and reconnecting, then recovers without a reload', async ({ page, context }) => {
  await page.goto('/');
  await waitLive(page);
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  const indicator = page.getByTestId('connection');

  await context.setOffline(true);
  await expect(indicator).toHaveAttribute('data-connection', 'offline');
  await expect(indicator.getByRole('status')).toHaveText('Offline');
  // The time of the last event stays on screen, so the supervisor knows how old the view is.
  await expect(page.getByTestId('last-event')).toHaveText(/^Last event \d\d:\d\d:\d\d/);
  const frozen = await overviewValues(page);
  // No events arrive, yet the ages keep ticking: a frozen view is visible as such.
  const dataAge = page.locator('article[data-line="extrusion"] [data-age]');
  await expect(dataAge).toHaveText(/^\d+ s ago$/, { timeout: 5000 });

  // Network back but the stream still refused: the indicator says it keeps trying.
  await page.route('**/api/stream**', (route) => route.abort('connectionrefused'));
  await context.setOffline(false);
  await expect(indicator).toHaveAttribute('data-connection', 'reconnecting');
  await expect(indicator.getByRole('status')).toHaveText('Reconnecting');

  await page.unroute('**/api/stream**');
  await waitLive(page);
  await expect.poll(async () => (await overviewValues(page)).filter((v, i) => v !== frozen[i]).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
});

test('one EventSource per tab, shared across pages, resuming with the last event id', async ({ page }) => {
  const streams: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/stream')) streams.push(r.url());
  });
  await page.goto('/');
  await waitLive(page);
  await page.getByRole('link', { name: 'Processes' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Processes' })).toBeVisible();
  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('link', { name: 'Filling 2' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Filling 2' })).toBeVisible();
  await waitLive(page);
  expect(streams).toHaveLength(1);

  // Coming back from the background refreshes: a new stream that resumes after the last id.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await page.evaluate(() => {
    // Back after a minute away (only the store's notion of "away" is shifted).
    const realNow = Date.now;
    Date.now = () => realNow.call(Date) + 60_000;
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
    Date.now = realNow;
  });
  await expect.poll(() => streams.length).toBe(2);
  expect(streams[1]).toMatch(/lastEventId=\d+/);
  await waitLive(page);
});

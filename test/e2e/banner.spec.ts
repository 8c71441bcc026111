import type { APIRequestContext, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeScan, waitLive } from './helpers.ts';

/**
 * Issue 23, the alarm banner's states are true: unacknowledged (count, highest priority),
 * active and acknowledged (never "no alarms" then), shelved, and unknown while offline. Each
 * state has its words and an icon, not colour alone. Phone and tablet.
 */

interface Alarm {
  id: string;
  state: string;
  active: boolean;
  acknowledged: boolean;
}

const alarmsOf = async (request: APIRequestContext): Promise<Alarm[]> => (await (await request.get('/api/alarms')).json()).alarms;

async function ackAll(request: APIRequestContext): Promise<void> {
  const ids = (await alarmsOf(request)).filter((a) => !a.acknowledged && a.state !== 'normal').map((a) => a.id);
  if (ids.length > 0) await request.post('/api/alarms/ack', { data: { ids, comment: 'e2e banner' } });
}

async function shelveActive(request: APIRequestContext): Promise<void> {
  for (const a of await alarmsOf(request)) {
    if (a.state === 'ack-active' || a.state === 'unack-active') {
      await request.post('/api/alarms/shelve', { data: { id: a.id, durationMin: 30, reason: 'e2e banner: shelved' } });
    }
  }
}

async function unshelveAll(request: APIRequestContext): Promise<void> {
  for (const a of await alarmsOf(request)) if (a.state === 'shelved') await request.post('/api/alarms/unshelve', { data: { id: a.id } });
}

async function shot(page: Page, name: string): Promise<void> {
  const vp = page.viewportSize()!;
  const tag = vp.width < 640 ? 'phone' : 'tablet';
  await page.screenshot({ path: `/tmp/shots-a/banner-${name}-${tag}-light.png`, clip: { x: 0, y: 0, width: vp.width, height: 200 } });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `/tmp/shots-a/banner-${name}-${tag}-dark.png`, clip: { x: 0, y: 0, width: vp.width, height: 200 } });
  await page.emulateMedia({ colorScheme: 'light' });
}

for (const vp of [
  { name: 'phone', width: 360, height: 740 },
  { name: 'tablet', width: 1024, height: 768 },
] as const) {
  test.describe(`alarm banner on a ${vp.name}`, () => {
    test.use({ viewport: { width: vp.width, height: vp.height } });

    test('unacknowledged → active, acknowledged → shelved → unknown (offline), each in words', async ({ page, request, context }) => {
      test.setTimeout(120_000);
      await unshelveAll(request);
      await page.goto('/processes');
      await waitLive(page);
      const banner = page.getByTestId('alarm-banner');
      const text = banner.getByTestId('alarm-banner-text');

      // Unacknowledged: a jam stops the filling line (a high priority alarm).
      await request.delete('/api/lines/filling/simulation');
      expect((await request.post('/api/lines/filling/simulation', { data: { scenario: 'jam' } })).status()).toBe(202);
      await expect(banner).toHaveAttribute('data-banner-state', 'unacked', { timeout: 20_000 });
      await expect(text).toHaveText(/^\d+ unacknowledged$/);
      const unacked = Number(await banner.getAttribute('data-unacked'));
      await expect(text).toHaveText(`${unacked} unacknowledged`);
      // The highest priority shows with its shape, number and word (and its own count).
      await expect(banner.locator('[data-priority]:visible').first()).toContainText(/Critical|High|Medium|Low/);
      expect((await banner.boundingBox())!.height, 'one row').toBeLessThanOrEqual(48);
      expect((await axeScan(page)).violations).toEqual([]);
      await shot(page, 'unacked');

      // Acknowledged, still active: it says so, never "no alarms".
      await expect
        .poll(
          async () => {
            await ackAll(request);
            return banner.getAttribute('data-banner-state');
          },
          { timeout: 20_000 },
        )
        .toBe('acked');
      await expect(text).toHaveText(/^\d+ active, acknowledged$/);
      await expect(banner).not.toContainText('No active alarms');
      await expect(banner.locator('[data-priority]')).toHaveCount(1);
      await shot(page, 'acked');

      // Shelved: nothing active in service.
      await expect
        .poll(
          async () => {
            await ackAll(request);
            await shelveActive(request);
            return banner.getAttribute('data-banner-state');
          },
          { timeout: 20_000 },
        )
        .toBe('suppressed');
      await expect(text).toHaveText(/^\d+ shelved/);
      expect((await axeScan(page)).violations).toEqual([]);
      await shot(page, 'shelved');

      // Offline: nothing can be known now; the last known counts follow.
      await context.setOffline(true);
      await expect(banner).toHaveAttribute('data-banner-state', 'unknown', { timeout: 15_000 });
      await expect(text).toHaveText('Alarms unknown (offline)');
      await expect(banner.getByTestId('alarm-banner-detail')).toHaveText(/^last known: \d+ shelved/);
      await shot(page, 'offline');
      await context.setOffline(false);
      await waitLive(page);
      await expect(banner).toHaveAttribute('data-banner-state', 'suppressed');

      // Back to a calm plant for the specs after this one.
      await unshelveAll(request);
      await request.delete('/api/lines/filling/simulation');
      expect((await request.post('/api/lines/filling/simulation', { data: { scenario: 'normal' } })).status()).toBe(202);
    });
  });
}

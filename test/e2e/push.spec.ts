import type { APIRequestContext, BrowserContext, Page } from '@playwright/test';
import type { AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { AlarmPush } from '../../lib/push/push-types.ts';
import { expect, test } from './fixtures.ts';
import { axeScan, seriousViolations, waitLive } from './helpers.ts';

/**
 * Notifications in the browser. `PushManager.subscribe` cannot work in headless Chromium here
 * (no push service), so pushes are delivered to the service worker through CDP
 * (`ServiceWorker.deliverPushMessage`), the way the browser hands it a push message.
 */

const faultId = 'filling.fault.discrete';

async function runScenario(request: APIRequestContext, scenario: string): Promise<void> {
  await request.delete('/api/lines/filling/simulation');
  expect((await request.post('/api/lines/filling/simulation', { data: { scenario } })).status()).toBe(202);
}

async function alarm(request: APIRequestContext, id: string): Promise<AlarmView | undefined> {
  const { alarms } = (await (await request.get('/api/alarms?all=1')).json()) as { alarms: AlarmView[] };
  return alarms.find((a) => a.id === id);
}

/** The filling fault alarm, raised and unacknowledged (from a calm start). */
async function raiseFault(request: APIRequestContext): Promise<AlarmView> {
  await runScenario(request, 'normal');
  await expect.poll(async () => (await alarm(request, faultId))?.active, { timeout: 20_000 }).toBe(false);
  const { alarms } = (await (await request.get('/api/alarms')).json()) as { alarms: AlarmView[] };
  const ids = alarms.filter((a) => !a.acknowledged).map((a) => a.id);
  if (ids.length > 0) await request.post('/api/alarms/ack', { data: { ids, comment: 'e2e: clean start' } });
  await runScenario(request, 'jam');
  await expect.poll(async () => (await alarm(request, faultId))?.state, { timeout: 20_000 }).toBe('unack-active');
  return (await alarm(request, faultId))!;
}

async function waitControlled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (navigator.serviceWorker.controller) return;
    await new Promise<void>((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }));
  });
}

/**
 * Delivers `data` to the page's service worker as a push message, through CDP, until a
 * notification tagged `tag` is shown. CDP's deliverPushMessage answers before the worker has
 * the message and drops it silently when the worker is not ready for it (seen once in CI),
 * so an unseen delivery is repeated, as a push service redelivers an unacknowledged message.
 */
async function deliverPush(context: BrowserContext, page: Page, data: unknown, tag: string): Promise<void> {
  const origin = new URL(page.url()).origin;
  const cdp = await context.newCDPSession(page);
  const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  await expect.poll(() => registrations.some((r) => r.scopeURL === `${origin}/` && !r.isDeleted)).toBe(true);
  const { registrationId } = registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted)!;
  const shown = async () => (await notifications(page)).some((n) => n.tag === tag);
  for (let attempt = 1; ; attempt++) {
    await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: JSON.stringify(data) });
    try {
      await expect.poll(shown, { timeout: 5_000 }).toBe(true);
      break;
    } catch (error) {
      if (attempt === 3) throw error;
      console.warn(`push for ${tag} not shown after 5 s (attempt ${attempt}): delivering again`);
    }
  }
  await cdp.detach();
}

function pushOf(a: AlarmView, canAck: boolean): AlarmPush {
  return {
    v: 1,
    kind: 'alarm',
    id: a.id,
    line: a.line,
    lineName: 'Filling 2',
    tag: a.tag,
    label: a.label,
    message: a.message,
    priority: a.priority,
    state: a.state,
    value: a.value,
    unit: a.unit,
    decimals: a.decimals,
    ts: a.activeSince ?? Date.now(),
    seq: a.seq,
    canAck,
    url: `/alarms?focus=${encodeURIComponent(a.id)}`,
  };
}

type Shown = { title: string; body: string; tag: string; actions: string[]; url: string };

/** The registration's notifications, read from the page (the worker may be asleep between events). */
async function notifications(page: Page): Promise<Shown[]> {
  return page.evaluate(async () => {
    const list = await (await navigator.serviceWorker.ready).getNotifications();
    return list.map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      actions: ((n as Notification & { actions?: { action: string }[] }).actions ?? []).map((a) => a.action),
      url: (n.data as { url: string }).url,
    }));
  });
}

/** Clicks a notification the way the browser does: a `notificationclick` on the worker with the action. */
async function click(context: BrowserContext, page: Page, tag: string, action: string): Promise<void> {
  // Wake the worker (it may sleep between events), then take the one that runs now.
  const woken = context.serviceWorkers().length > 0 ? null : context.waitForEvent('serviceworker');
  await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.postMessage({ type: 'LW_PING' }));
  const sw = (await woken) ?? context.serviceWorkers().at(-1)!;
  await sw.evaluate(
    async ({ tag, action }) => {
      const scope = self as unknown as ServiceWorkerGlobalScope;
      const [n] = await scope.registration.getNotifications({ tag });
      if (!n) throw new Error(`no notification ${tag}`);
      scope.dispatchEvent(new NotificationEvent('notificationclick', { notification: n, action }));
    },
    { tag, action },
  );
}

test.describe.configure({ mode: 'serial' });

test.afterAll(async ({ request }) => {
  await runScenario(request, 'normal');
  await expect.poll(async () => (await alarm(request, faultId))?.active, { timeout: 20_000 }).toBe(false);
  const { alarms } = (await (await request.get('/api/alarms')).json()) as { alarms: AlarmView[] };
  const ids = alarms.filter((a) => !a.acknowledged).map((a) => a.id);
  if (ids.length > 0) await request.post('/api/alarms/ack', { data: { ids, comment: 'e2e: clean end' } });
});

test('a new alarm while the app is on screen shows a toast that opens it', async ({ page, request }) => {
  await page.goto('/');
  await waitLive(page);
  await raiseFault(request);
  const toast = page.getByTestId('alarm-toasts').locator(`[data-toast-alarm="${faultId}"]`);
  await expect(toast).toBeVisible({ timeout: 20_000 });
  await expect(toast).toContainText('Filler fault: line stopped');
  await expect(toast).toContainText('High');
  await toast.getByRole('link', { name: 'Open' }).click();
  await expect(page).toHaveURL(/\/alarms\?focus=filling\.fault\.discrete$/);
  await expect(page.locator(`li[data-alarm="${faultId}"]`)).toBeFocused();
});

test('a push shows a notification with Acknowledge and Open; Acknowledge acknowledges on the server', async ({ page, context, request, baseURL }) => {
  await context.grantPermissions(['notifications'], { origin: baseURL });
  await page.goto('/settings');
  await waitControlled(page);
  const fault = await raiseFault(request);

  await deliverPush(context, page, pushOf(fault, true), `alarm:${faultId}`);
  await expect.poll(async () => (await notifications(page)).find((n) => n.tag === `alarm:${faultId}`), { timeout: 10_000 }).toBeTruthy();
  const shown = (await notifications(page)).find((n) => n.tag === `alarm:${faultId}`)!;
  expect(shown.title).toBe('High alarm · Filling 2');
  expect(shown.body).toContain('Filler fault: line stopped');
  expect(shown.actions).toEqual(['ack', 'open']);
  expect(shown.url).toBe(`/alarms?focus=${faultId}`);

  await click(context, page, `alarm:${faultId}`, 'ack');
  await expect.poll(async () => (await alarm(request, faultId))?.state, { timeout: 10_000 }).toBe('ack-active');
  const acked = (await alarm(request, faultId))!;
  expect(acked.ack?.by).toBe('admin');
  expect(acked.ack?.comment).toBe('Acknowledged from a notification');
  await expect.poll(async () => (await notifications(page)).length).toBe(0);
});

test('Open (or a tap on the body) focuses the open window and shows the alarm', async ({ page, context, request, baseURL }) => {
  await context.grantPermissions(['notifications'], { origin: baseURL });
  await page.goto('/');
  await waitLive(page);
  await waitControlled(page);
  const fault = await raiseFault(request);
  await deliverPush(context, page, pushOf(fault, false), `alarm:${faultId}`);
  await expect.poll(async () => (await notifications(page)).find((n) => n.tag === `alarm:${faultId}`)?.actions).toEqual(['open']);
  await click(context, page, `alarm:${faultId}`, '');
  await expect(page).toHaveURL(/\/alarms\?focus=filling\.fault\.discrete$/);
  await expect(page.locator(`li[data-alarm="${faultId}"]`)).toBeFocused();
  expect(context.pages()).toHaveLength(1);
});

test('with the app open but hidden, a new alarm becomes a system notification', async ({ page, context, request, baseURL }) => {
  await context.grantPermissions(['notifications'], { origin: baseURL });
  await page.goto('/');
  await waitLive(page);
  await waitControlled(page);
  // As after the opt-in on the settings page; then the tab goes to the background.
  await page.evaluate(() => {
    localStorage.setItem('linewatch.notifications', 'on');
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  });
  await raiseFault(request);
  await expect
    .poll(async () => (await notifications(page)).find((n) => n.tag === `alarm:${faultId}`)?.title, { timeout: 20_000 })
    .toBe('High alarm · Filling 2');
  const shown = (await notifications(page)).find((n) => n.tag === `alarm:${faultId}`)!;
  expect(shown.actions).toEqual(['ack', 'open']);
  await expect(page.getByTestId('alarm-toasts')).toHaveCount(0);
});

test('a flood summary and a malformed push both show something sensible', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['notifications'], { origin: baseURL });
  await page.goto('/settings');
  await waitControlled(page);
  await deliverPush(
    context,
    page,
    {
      v: 1,
      kind: 'summary',
      line: 'filling',
      lineName: 'Filling 2',
      count: 12,
      priority: 'critical',
      newest: [{ id: 'x', message: 'Filler fault: line stopped', priority: 'high' }],
      ts: Date.now(),
      url: '/alarms?line=filling',
    },
    'flood:filling',
  );
  await deliverPush(context, page, { hello: 'world' }, 'unknown');
  await expect.poll(async () => (await notifications(page)).map((n) => n.title).sort()).toEqual(['12 new alarms on Filling 2', 'Linewatch']);
});

test('the settings page offers the opt-in and explains when push is unavailable', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['notifications'], { origin: baseURL });
  await page.goto('/settings');
  await waitControlled(page);
  const status = page.getByTestId('notification-status');
  await expect(status).toContainText('off.');
  await page.getByTestId('notifications-on').click();
  // Headless Chromium has no push service: notifications while open still work.
  await expect(page.getByTestId('notification-message')).toContainText(/Notifications are on/);
  await expect(status).toHaveAttribute('data-enabled', 'true');
});

for (const theme of ['light', 'dark'] as const) {
  test(`settings page: no serious axe violations, fits 360 px, 44 px targets (${theme})`, async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.emulateMedia({ colorScheme: theme });
    await page.goto('/settings');
    await expect(page.getByTestId('notification-status')).not.toContainText('checking');
    expect(seriousViolations(await axeScan(page))).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    const small = await page.evaluate(() =>
      [...document.querySelectorAll('main button, main select, main label:has(input[type=checkbox])')]
        .filter((el) => (el as HTMLElement).offsetParent !== null)
        .map((el) => ({ el: (el as HTMLElement).outerHTML.slice(0, 80), h: el.getBoundingClientRect().height }))
        .filter((x) => x.h < 44),
    );
    expect(small).toEqual([]);
  });
}

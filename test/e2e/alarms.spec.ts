import type { APIRequestContext, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeScan, runScenario, seriousViolations, waitLive } from './helpers.ts';

/**
 * Alarms in the browser: a scenario raises an alarm, it shows in the banner and the list of
 * every open tab; acknowledging it with a comment in one tab updates them all.
 */

const faultId = 'filling.fault.discrete';

/** Acknowledges whatever earlier tests left unacknowledged, so the banner starts calm. */
async function acknowledgeAll(request: APIRequestContext): Promise<void> {
  const { alarms } = await (await request.get('/api/alarms')).json();
  const ids = alarms.filter((a: { acknowledged: boolean }) => !a.acknowledged).map((a: { id: string }) => a.id);
  if (ids.length > 0) await request.post('/api/alarms/ack', { data: { ids, comment: 'e2e: clean start' } });
}

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    // The app has no favicon yet (not this feature's): the browser's own request for it is no page error.
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  return errors;
}

test.describe.configure({ mode: 'serial' });

test.afterAll(async ({ request }) => {
  // Leave the filling line as the demo starts it, with nothing left to acknowledge.
  await runScenario(request, 'filling', 'normal');
  await expect
    .poll(
      async () =>
        (await (await request.get(`/api/alarms?line=filling`)).json()).alarms.some((a: { id: string; active: boolean }) => a.id === faultId && a.active),
      { timeout: 15_000 },
    )
    .toBe(false);
  await acknowledgeAll(request);
});

test('a jam raises the fault alarm in the banner and the list; a comment acknowledgement reaches every tab', async ({ page, context, request }) => {
  await acknowledgeAll(request);
  const errors = collectErrors(page);
  const list2 = await context.newPage();
  const overview = await context.newPage();
  await page.goto('/alarms');
  await list2.goto('/alarms');
  await overview.goto('/');
  for (const p of [page, list2, overview]) await waitLive(p);
  await expect(overview.getByTestId('alarm-banner')).toHaveAttribute('data-unacked', '0');
  await expect(overview.getByTestId('alarm-banner')).not.toHaveAttribute('data-banner-state', 'unacked');

  await runScenario(request, 'filling', 'jam');

  // Banner on another page: the count by priority (shape, number and word) and the alarm.
  const banner = overview.getByTestId('alarm-banner');
  await expect(banner).toHaveAttribute('data-unacked', '1', { timeout: 20_000 });
  const high = banner.locator('[data-priority="high"]');
  await expect(high).toHaveAttribute('data-count', '1');
  await expect(high).toContainText('High');
  await expect(high.locator('svg path')).toHaveCount(1); // the triangle
  await expect(banner.getByTestId('alarm-banner-newest')).toContainText('Filler fault: line stopped');
  // The line's card says it is in alarm, in words (the fault bit is not one of its key values).
  const card = overview.locator('[data-line="filling"]');
  await expect(card.locator('[data-line-alarms]')).toContainText('1 alarm');
  await expect(card.locator('[data-line-alarms]')).toContainText('1 unacknowledged');
  await expect(card.locator('[data-line-alarms]')).toContainText('Filler fault: line stopped');

  // The list, in both tabs.
  const item = page.locator(`li[data-alarm="${faultId}"]`);
  const item2 = list2.locator(`li[data-alarm="${faultId}"]`);
  await expect(item).toHaveAttribute('data-alarm-state', 'unack-active');
  await expect(item2).toHaveAttribute('data-alarm-state', 'unack-active');
  await expect(item.locator('[data-alarm-state]')).toHaveText('Unacknowledged');
  await expect(item.locator('[data-priority]')).toContainText('High');
  await expect(item.locator('[data-alarm-value]')).toHaveText('On');

  await page.getByLabel('Comment for acknowledging (optional)').fill('Bottle jam cleared at the capper');
  await item.getByRole('button', { name: 'Acknowledge: Filler fault: line stopped' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Acknowledged 1 alarm.' })).toBeVisible();

  // Every tab follows through the stream: the other list, and the banner on the overview.
  await expect(item2).toHaveAttribute('data-alarm-state', 'ack-active');
  await expect(item2.locator('[data-alarm-ack]')).toContainText('Acknowledged by admin');
  await expect(item2.locator('[data-alarm-ack]')).toContainText('“Bottle jam cleared at the capper”');
  await expect(banner).toHaveAttribute('data-unacked', '0');
  // Never "no alarms" while one is active: it is active and acknowledged.
  await expect(banner).toHaveAttribute('data-banner-state', 'acked');
  await expect(banner.getByTestId('alarm-banner-text')).toHaveText('1 active, acknowledged');
  await expect(item.getByRole('button', { name: /^Acknowledge/ })).toHaveCount(0);

  // The banner opens the list.
  await banner.getByRole('link').click();
  await expect(overview).toHaveURL(/\/alarms$/);
  await expect(overview.locator(`li[data-alarm="${faultId}"]`)).toBeVisible();
  expect(errors).toEqual([]);
});

test('the history page marks the raise of the alarm on the trend of its tag', async ({ page }) => {
  await page.goto('/history?tags=filling.fault&range=1h');
  await expect(page.getByTestId('trend')).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  const events = page.getByText(/^Alarm events in this range \(\d+\)/);
  await expect(events).toBeVisible();
  await events.click();
  const raised = page.getByRole('list', { name: 'Alarm events' }).getByRole('listitem').filter({ hasText: '▼ raised' });
  await expect(raised.first()).toContainText('Filler fault: line stopped');
});

test('shelving from the list moves the alarm to the shelved section; unshelving brings it back', async ({ page }) => {
  // A notification's link: the line preselected, the alarm in view and focused.
  await page.goto(`/alarms?line=filling&focus=${faultId}`);
  await waitLive(page);
  await expect(page.getByLabel('Line', { exact: true })).toHaveValue('filling');
  const item = page.locator(`li[data-alarm="${faultId}"]`);
  await expect(item).toBeFocused();
  await item.getByRole('button', { name: 'Shelve…' }).click();
  await item.getByLabel('Shelve for').selectOption('30');
  await item.getByLabel('Reason (required)').fill('Capper under repair');
  await item.getByRole('button', { name: 'Shelve', exact: true }).click();
  const shelved = page.getByRole('list', { name: 'Shelved and out-of-service alarms' }).locator(`li[data-alarm="${faultId}"]`);
  await expect(shelved).toHaveAttribute('data-alarm-state', 'shelved');
  await expect(shelved).toContainText('Shelved by admin');
  await expect(shelved).toContainText('“Capper under repair” — condition still active');
  await shelved.getByRole('button', { name: 'Unshelve' }).click();
  // Still active: annunciated again, unacknowledged.
  await expect(page.getByRole('list', { name: 'Alarms in service' }).locator(`li[data-alarm="${faultId}"]`)).toHaveAttribute(
    'data-alarm-state',
    'unack-active',
  );
});

test('viewers see the alarms but no acknowledge or shelve controls', async ({ browser, request, baseURL }) => {
  const created = await request.post('/api/users', { data: { username: 'e2e-viewer', password: 'viewer password 123', role: 'viewer' } });
  expect([201, 409]).toContain(created.status());
  const viewer = await browser.newContext({ storageState: undefined, baseURL });
  const login = await viewer.request.post('/api/auth/login', { data: { username: 'e2e-viewer', password: 'viewer password 123' } });
  expect(login.status()).toBe(200);
  const page = await viewer.newPage();
  await page.goto('/alarms');
  await waitLive(page);
  await expect(page.locator(`li[data-alarm="${faultId}"]`)).toBeVisible();
  await expect(page.getByRole('button', { name: /Acknowledge|Shelve|Unshelve|Out of service/ })).toHaveCount(0);
  await expect(page.getByLabel('Comment for acknowledging (optional)')).toHaveCount(0);
  await expect(page.getByTestId('annunciation-mode')).toBeVisible();
  await viewer.close();
});

test('the journal works on a 360 px phone: filters, entries in order, no sideways scroll, 44 px targets', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`/alarms/journal?alarm=${faultId}`);
  const journal = page.getByTestId('journal');
  await expect(journal.locator('li').first()).toBeVisible();
  const transitions = await journal.locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-transition')));
  // Newest first: … raised, acknowledged, shelved, unshelved.
  expect(transitions.slice(0, 4)).toEqual(['unshelved', 'shelved', 'acknowledged', 'raised']);
  await expect(journal.locator('li[data-transition="acknowledged"]').first()).toContainText('by admin: “Bottle jam cleared at the capper”');
  await page.getByLabel('State change').selectOption('acknowledged');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/transition=acknowledged/);
  await expect
    .poll(() => journal.locator('li').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-transition')))]))
    .toEqual(['acknowledged']);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('main button, main select, main input, header a')]
      .filter((el) => (el as HTMLElement).offsetParent !== null && (el as HTMLInputElement).type !== 'checkbox')
      .map((el) => ({ el: el.outerHTML.slice(0, 80), h: el.getBoundingClientRect().height }))
      .filter((x) => x.h < 44),
  );
  expect(small).toEqual([]);
});

test('sound or vibration for new high-priority alarms: off by default, remembered on the device, and it vibrates', async ({ page, request }) => {
  // Headless Chromium has no vibrator: record what the page asks of it.
  await page.addInitScript(() => {
    const vibrations: unknown[] = [];
    Object.assign(window, { vibrations });
    Object.defineProperty(navigator, 'vibrate', { value: (pattern: unknown) => (vibrations.push(pattern), true) });
  });
  await page.goto('/alarms');
  const mode = page.getByTestId('annunciation-mode');
  await expect(mode).toHaveValue('off');
  await mode.selectOption('vibrate');
  await page.reload();
  await expect(page.getByTestId('annunciation-mode')).toHaveValue('vibrate');
  await waitLive(page);

  // A new high-priority alarm (the filler fault, raised again by a jam) vibrates the device.
  await runScenario(request, 'filling', 'normal');
  await expect
    .poll(
      async () =>
        (await (await request.get('/api/alarms?line=filling')).json()).alarms.some((a: { id: string; active: boolean }) => a.id === faultId && a.active),
      { timeout: 15_000 },
    )
    .toBe(false);
  await acknowledgeAll(request);
  await runScenario(request, 'filling', 'jam');
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { vibrations: unknown[] }).vibrations), { timeout: 20_000 })
    .toContainEqual([300, 150, 300]);
  await page.getByTestId('annunciation-mode').selectOption('off');
});

test('the KPI page shows the rates, floods, chattering, standing alarms and bad actors of a period', async ({ page }) => {
  await page.goto('/alarms/kpi');
  await expect(page.locator('[data-kpi="annunciated"] dd').first()).toHaveText(/^\d+$/);
  await expect(page.locator('[data-kpi="average"]')).toContainText(/Very likely acceptable|Manageable|over-demanding/);
  await expect(page.getByRole('img', { name: /Alarms per 10 minutes over the period: 144 periods/ })).toBeVisible();
  await expect(page.locator(`[data-top="${faultId}"]`)).toBeVisible();
  await page.getByLabel('Period', { exact: true }).selectOption('1h');
  await expect(page.getByRole('img', { name: /: 6 periods/ })).toBeVisible();
  for (const heading of ['Flood periods', 'Chattering alarms', 'Standing alarms now', 'Most frequent alarms', 'Priority mix']) {
    await expect(page.getByRole('heading', { name: new RegExp(`^${heading}`) })).toBeVisible();
  }
});

// The journal and the KPI page are scanned with the date checks (dates.spec.ts), in both themes.
for (const theme of ['light', 'dark'] as const) {
  test(`axe: no serious or critical violations on /alarms (${theme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: theme });
    await page.goto('/alarms');
    await waitLive(page);
    // Scan the page with its data, not its loading placeholder.
    await expect(page.locator('main').getByText(/^Loading/)).toHaveCount(0);
    expect(seriousViolations(await axeScan(page))).toEqual([]);
  });
}

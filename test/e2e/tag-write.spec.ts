import type { APIRequestContext, Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeScan, waitLive } from './helpers.ts';

/**
 * Writing setpoints and commands from the line page (issue 21), on a phone: the dialog, its
 * checks before sending, the confirmation of old → new, the read-back outcome; viewers see
 * no write affordance at all.
 */

const phone = { width: 360, height: 740 };
const setpoint = 'extrusion.zone1-setpoint';

/** A fresh phone-sized browser context signed in as a new user of `role`. */
async function signedIn(browser: Browser, baseURL: string, request: APIRequestContext, role: 'viewer' | 'operator') {
  const username = `e2e-write-${role}`;
  const password = `${role} password 123`;
  const created = await request.post('/api/users', { data: { username, password, role } });
  expect([201, 409]).toContain(created.status());
  const context = await browser.newContext({ storageState: undefined, baseURL, viewport: phone, isMobile: true, hasTouch: true });
  expect((await context.request.post('/api/auth/login', { data: { username, password } })).status()).toBe(200);
  return context;
}

/** The line's simulated PLC runs (earlier specs of this worker may have stopped it). */
async function simulationRuns(request: APIRequestContext, line: string): Promise<void> {
  expect([202, 409]).toContain((await request.post(`/api/lines/${line}/simulation`, { data: { scenario: 'normal' } })).status());
}

async function openLine(page: Page, line: string, tag: string): Promise<void> {
  await page.goto(`/lines/${line}`);
  await waitLive(page);
  await expect(page.locator(`tr[data-tag="${tag}"]`)).toHaveAttribute('data-quality', 'good', { timeout: 15_000 });
}

/** Every `data-outcome` the dialog shows, in order (Sending… is brief). */
async function recordOutcomes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __outcomes: string[] }).__outcomes = seen;
    new MutationObserver(() => {
      const s = document.querySelector('dialog [data-outcome]')?.getAttribute('data-outcome');
      if (s && seen.at(-1) !== s) seen.push(s);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-outcome'] });
  });
}

test('an operator changes a setpoint on a phone: checked before sending, old → new confirmed, read back', async ({ browser, request, baseURL }) => {
  await simulationRuns(request, 'extrusion');
  const context = await signedIn(browser, baseURL!, request, 'operator');
  const page = await context.newPage();
  const writes: { url: string; body: unknown }[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes('/api/tags/')) writes.push({ url: r.url(), body: r.postDataJSON() });
  });
  await openLine(page, 'extrusion', setpoint);

  const open = page.locator(`tr[data-tag="${setpoint}"]`).getByRole('button', { name: 'Set… Barrel zone 1 setpoint' });
  await open.click();
  const dialog = page.getByRole('dialog', { name: 'Set Barrel zone 1 setpoint' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(setpoint);
  await expect(dialog.locator('[data-limits]')).toHaveText('175 … 195 °C, step 1 °C');
  const input = dialog.getByLabel('New value (°C)');
  await expect(input).toBeFocused();
  await expect(input).toHaveAttribute('inputmode', 'decimal');

  const scan = await axeScan(page);
  expect(scan.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

  // Outside the limits: refused in the dialog with the limit named; nothing sent.
  await input.fill('250');
  await dialog.getByRole('button', { name: 'Next' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Not sent. The value must be at most 195 °C');
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await input.fill('190.5');
  await dialog.getByRole('button', { name: 'Next' }).click();
  await expect(dialog.getByRole('alert')).toContainText('steps of 1 °C');
  expect(writes, 'refused values are not sent').toEqual([]);

  const current = Number(await dialog.locator('[data-current] [data-value]').textContent());
  expect(current).toBeGreaterThanOrEqual(175);
  const target = current === 190 ? 189 : 190;
  await input.fill(String(target));
  await dialog.getByRole('button', { name: 'Next' }).click();
  const question = dialog.locator('[data-question]');
  await expect(question).toHaveText(`Change Barrel zone 1 setpoint from ${current} °C to ${target} °C?`);
  // The safe answer has the focus; Back keeps what was typed.
  await expect(dialog.getByRole('button', { name: 'Back' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Back' }).click();
  await expect(input).toHaveValue(String(target));
  await dialog.getByRole('button', { name: 'Next' }).click();
  await expect(question).toBeVisible();

  await recordOutcomes(page);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  const outcome = dialog.getByRole('status');
  await expect(outcome).toHaveText(`Confirmed — PLC shows ${target} °C`, { timeout: 15_000 });
  expect(await page.evaluate(() => (window as unknown as { __outcomes: string[] }).__outcomes)).toEqual(['sending', 'confirmed']);
  expect(writes).toEqual([{ url: expect.stringContaining(`/api/tags/${encodeURIComponent(setpoint)}/write`), body: { value: target, confirm: true } }]);

  // The result stays until the user closes it; focus returns to the button that opened it.
  await page.waitForTimeout(500);
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();
  await expect(page.locator(`tr[data-tag="${setpoint}"] [data-value]`)).toHaveText(String(target));

  const { entries } = await (await request.get('/api/audit?action=tag.write&limit=5')).json();
  expect(entries[0]).toMatchObject({ username: 'e2e-write-operator', target: setpoint, result: 'ok' });
  await context.close();
});

test('an operator resets a fault and stops and starts a line with commands; Escape closes the dialog', async ({ browser, request, baseURL }) => {
  await simulationRuns(request, 'filling');
  const context = await signedIn(browser, baseURL!, request, 'operator');
  const page = await context.newPage();
  const run = 'filling.run-command';
  await openLine(page, 'filling', run);
  try {
    // A momentary command opens on its confirmation.
    await page.getByRole('button', { name: 'Reset fault Filler fault reset' }).click();
    let dialog = page.getByRole('dialog', { name: 'Reset fault: Filler fault reset' });
    await expect(dialog.locator('[data-question]')).toHaveText('Reset fault: send a 500 ms pulse to Filler fault reset?');
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await page.getByRole('button', { name: 'Reset fault Filler fault reset' }).click();
    await dialog.getByRole('button', { name: 'Confirm: Reset fault' }).click();
    await expect(dialog.getByRole('status')).toHaveText('Pulse sent (500 ms)', { timeout: 10_000 });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // A latched command: the button says what the write will do, from the current value.
    const row = page.locator(`tr[data-tag="${run}"]`);
    await expect(row.locator('[data-value]')).toHaveText('On');
    await row.getByRole('button', { name: 'Stop line Filler run command' }).click();
    dialog = page.getByRole('dialog', { name: 'Filler run command' });
    await expect(dialog.getByRole('radio', { name: /Stop line/ })).toBeChecked();
    await dialog.getByRole('button', { name: 'Next' }).click();
    await expect(dialog.locator('[data-question]')).toHaveText('Stop line: change Filler run command from On to Off?');
    await dialog.getByRole('button', { name: 'Confirm: Stop line' }).click();
    await expect(dialog.getByRole('status')).toHaveText('Confirmed — PLC shows Off', { timeout: 10_000 });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(page.locator('main h1 + span [data-state]')).toHaveAttribute('data-state', 'stopped', { timeout: 10_000 });
    // A tag is written at most once a second (the plant's `minIntervalMs`): sooner is refused (429).
    await page.waitForTimeout(1000);

    await row.getByRole('button', { name: 'Start line Filler run command' }).click();
    await expect(dialog.getByRole('radio', { name: /Start line/ })).toBeChecked();
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByRole('button', { name: 'Confirm: Start line' }).click();
    await expect(dialog.getByRole('status')).toHaveText('Confirmed — PLC shows On', { timeout: 10_000 });
  } finally {
    // Whatever happened above, the line runs again for the specs after this one.
    await request.post(`/api/tags/${encodeURIComponent(run)}/write`, { data: { value: true, confirm: true } });
    await context.close();
  }
});

test('a viewer sees no write affordance, and the server refuses their writes', async ({ browser, request, baseURL }) => {
  const context = await signedIn(browser, baseURL!, request, 'viewer');
  const page = await context.newPage();
  await openLine(page, 'extrusion', setpoint);
  await expect(page.locator(`tr[data-tag="${setpoint}"] [data-value]`)).toBeVisible();
  await expect(page.locator('[data-write]')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^(Set…|Reset fault|Stop line|Start line)/ })).toHaveCount(0);
  expect((await context.request.post(`/api/tags/${encodeURIComponent(setpoint)}/write`, { data: { value: 190, confirm: true } })).status()).toBe(403);
  await context.close();
});

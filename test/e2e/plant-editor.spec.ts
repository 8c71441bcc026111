import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { APIRequestContext, Browser, Page } from '@playwright/test';
import { plantSchema } from '../../lib/plant/schema.ts';
import { handlePdu } from '../../server/simulator/modbus-pdu.ts';
import { listenModbusTcp, type ModbusTcpServer } from '../../server/simulator/modbus-tcp-server.ts';
import { createRegisterImage } from '../../server/simulator/register-image.ts';
import { expect, test } from './fixtures.ts';
import { axeScan, waitLive } from './helpers.ts';

/**
 * The plant editor (issue 20), as an admin on a tablet and on a phone: a new PLC connection
 * with five tags (three of them through "Add many tags"), "Read now" against a real Modbus
 * TCP server started here, Apply, and the new tags' values on the line page. Every test puts
 * the plant back as it found it (a rollback), so the other specs of this worker's server see
 * the demo plant.
 */

const shots = resolve(import.meta.dirname, '../../test-results/screenshots');

/** The five tags a test adds (file format) and the engineering values its PLC holds for them. */
function plcTags(p: string) {
  const tags = [
    { name: `${p}-zone-1-temp`, area: 'holding', address: 100, type: 'float32', unit: '°C' },
    { name: `${p}-zone-2-temp`, area: 'holding', address: 102, type: 'float32', unit: '°C' },
    { name: `${p}-zone-3-temp`, area: 'holding', address: 104, type: 'float32', unit: '°C' },
    { name: `${p}-speed`, area: 'holding', address: 110, type: 'int16', scale: 0.1, decimals: 1 },
    { name: `${p}-running`, area: 'coil', address: 0, type: 'bool', decimals: 0 },
  ];
  const values = [101.5, 102.5, 103.5, 123.4, 1];
  const shown = ['101.5', '102.5', '103.5', '123.4', 'On'];
  return { tags, values, shown };
}

/** A real Modbus TCP PLC on a free loopback port holding the tags' values. */
async function startPlc(p: string): Promise<ModbusTcpServer> {
  const { tags, values } = plcTags(p);
  const parsed = plantSchema.parse({ name: 'plc', lines: [{ id: 'plc', name: 'PLC', connections: [{ id: 'plc', protocol: 'tcp', tags }] }] });
  const configs = parsed.lines[0]!.connections[0]!.tags;
  const image = createRegisterImage(configs, 1000);
  for (const [i, t] of configs.entries()) image.setTag(t, values[i]!);
  return listenModbusTcp({ host: '127.0.0.1', port: 0, unitIds: new Set([1]), handle: (pdu) => handlePdu(pdu, image) });
}

/** The plant version now, to roll back to after the test. */
async function currentVersion(request: APIRequestContext): Promise<number> {
  const res = await request.get('/api/plant');
  expect(res.status()).toBe(200);
  return (await res.json()).version;
}

/** Applies version `version` again (a new version), unless it is the current one. */
async function restore(request: APIRequestContext, version: number): Promise<void> {
  const now = await currentVersion(request);
  if (now === version) return;
  const res = await request.post('/api/plant/rollback', { data: { version, baseVersion: now } });
  expect(res.status(), await res.text()).toBe(200);
}

/**
 * Set by a test that changes the plant: the version to put back, and the PLCs to stop, after
 * it — in a hook, so that it happens on a failure or a timeout too.
 */
let restoreTo: number | null = null;
const plcs: ModbusTcpServer[] = [];
test.afterEach(async ({ request }) => {
  if (restoreTo !== null) await restore(request, restoreTo);
  restoreTo = null;
  for (const plc of plcs.splice(0)) await plc.close();
});

/** These drive a whole form through a production server shared with a second worker: more than the default 45 s on a busy machine. */
const longTestMs = 120_000;

async function shot(page: Page, name: string): Promise<void> {
  await mkdir(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `plant-editor-${name}.png`) });
}

/** Fills a field of `scope` found by its label and leaves it (as typing would). */
async function fill(scope: ReturnType<Page['locator']>, label: string, value: string) {
  const field = scope.getByLabel(label, { exact: true });
  await field.fill(value);
  await expect(field).toHaveValue(value);
}

/** Adds the test's connection and its five tags to line `lineId` through the form; leaves the editor on it. */
async function addConnection(page: Page, lineName: string, p: string, port: number) {
  await page.goto('/admin/plant');
  await expect(page.getByRole('heading', { level: 1, name: 'Plant' })).toBeVisible();
  await page.getByRole('list', { name: 'Lines' }).getByRole('button', { name: lineName }).click();
  await expect(page.getByRole('heading', { name: `Line ${lineName}` })).toBeVisible();
  await page.getByRole('button', { name: 'Add connection' }).click();

  const conn = page.locator('[data-connection-form]');
  await fill(conn, 'Connection id', `${p}-plc`);
  await expect(page.getByRole('heading', { name: `Connection ${p}-plc` })).toBeVisible();
  await fill(conn, 'Host', '127.0.0.1');
  await fill(conn, 'Port', String(port));
  // A connection without tags is a problem the editor names by path, as the file would.
  await expect(conn.getByText('needs at least 1')).toBeVisible();

  // Three float32 zones through "Add many tags".
  await conn.getByRole('button', { name: 'Add many tags' }).click();
  const bulk = page.getByRole('form', { name: 'Add many tags' });
  await fill(bulk, 'How many (1–500)', '3');
  await bulk.getByLabel('Type', { exact: true }).selectOption('float32');
  await fill(bulk, 'First address', '100');
  // A pattern without {n} is refused, naming the field.
  await fill(bulk, 'Name pattern', `${p}-zone-temp`);
  await expect(bulk.getByText('must contain {n}')).toBeVisible();
  await expect(bulk.getByRole('button', { name: /^Add/ })).toBeDisabled();
  await fill(bulk, 'Name pattern', `${p}-zone-{n}-temp`);
  await fill(bulk, 'Unit (optional)', '°C');
  await expect(bulk).toContainText(`Makes 3 tags: ${p}-zone-1-temp at holding 100 … ${p}-zone-3-temp at 104.`);
  await bulk.getByRole('button', { name: 'Add 3 tags' }).click();
  await expect(bulk).toHaveCount(0);

  // Two more, one by one: an int16 with a scale, and a coil.
  await conn.getByRole('button', { name: 'Add tag', exact: true }).click();
  let form = page.locator('[data-tag-form]');
  await fill(form, 'Name', `${p}-speed`);
  await fill(form, 'Address', '110');
  await form.getByLabel('Type', { exact: true }).selectOption('int16');
  await fill(form, 'Scale', '0.1');
  await fill(form, 'Decimals', '1');
  await conn.getByRole('button', { name: `Close tag ${p}-speed` }).click();

  await conn.getByRole('button', { name: 'Add tag', exact: true }).click();
  form = page.locator('[data-tag-form]');
  await fill(form, 'Name', `${p}-running`);
  await form.getByLabel('Area', { exact: true }).selectOption('coil');
  await expect(form.getByLabel('Type', { exact: true })).toHaveValue('bool');
  // Validation as typed: an address past the last register is named at once.
  await fill(form, 'Address', '70000');
  await expect(form.getByText('must be at most 65535')).toBeVisible();
  await fill(form, 'Address', '0');
  await expect(form.getByText('must be at most 65535')).toHaveCount(0);
  await conn.getByRole('button', { name: `Close tag ${p}-running` }).click();

  await expect(conn.getByRole('heading', { name: /^Tags/ })).toContainText('(5)');
  await expect(page.getByTestId('draft-status')).toHaveText(/^Draft from version \d+: 1 change$/);
  return conn;
}

/** "Read now": the PLC's values through the edited settings, before anything is saved. */
async function readNow(page: Page, conn: ReturnType<Page['locator']>, p: string) {
  const { tags, shown } = plcTags(p);
  await conn.getByRole('button', { name: 'Read now' }).click();
  const result = conn.getByTestId('read-now');
  await expect(result).toBeVisible({ timeout: 20_000 });
  for (const [i, t] of tags.entries()) {
    const row = result.locator(`[data-read-tag="${t.name}"]`);
    await expect(row.locator('[data-value]')).toContainText(shown[i]!);
    await expect(row).toHaveAttribute('data-quality', 'good');
  }
  // Raw registers too: the int16 holds 1234 (× 0.1).
  await expect(result.locator(`[data-read-tag="${p}-speed"]`)).toContainText('1234');
}

/** Review (the draft's changes include `expected`) and apply; returns the new version. */
async function apply(page: Page, comment: string, expected: string): Promise<number> {
  await page.getByRole('button', { name: 'Review and apply' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('list', { name: 'Changes in this draft' })).toContainText(expected);
  await dialog.getByLabel(/^Comment/).fill(comment);
  await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
  const done = dialog.locator('[data-outcome="applied"]');
  await expect(done).toBeVisible({ timeout: 30_000 });
  const version = Number(/now version (\d+)/.exec((await done.getByRole('heading').textContent()) ?? '')?.[1]);
  expect(version).toBeGreaterThan(1);
  return version;
}

async function expectTagsOnLinePage(page: Page, lineId: string, p: string) {
  const { tags, shown } = plcTags(p);
  for (const [i, t] of tags.entries()) {
    const row = page.locator(`tr[data-tag="${lineId}.${t.name}"]`);
    await expect(row.locator('[data-value]')).toHaveText(shown[i]!, { timeout: 30_000 });
    await expect(row).toHaveAttribute('data-quality', 'good');
  }
}

test.describe('tablet', () => {
  test.use({ viewport: { width: 1024, height: 768 } });

  test('an admin adds a connection with five tags, reads it, applies; an open line page shows the values live', async ({ page, request, context }) => {
    test.setTimeout(longTestMs);
    const before = await currentVersion(request);
    restoreTo = before;
    const plc = await startPlc('tab');
    plcs.push(plc);
    // A line page open before the apply: it must show the new tags without a reload.
    const linePage = await context.newPage();
    await linePage.goto('/lines/filling');
    await waitLive(linePage);

    const conn = await addConnection(page, 'Filling 2', 'tab', plc.port);
    // Filter and sort the table (the view only: the file keeps its order).
    await conn.getByLabel('Filter tags').fill('zone');
    await expect(conn.locator('tr[data-tag-row]')).toHaveCount(3);
    await conn.getByLabel('Sort by').selectOption('name');
    await conn.getByRole('button', { name: /^Ascending/ }).click();
    await expect(conn.locator('tr[data-tag-row]').first()).toHaveAttribute('data-tag-row', 'tab-zone-3-temp');
    await conn.getByLabel('Filter tags').fill('');
    await conn.getByLabel('Sort by').selectOption('file');
    await expect(conn.locator('tr[data-tag-row]')).toHaveCount(5);
    await readNow(page, conn, 'tab');
    await conn.getByTestId('read-now').scrollIntoViewIfNeeded();
    await shot(page, 'tablet-read-now');
    await conn.getByRole('button', { name: 'Edit tag tab-speed' }).click();
    await page.locator('[data-tag-form]').scrollIntoViewIfNeeded();
    await shot(page, 'tablet-tag-form');
    const scan = await axeScan(page);
    expect(scan.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

    const version = await apply(page, 'e2e: tablet PLC', 'Addedlines[filling].connections[tab-plc]');
    await shot(page, 'tablet-applied');
    expect(version).toBe(before + 1);
    expect(plc.stats().requests).toBeGreaterThan(0);

    await expectTagsOnLinePage(linePage, 'filling', 'tab');
    await expect(linePage.locator('tr[data-tag="filling.tab-zone-2-temp"]')).toContainText('°C');
    await linePage.bringToFront();
    await shot(linePage, 'tablet-line-page');
    await linePage.close();

    // The version is listed with who applied it and why; its diff is readable.
    await page.keyboard.press('Escape');
    await page.getByRole('tab', { name: 'Versions' }).click();
    const item = page.locator(`li[data-version="${version}"]`);
    await expect(item).toContainText('Applied by admin');
    await expect(item).toContainText('e2e: tablet PLC');
    await item.getByRole('button', { name: `Changes in version ${version}` }).click();
    await expect(item.getByRole('list', { name: `Changes from version ${before} to version ${version}` })).toContainText('lines[filling].connections[tab-plc]');
    await shot(page, 'tablet-versions');
  });

  test('a concurrent apply is refused with what changed, then applied on top; a bad file is refused by path', async ({ page, request }) => {
    test.setTimeout(longTestMs);
    const before = await currentVersion(request);
    restoreTo = before;
    // Admins reach the editor from the main navigation.
    await page.goto('/');
    // On a tablet the configuration pages are in the menu (one tap more).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plant' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Plant' })).toBeVisible();
    await expect(page).toHaveURL(/\/admin\/plant$/);

    // Export: the current version as a plant file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Export version ${before} (.json)` }).click()]);
    expect(download.suggestedFilename()).toBe(`plant-v${before}.json`);
    const exported = JSON.parse(await readFile((await download.path())!, 'utf8'));
    expect(exported).toEqual((await (await request.get('/api/plant')).json()).plant);

    const name = page.getByLabel('Plant name', { exact: true });
    await name.fill('Demo plant (edited in the browser)');
    await expect(page.getByTestId('draft-status')).toContainText('1 change');

    // Meanwhile another admin applies a change of their own.
    const { plant } = await (await request.get('/api/plant')).json();
    const theirs = structuredClone(plant);
    theirs.lines.find((l: any) => l.id === 'packaging').description = 'Changed by someone else';
    const put = await request.put('/api/plant', { data: { baseVersion: before, plant: theirs, comment: 'the other admin' } });
    expect(put.status(), await put.text()).toBe(200);

    await page.getByRole('button', { name: 'Review and apply' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
    const conflict = dialog.locator('[data-outcome="conflict"]');
    await expect(conflict).toContainText(`someone else applied version ${before + 1} meanwhile`);
    await expect(conflict).toContainText('the other admin');
    await expect(conflict.getByRole('list')).toContainText('lines[packaging].description');
    await shot(page, 'tablet-conflict');
    const scan = await axeScan(page);
    expect(scan.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await conflict.getByRole('button', { name: `Reload on top of version ${before + 1}` }).click();
    await expect(dialog.locator('[data-outcome="rebased"]')).toBeVisible();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(name).toHaveValue('Demo plant (edited in the browser)');
    const version = await apply(page, 'e2e: on top', 'Changedname');
    expect(version).toBe(before + 2);
    const now = await (await request.get('/api/plant')).json();
    expect(now.plant.name).toBe('Demo plant (edited in the browser)');
    expect(now.plant.lines.find((l: any) => l.id === 'packaging').description).toBe('Changed by someone else');
    await page.keyboard.press('Escape');

    // Import: a file with problems is refused with each one by path; the draft is unchanged.
    const bad = structuredClone(now.plant);
    bad.lines[0].connections[0].tags[2].address = 70000;
    bad.lines[1].id = 'Bad Id';
    await page
      .getByLabel('Import a plant file…')
      .setInputFiles({ name: 'bad-plant.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
    const refused = page.getByRole('dialog').locator('[data-outcome="import-failed"]');
    await expect(refused).toContainText('bad-plant.json was not loaded: 3 problems');
    await expect(refused).toContainText('lines[0].connections[0].tags[2].address: must be at most 65535');
    await expect(refused).toContainText('lines[0].connections[0].tags[2].address: float32 at 70000 runs past register 65535');
    await expect(refused).toContainText('lines[1].id: must be 1–40 lowercase letters, digits or dashes');
    await refused.getByRole('button', { name: 'Close' }).click();
    await expect(page.getByTestId('draft-status')).toHaveText(/^No changes to version/);
  });
});

test.describe('phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('an admin adds a connection with five tags on a 360 px phone, reads it, applies and sees the values', async ({ page, request }) => {
    test.setTimeout(longTestMs);
    restoreTo = await currentVersion(request);
    const plc = await startPlc('ph');
    plcs.push(plc);
    const conn = await addConnection(page, 'Filling 2', 'ph', plc.port);
    // Phones get cards, not a table.
    await expect(conn.locator('table')).toHaveCount(0);
    await expect(conn.locator('li[data-tag-row="ph-speed"]')).toBeVisible();
    // Duplicate a tag (named apart), remove the copy, and undo a removal.
    await conn.getByRole('button', { name: 'Duplicate tag ph-speed' }).click();
    await expect(conn.locator('li[data-tag-row="ph-speed-copy"]')).toBeVisible();
    await conn.getByRole('button', { name: 'Remove tag ph-speed-copy' }).click();
    await expect(conn.locator('li[data-tag-row]')).toHaveCount(5);
    await conn.getByRole('button', { name: 'Remove tag ph-zone-2-temp' }).click();
    await expect(conn.locator('li[data-tag-row]')).toHaveCount(4);
    await page.getByTestId('draft-bar').getByRole('button', { name: 'Undo' }).click();
    await expect(conn.locator('li[data-tag-row="ph-zone-2-temp"]')).toBeVisible();
    await readNow(page, conn, 'ph');
    await conn.getByTestId('read-now').scrollIntoViewIfNeeded();
    await shot(page, 'phone-read-now');
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const scan = await axeScan(page);
    expect(scan.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

    await apply(page, 'e2e: phone PLC', 'Addedlines[filling].connections[ph-plc]');
    await shot(page, 'phone-applied');
    await page.goto('/lines/filling');
    await waitLive(page);
    await expectTagsOnLinePage(page, 'filling', 'ph');
    await page.locator('tr[data-tag="filling.ph-zone-1-temp"]').scrollIntoViewIfNeeded();
    await shot(page, 'phone-line-page');
  });
});

test.describe('RTU', () => {
  test.use({ viewport: { width: 1024, height: 768 } });

  test('an admin switches a new connection to Modbus RTU, fills the serial line, and sees a bad unit id and a differing bus setting at their fields', async ({
    page,
  }) => {
    await page.goto('/admin/plant');
    await page.getByRole('list', { name: 'Lines' }).getByRole('button', { name: 'Packaging 3' }).click();
    await page.getByRole('button', { name: 'Add connection' }).click();
    const conn = page.locator('[data-connection-form="packaging-plc-1"]');
    await conn.getByLabel('Protocol', { exact: true }).selectOption({ label: 'Modbus RTU (serial)' });
    // The serial fields with their defaults; TCP's are gone.
    await expect(conn.getByLabel('Serial port', { exact: true })).toHaveValue('/dev/ttyUSB0');
    await expect(conn.getByLabel('Baud rate', { exact: true })).toHaveValue('9600');
    await expect(conn.getByLabel('Data bits', { exact: true })).toHaveValue('');
    await expect(conn.getByLabel('Host', { exact: true })).toHaveCount(0);
    await fill(conn, 'Serial port', '/dev/ttyRS485');
    await fill(conn, 'Baud rate', '19200');
    await conn.getByLabel('Parity', { exact: true }).selectOption('even');
    await conn.getByLabel('Stop bits', { exact: true }).selectOption('2');
    await conn.getByLabel('Simulated bus', { exact: true }).check();
    // Unit 0 is broadcast: named at the unit id field.
    await fill(conn, 'Unit id', '0');
    const unit = conn.locator('[data-field$="].unitId"]');
    await expect(unit).toContainText('must be 1–247 on a serial bus (0 is broadcast: no device answers)');
    await expect(unit.getByRole('textbox')).toHaveAttribute('aria-invalid', 'true');
    const center = () => conn.getByLabel('Baud rate', { exact: true }).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await center();
    await shot(page, 'rtu-form-1024');
    await page.setViewportSize({ width: 360, height: 740 });
    await center();
    await shot(page, 'rtu-form-360');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await fill(conn, 'Unit id', '3');
    await expect(unit).not.toContainText('must be');

    // A second device switched to RTU joins the line's bus; a differing baud rate is named at its field.
    await page.getByRole('button', { name: 'Add connection' }).click();
    const second = page.locator('[data-connection-form="packaging-plc-2"]');
    await second.getByLabel('Protocol', { exact: true }).selectOption('rtu');
    await expect(second.getByLabel('Serial port', { exact: true })).toHaveValue('/dev/ttyRS485');
    await expect(second.getByLabel('Unit id', { exact: true })).toHaveValue('1');
    await fill(second, 'Baud rate', '9600');
    await expect(second.locator('[data-field$="].baudRate"]')).toContainText(
      'is 9600, but connection "packaging-plc-1" on the same serial port /dev/ttyRS485 has 19200: one bus has one setting',
    );
    // The change list says what the new connection is.
    await page.getByRole('button', { name: 'Review and apply' }).click();
    await expect(page.getByRole('dialog').getByRole('list', { name: 'Changes in this draft' })).toContainText(
      'RTU /dev/ttyRS485 19200 8E2, unit 3 (simulated)',
    );
  });
});

/** A fresh browser context signed in as a new user of `role`. */
async function signedIn(browser: Browser, baseURL: string, request: APIRequestContext, role: 'viewer' | 'operator') {
  const username = `e2e-plant-${role}`;
  const password = `${role} password 123`;
  const created = await request.post('/api/users', { data: { username, password, role } });
  expect([201, 409]).toContain(created.status());
  const context = await browser.newContext({ storageState: undefined, baseURL });
  expect((await context.request.post('/api/auth/login', { data: { username, password } })).status()).toBe(200);
  return context;
}

test('viewers and operators cannot open the plant editor or call its API', async ({ browser, request, baseURL }) => {
  for (const role of ['viewer', 'operator'] as const) {
    const context = await signedIn(browser, baseURL!, request, role);
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plant' })).toHaveCount(0);
    const res = await page.goto('/admin/plant');
    expect(res?.status(), `${role}: a real 403`).toBe(403);
    await expect(page.getByRole('heading', { name: '403 · Admins only' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Review and apply' })).toHaveCount(0);
    expect((await context.request.get('/api/plant')).status()).toBe(403);
    expect((await context.request.post('/api/plant/test-read', { data: { line: 'filling', connection: {} } })).status()).toBe(403);
    await context.close();
  }
});

import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeScan, restoreLine, runScenario, seriousViolations, waitLineAlarm, waitLive } from './helpers.ts';

/**
 * One date and time format on every page, from the browser's language (here en-GB, day first,
 * 24 h, in Berlin), with a setting for ISO 8601; the audit log states its time zone.
 */

const locale = 'en-GB';
const timeZone = 'Europe/Berlin';
/** Each viewport also scans its pages with axe, in one theme each: the seven pages are checked in both. */
const viewports = [
  { name: 'phone', width: 360, height: 740, theme: 'light' },
  { name: 'tablet', width: 1024, height: 768, theme: 'dark' },
] as const;

const dateOf = new Intl.DateTimeFormat(locale, { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
const timeOf = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

interface Shown {
  kind: string;
  text: string;
  at: number;
}

/** Every date the page shows (`[data-lw-date]`: the shared component), with the instant behind it. */
async function shownDates(page: Page): Promise<Shown[]> {
  return page.locator('[data-lw-date]').evaluateAll((els) =>
    els.map((e) => {
      const el = e as HTMLElement;
      const at = el.getAttribute('datetime') ?? el.dataset.from ?? '';
      return { kind: el.dataset.lwDate ?? '', text: (el.textContent ?? '').trim(), at: /^\d+$/.test(at) ? Number(at) : Date.parse(at) };
    }),
  );
}

/** The en-GB text every page must start a date with: `06/12/2026`, then `, 14:21` for a date and time. */
function expectedStart(d: Shown): string {
  const date = dateOf.format(d.at);
  const time = timeOf.format(d.at);
  if (d.kind === 'date') return date;
  if (d.kind === 'time') return time;
  return `${date}, ${time}`;
}

test.use({ locale, timezoneId: timeZone });
test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ request }) => {
  // Something on every page: an export job, alarm transitions (journal, KPIs), audit rows.
  const to = Date.now();
  const job = await request.post('/api/jobs', {
    data: { tags: ['extrusion.melt-temp'], from: new Date(to - 600_000).toISOString(), to: new Date(to).toISOString() },
  });
  expect(job.status()).toBe(202);
  await runScenario(request, 'filling', 'jam');
  await waitLineAlarm(request, 'filling', true, 20_000);
});

test.afterAll(async ({ request }) => {
  await restoreLine(request, 'filling', 'the date checks');
});

/** Each page and what must be on it before its dates are read. */
const pages: { path: string; ready(page: Page): Promise<void>; min: number }[] = [
  { path: '/jobs', ready: (p) => expect(p.locator('article[data-job] [data-lw-date]').first()).toBeVisible(), min: 1 },
  { path: '/settings', ready: (p) => expect(p.locator('[data-example="locale"]')).toBeVisible(), min: 0 },
  { path: '/account', ready: (p) => expect(p.locator('li time').first()).toBeVisible(), min: 2 },
  {
    path: '/history?tags=filling.fault&range=1h',
    // Its dates are the alarm events', asked for once the trend is there: wait for them too.
    ready: async (p) => {
      await expect(p.getByTestId('trend')).toHaveAttribute('data-state', /ready|empty/, { timeout: 20_000 });
      await expect(p.getByText(/^Alarm events in this range/)).toBeVisible({ timeout: 10_000 });
    },
    min: 1,
  },
  { path: '/alarms/journal', ready: (p) => expect(p.getByTestId('journal').locator('li time').first()).toBeVisible(), min: 1 },
  { path: '/admin/audit', ready: (p) => expect(p.locator('li time').first()).toBeVisible(), min: 1 },
  { path: '/alarms/kpi', ready: (p) => expect(p.locator('[data-kpi="peak"] [data-lw-date="span"]')).toBeVisible({ timeout: 15_000 }), min: 3 },
];

for (const vp of viewports) {
  test.describe(vp.name, () => {
    test.use({ viewport: { width: vp.width, height: vp.height } });

    test(`${vp.name}: every page writes dates and times the same way, as the browser's language does; axe (${vp.theme})`, async ({ page }) => {
      test.setTimeout(120_000);
      await page.emulateMedia({ colorScheme: vp.theme });
      for (const { path, ready, min } of pages) {
        await page.goto(path);
        await waitLive(page);
        await ready(page);
        // The alarm events of the history page are folded away; their dates count too.
        if (path.startsWith('/history')) {
          await page.getByText(/^Alarm events in this range/).click();
        }
        // A first visit reads the browser's date layouts in a worker: placeholders until it answers.
        await expect(page.locator('[data-lw-date]').filter({ hasText: /^—$/ }), `${path}: dates written`).toHaveCount(0);
        const dates = await shownDates(page);
        expect(dates.length, `${path}: dates shown`).toBeGreaterThanOrEqual(min);
        for (const d of dates) {
          expect(Number.isFinite(d.at), `${path}: ${d.kind} "${d.text}" has its instant`).toBe(true);
          expect(d.text.startsWith(expectedStart(d)), `${path}: ${d.kind} "${d.text}" starts with "${expectedStart(d)}"`).toBe(true);
        }
        // The settings' examples of each style (ISO among them) are no dates shown.
        const main = await page.locator('main').evaluate((el) => {
          const copy = el.cloneNode(true) as HTMLElement;
          for (const ex of copy.querySelectorAll('[data-example]')) ex.remove();
          return copy.textContent ?? '';
        });
        // No other format anywhere in the page: no ISO dates, no month-first short dates, no AM/PM.
        // (The audit log's details quote requests as made: an export's range in ISO 8601 there is data, not a date shown.)
        if (path !== '/admin/audit') expect(main, `${path}: an ISO date`).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
        expect(main, `${path}: a 12-hour time`).not.toMatch(/\d:\d\d(:\d\d)? ?[AP]M\b/);
        expect(main, `${path}: a date without its year`).not.toMatch(/\b\d{1,2}\/\d{1,2}(?!\/)\b/);
        if (path === '/admin/audit') {
          await expect(page.locator('li time').first(), 'the audit log states its time zone').toHaveText(
            /^\d\d\/\d\d\/\d{4}, \d\d:\d\d:\d\d (CET|CEST|GMT\+[12])$/,
          );
        }
        if (path === '/history?tags=filling.fault&range=1h') {
          await expect(page.getByTestId('range')).toContainText(/^\d\d\/\d\d\/\d{4}, \d\d:\d\d – (\d\d\/\d\d\/\d{4}, )?\d\d:\d\d/);
        }
        expect(seriousViolations(await axeScan(page)), `${path} (${vp.theme})`).toEqual([]);
      }
    });
  });
}

test('the ISO 8601 setting applies on every page of the device, and back', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/settings');
  await waitLive(page);
  await page.getByRole('radio', { name: /ISO 8601/ }).check();
  await expect(page.locator('[data-example="iso"]')).toHaveText(/^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d$/);
  expect((await shownDates(page)).every((d) => /^20\d\d-\d\d-\d\d/.test(d.text))).toBe(true);
  for (const path of ['/jobs', '/admin/audit']) {
    await page.goto(path);
    await expect(page.locator('main [data-lw-date]').first()).toHaveText(/^20\d\d-\d\d-\d\d \d\d:\d\d/);
  }
  await page.goto('/settings');
  await page.getByRole('radio', { name: /browser’s language/ }).check();
  await page.goto('/jobs');
  await expect(page.locator('main [data-lw-date]').first()).toHaveText(/^\d\d\/\d\d\/20\d\d, \d\d:\d\d – /);
});

test.describe('a 12-hour language', () => {
  test.use({ locale: 'en-US' });

  test('en-US: the settings show each style as it will be written; pages write the chosen one', async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto('/settings');
    await waitLive(page);
    // The browser's own style is 12 h here; the 24 h example must not borrow its layout.
    await expect(page.locator('[data-example="locale"]')).toHaveText(/^\d\d\/\d\d\/20\d\d, \d\d:\d\d:\d\d\s[AP]M$/);
    await expect(page.locator('[data-example="24h"]')).toHaveText(/^\d\d\/\d\d\/20\d\d, \d\d:\d\d:\d\d$/);
    await expect(page.locator('[data-example="iso"]')).toHaveText(/^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await page.goto('/jobs');
    await expect(page.locator('main [data-lw-date]').first()).toHaveText(/^\d\d\/\d\d\/20\d\d, \d\d:\d\d\s[AP]M – /);
    await page.goto('/settings');
    await page.getByRole('radio', { name: /24-hour clock/ }).check();
    await page.goto('/jobs');
    await expect(page.locator('main [data-lw-date]').first()).toHaveText(/^\d\d\/\d\d\/20\d\d, \d\d:\d\d – /);
  });
});

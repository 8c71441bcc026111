import AxeBuilder from '@axe-core/playwright';
import { type APIRequestContext, expect, type Page } from '@playwright/test';

export const lineIds = ['extrusion', 'filling', 'packaging'] as const;

const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/**
 * An axe-core scan of the page as it is now. Legacy mode runs `axe.run` in the page (and its
 * same-origin frames); the default runs `axe.runPartial` per frame and then `axe.finishRun` in
 * a new blank page, which only cross-origin frames need, at about twice the time per scan. The
 * app has no cross-origin frames, and this checks so, so a scan cannot pass by missing one.
 */
export async function axeScan(page: Page, tags: string[] = axeTags) {
  const origin = new URL(page.url()).origin;
  const foreign = page
    .frames()
    .map((f) => f.url())
    .filter((url) => url !== 'about:blank' && new URL(url).origin !== origin);
  expect(foreign, 'cross-origin frames (axe would need runPartial mode for these)').toEqual([]);
  return new AxeBuilder({ page }).setLegacyMode().withTags(tags).analyze();
}

/** Serious and critical violations of a scan, one line each (rule, help, first five targets): [] when clean. */
export function seriousViolations(results: Awaited<ReturnType<typeof axeScan>>): string[] {
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 5)
          .join(', ')}`,
    );
}

/** Waits until the header's connection indicator says the stream is live. */
export async function waitLive(page: Page): Promise<void> {
  await expect(page.getByTestId('connection')).toHaveAttribute('data-connection', 'live', { timeout: 15_000 });
}

/** Text of every key value on the overview, in page order. */
export async function overviewValues(page: Page): Promise<string[]> {
  return page.locator('article[data-line] [data-value]').allTextContents();
}

/** The tag's age in ms as shown on screen (visible cell), or NaN. */
export async function shownAge(page: Page, tag: string): Promise<number> {
  const attr = await page.locator(`tr[data-tag="${tag}"] [data-age]:visible`).first().getAttribute('data-age');
  return attr === null ? Number.NaN : Number(attr);
}

/** Records every value a `data-status` attribute takes inside `selector` (survives re-renders). */
export async function recordStatuses(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    const seen: string[] = [];
    (window as unknown as { __statuses: string[] }).__statuses = seen;
    const note = () => {
      const s = document.querySelector(`${sel} [data-status]`)?.getAttribute('data-status');
      if (s && seen[seen.length - 1] !== s) seen.push(s);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  }, selector);
}

export async function recordedStatuses(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
}

/** Starts a line's simulation over in `scenario` (stopped first if it runs). */
export async function runScenario(request: APIRequestContext, line: string, scenario: string): Promise<void> {
  await request.delete(`/api/lines/${line}/simulation`);
  const res = await request.post(`/api/lines/${line}/simulation`, { data: { scenario } });
  expect(res.status(), `start ${line} in ${scenario}`).toBe(202);
}

/** Waits until the line has an active alarm (`active`), or none. */
export async function waitLineAlarm(request: APIRequestContext, line: string, active: boolean, timeout: number): Promise<void> {
  await expect
    .poll(async () => (await (await request.get(`/api/alarms?line=${line}`)).json()).alarms.some((a: { active: boolean }) => a.active), { timeout })
    .toBe(active);
}

/** A line a test put in a fault back to normal, its alarms cleared, and every alarm acknowledged (`why` in the comment). */
export async function restoreLine(request: APIRequestContext, line: string, why: string): Promise<void> {
  await runScenario(request, line, 'normal');
  await waitLineAlarm(request, line, false, 15_000);
  const { alarms } = await (await request.get('/api/alarms')).json();
  const ids = alarms.filter((a: { acknowledged: boolean }) => !a.acknowledged).map((a: { id: string }) => a.id);
  if (ids.length > 0) await request.post('/api/alarms/ack', { data: { ids, comment: `e2e: clean up after ${why}` } });
}

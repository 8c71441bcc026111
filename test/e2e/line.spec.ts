import { expect, test } from './fixtures.ts';
import { shownAge, waitLive } from './helpers.ts';

test('line view lists every tag with value, unit, quality and a ticking age', async ({ page }) => {
  await page.goto('/lines/filling');
  await waitLive(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Filling 2' })).toBeVisible();
  const rows = page.locator('tbody tr[data-tag]');
  await expect(rows).toHaveCount(16);

  const row = page.locator('tr[data-tag="filling.product-temp"]');
  await expect(row.getByRole('rowheader')).toContainText('Product temperature');
  await expect(row.locator('[data-value]')).toHaveText(/^\d+\.\d$/);
  await expect(row).toContainText('°C');
  await expect(row.locator('[data-cell="quality"]')).toContainText('Good');
  await expect(row.locator('[data-age]:visible')).toHaveText(/^(now|\d+ s ago)$/);
  // Every tag is good while the simulator runs.
  await expect(page.locator('tbody tr[data-quality="good"]')).toHaveCount(16);
  // Fresh values stay fresh: the age keeps being reset by new samples.
  await page.waitForTimeout(2500);
  expect(await shownAge(page, 'filling.product-temp')).toBeLessThan(2500);
  // Bools read as words.
  await expect(page.locator('tr[data-tag="filling.running"] [data-value]')).toHaveText('On');

  await expect(page.getByRole('region', { name: 'Simulated PLC' }).locator('[data-status]')).toHaveText('Running');
});

test('an unknown line answers 404', async ({ page }) => {
  const res = await page.goto('/lines/no-such-line');
  expect(res?.status()).toBe(404);
});

/**
 * Issue 23, the ISA-101 analog indicator: a value against its normal range and alarm limits.
 * One page at 360 px: marks, the accessible name, the pointer following a live value, and
 * nothing wider than the phone. `LW_SHOTS=dir` also saves the line page at 360×740 and
 * 1024×768, light and dark, for looking at.
 */
test.describe('analog indicator on a phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('limit marks, a name with value and nearest limit, a pointer that follows the value, no overflow', async ({ page }) => {
    if (process.env.LW_SHOTS) test.setTimeout(120_000);
    await page.goto('/lines/extrusion');
    await waitLive(page);
    // One per row on screen (under the value on a phone, in a column of its own from lg up).
    const meter = page.locator('[data-indicator="extrusion.zone1-temp"]:visible');
    await expect(meter).toHaveAttribute('role', 'meter');
    // lo 170, hi 200, hihi 210: HIHI drawn heavier than HI.
    await expect(meter.locator('[data-limit]')).toHaveCount(3);
    expect(
      await meter.locator('[data-limit]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-limit')} ${e.getAttribute('data-limit-value')}`)),
    ).toEqual(['lo 170', 'hi 200', 'hihi 210']);
    await expect(meter).toHaveAccessibleName(
      /^Barrel zone 1 temperature: \d+\.\d °C, (above |below )?(low|high|high-high) limit \d+\.0 °C; normal 170\.0 to 200\.0 °C$/,
    );
    await expect(page.getByRole('meter', { name: /^Barrel zone 1 temperature: / })).toHaveCount(1);
    // Tags without limit alarms have none (setpoints, bools included): 9 of the 22 have.
    await expect(page.locator('[data-indicator]:visible')).toHaveCount(9);
    for (const tag of ['screw-speed', 'running', 'zone1-setpoint']) await expect(page.locator(`[data-indicator="extrusion.${tag}"]`)).toHaveCount(0);

    // The pointer follows the live value (noise and drift move it every scan), by transform.
    const reading = () =>
      meter.evaluate((el) => ({
        at: Number(el.getAttribute('data-at')),
        now: Number(el.getAttribute('aria-valuenow')),
        min: Number(el.getAttribute('aria-valuemin')),
        max: Number(el.getAttribute('aria-valuemax')),
        transform: (el.querySelector('[data-pointer]') as HTMLElement).style.transform,
      }));
    const first = await reading();
    await expect.poll(async () => (await reading()).at, { timeout: 10_000 }).not.toBe(first.at);
    const later = await reading();
    expect(later.at).toBeCloseTo((later.now - later.min) / (later.max - later.min), 3);
    // The browser writes the percentage back without trailing zeros (43.30 → 43.3): compare numbers.
    expect(Number(/^translateX\((-?[\d.]+)%\)$/.exec(later.transform)?.[1])).toBeCloseTo(later.at * 100, 1);

    // Nothing wider than the phone; tag names break only at word boundaries.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const badBreaks = await page.locator('[data-trend-link]').evaluateAll((links) => {
      const out: string[] = [];
      for (const link of links) {
        for (const el of Array.from(link.querySelectorAll('[data-words]'))) {
          const text = el.textContent ?? '';
          // Each visible character's line, across the text nodes (<wbr> splits them); `i` its
          // place in the text, so the character before a new line is read from the text itself
          // (a space at a line's end has no box).
          const boxes: { i: number; top: number }[] = [];
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          const range = document.createRange();
          let offset = 0;
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const length = (node.textContent ?? '').length;
            for (let i = 0; i < length; i++) {
              range.setStart(node, i);
              range.setEnd(node, i + 1);
              const rect = range.getBoundingClientRect();
              if (rect.width > 0) boxes.push({ i: offset + i, top: rect.top });
            }
            offset += length;
          }
          const word = /[\p{L}\p{N}]/u;
          for (let k = 1; k < boxes.length; k++) {
            const { i, top } = boxes[k]!;
            // A new line that starts mid-word: letters or digits on both sides of it.
            if (top > boxes[k - 1]!.top + 2 && word.test(text[i - 1] ?? '') && word.test(text[i] ?? '')) out.push(`${text} at ${i}`);
          }
        }
      }
      return out;
    });
    expect(badBreaks).toEqual([]);

    // From lg up the indicators leave the value cell for a column of their own, aligned for scanning.
    await page.setViewportSize({ width: 1024, height: 768 });
    await expect(page.locator('[data-cell="limits"] [data-indicator]:visible')).toHaveCount(9);
    await expect(page.getByRole('meter', { name: /^Barrel zone 1 temperature: / })).toHaveCount(1);
    await page.setViewportSize({ width: 360, height: 740 });

    const dir = process.env.LW_SHOTS;
    if (dir) {
      for (const vp of [
        { name: 'phone', width: 360, height: 740 },
        { name: 'tablet', width: 1024, height: 768 },
      ]) {
        await page.setViewportSize(vp);
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          await page.evaluate((s) => document.documentElement.setAttribute('data-theme', s), scheme);
          await page.screenshot({ path: `${dir}/line-${vp.name}-${scheme}.png` });
          await page.screenshot({ path: `${dir}/line-${vp.name}-${scheme}-full.png`, fullPage: true });
        }
      }
      // Offline: every value stale, pointers hollow.
      await page.setViewportSize({ width: 360, height: 740 });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
      await page.context().setOffline(true);
      await expect(page.locator('[data-indicator] [data-pointer]').first()).toBeAttached();
      await expect(page.getByTestId('offline-banner')).toBeVisible();
      await page.screenshot({ path: `${dir}/line-phone-offline-light-full.png`, fullPage: true });
      await page.context().setOffline(false);
      await waitLive(page);
      // In alarm: the overheat scenario takes zone 3 past its HI limit.
      await page.request.delete('/api/lines/extrusion/simulation');
      expect((await page.request.post('/api/lines/extrusion/simulation', { data: { scenario: 'overheat' } })).status()).toBe(202);
      try {
        await expect(page.locator('[data-alarm-zones]').first()).toBeVisible({ timeout: 40_000 });
        for (const scheme of ['light', 'dark'] as const) {
          await page.evaluate((s) => document.documentElement.setAttribute('data-theme', s), scheme);
          await page.screenshot({ path: `${dir}/line-phone-alarm-${scheme}-full.png`, fullPage: true });
        }
      } finally {
        await page.request.delete('/api/lines/extrusion/simulation');
        await page.request.post('/api/lines/extrusion/simulation', { data: { scenario: 'normal' } });
      }
    }
  });
});

import { expect, test } from './fixtures.ts';

/**
 * The build marks the app's scripts for eager compilation (scripts/add-compile-hints.mjs):
 * without the mark, Chromium compiles each function on the page's main thread when it is first
 * called, ~25 ms of the task that starts the app on /history. Checked on the scripts a real
 * page runs: those it starts with and the chart's, loaded after.
 */

const compileHint = '//# allFunctionsCalledOnLoad\n';

test('every script /history runs, at its start and for the chart after, is marked for eager compilation', async ({ page, request }) => {
  const loaded: string[] = [];
  page.on('request', (req) => {
    if (req.resourceType() === 'script' && new URL(req.url()).pathname.startsWith('/_next/')) loaded.push(req.url());
  });
  const path = '/history?tags=extrusion.melt-temp&range=1h';
  await page.goto(path);
  await expect(page.getByTestId('trend')).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });

  const html = await (await request.get(path)).text();
  const atStart = [...html.matchAll(/<script src="([^"]+)"(?![^>]*noModule)/g)].map((m) => new URL(m[1]!, page.url()).href);
  expect(atStart.length).toBeGreaterThan(3);
  for (const src of atStart) expect(loaded).toContain(src);
  // The chart's own code (uPlot) comes after the start, on demand.
  expect(loaded.filter((src) => !atStart.includes(src)).length).toBeGreaterThan(0);
  // The same files, asked again: a page's response bodies can be gone once it has run them.
  for (const src of loaded) expect((await (await request.get(src)).text()).startsWith(compileHint), src).toBe(true);
});

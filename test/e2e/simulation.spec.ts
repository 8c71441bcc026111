import { expect, test } from './fixtures.ts';
import { recordedStatuses, recordStatuses, shownAge, waitLive } from './helpers.ts';

test.afterAll(async ({ request }) => {
  // Leave the packaging line as the demo starts it, for the tests that follow.
  await request.delete('/api/lines/packaging/simulation');
  await request.post('/api/lines/packaging/simulation', { data: { scenario: 'normal' } });
});

test('stopping and starting the simulation from the UI changes process status and tag quality', async ({ page }) => {
  await page.goto('/lines/packaging');
  await waitLive(page);
  const panel = page.getByRole('region', { name: 'Simulated PLC' });
  const status = panel.locator('[data-process="sim-packaging-plc"] [data-status]');
  await expect(status).toHaveText('Running');
  // The packaging line's 16 tags: 12 readings, 2 setpoints and 2 commands (issue 21).
  await expect(page.locator('tbody tr[data-tag]')).toHaveCount(16);
  await expect(page.locator('tbody tr[data-quality="good"]')).toHaveCount(16);
  await recordStatuses(page, '[data-process="sim-packaging-plc"]');

  await panel.getByRole('button', { name: 'Stop simulation' }).click();
  // A confirmation names the consequence first (issue 23).
  await page.getByRole('dialog').getByRole('button', { name: 'Stop the PLC' }).click();
  await expect(status).toHaveText('Stopped', { timeout: 8000 });
  // Tags lose quality within a couple of scan periods, keep their last value, and age.
  const tag = 'packaging.glue-temp';
  const row = page.locator(`tr[data-tag="${tag}"]`);
  await expect(row).toHaveAttribute('data-quality', /bad|stale/, { timeout: 8000 });
  // With the reason, in words: a refused connection, a timeout, or no fresh read.
  await expect(row.locator('[data-cell="quality"]')).toContainText(/Bad: \S+|Stale/);
  await expect(row.locator('[data-value]')).toHaveText(/^\d+\.\d$/);
  await expect(page.locator('[data-state]').first()).toHaveText('Comm lost', { timeout: 8000 });
  // The age keeps growing on screen with no new data (it ticks once a second; a loaded CI
  // machine may run a tick late, so wait for the growth instead of a fixed time).
  const age1 = await shownAge(page, tag);
  await expect.poll(() => shownAge(page, tag), { timeout: 6000 }).toBeGreaterThanOrEqual(age1 + 1500);
  await expect(row.locator('[data-age]:visible')).toHaveText(/^\d+ s ago$/);
  await expect(panel.getByRole('button', { name: 'Stop simulation' })).toBeDisabled();

  await panel.getByLabel('Scenario').selectOption('jam');
  await panel.getByRole('button', { name: 'Start simulation' }).click();
  await expect(status).toHaveText('Running', { timeout: 15_000 });
  await expect(panel.locator('[data-process="sim-packaging-plc"]')).toContainText('(jam)');
  await expect(row).toHaveAttribute('data-quality', 'good', { timeout: 10_000 });
  await expect(row.locator('[data-age]:visible')).toHaveText(/^(now|\d s ago)$/);

  const seen = await recordedStatuses(page);
  expect(seen[0]).toBe('running');
  expect(seen).toContain('stopped');
  expect(seen.indexOf('stopped')).toBeLessThan(seen.lastIndexOf('running'));
});

test('processes page shows every simulated PLC and stops one', async ({ page }) => {
  await page.goto('/processes');
  await waitLive(page);
  // Export jobs from other specs may be listed too: count the simulated PLCs.
  const cards = page.locator('article[data-process^="sim-"]');
  await expect(cards).toHaveCount(3);
  const card = page.locator('article[data-process="sim-packaging-plc"]');
  await expect(card.locator('[data-status]')).toHaveText('Running');
  await expect(card.locator('[data-fact="uptime"]')).toHaveText(/^\d+ s$|min/);
  await card.getByText(/^Output \(\d+ lines?\)$/).click();
  await expect(card.locator('pre')).toBeVisible();

  await card.getByRole('button', { name: /^Stop/ }).click();
  // A confirmation names the consequence first (issue 23).
  await page.getByRole('dialog').getByRole('button', { name: 'Stop the PLC' }).click();
  await expect(card.locator('[data-status]')).toHaveText('Stopped', { timeout: 8000 });
  await expect(card.locator('[data-fact="exit"]')).not.toHaveText('—');
  await expect(card.getByRole('button', { name: /^Stop/ })).toBeDisabled();
});

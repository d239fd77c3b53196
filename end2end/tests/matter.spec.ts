// A client opens a matter from the dashboard: the stages read as a timeline
// with the current one marked, key dates are listed, and the calendar
// downloads as an ICS file.
import { test, expect } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { signIn, waitForHydration, watchConsole } from './support';

test('a client follows a matter: stages, key dates and the calendar download', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await signIn(page, 'alice@client.test');
  await page.getByRole('link', { name: 'Harbour lease dispute' }).click();
  await expect(page).toHaveURL(/\/matters\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Harbour lease dispute' })).toBeVisible();

  const current = page.locator('.stages [aria-current="step"]');
  await expect(current).toContainText('Discovery');
  await expect(page.locator('.stages .stage-step.done')).toHaveCount(2);
  await expect(page.getByText('Case management conference')).toBeVisible();
  // Clients get no editing forms.
  await expect(page.getByText('Add a key date')).toHaveCount(0);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download calendar (ICS)' }).click(),
  ]);
  const ics = await readFile((await download.path()) ?? '', 'utf8');
  expect(ics.startsWith('BEGIN:VCALENDAR')).toBe(true);
  expect(ics).toContain('Case management conference');

  // A private feed: the full address, a Copy button and a webcal: link.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Get a calendar feed link' }).click();
  const feed = page.getByTestId('calendar-feed');
  await expect(feed).toHaveText(/^https?:\/\/[^/]+\/calendar\/[A-Za-z0-9_-]+\.ics$/);
  const address = (await feed.innerText()).trim();
  await expect(page.getByRole('link', { name: 'Open in your calendar app' })).toHaveAttribute(
    'href',
    address.replace(/^https?:/, 'webcal:'),
  );
  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(address);

  await page.screenshot({ path: testInfo.outputPath('matter.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('an attorney sets a matter’s message response target and returns it to the firm default', async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page, 'partner@vellum.test');
  await page.goto('/messages');
  await waitForHydration(page);
  // The partner reaches the matter from its conversation.
  await page.getByRole('link', { name: 'Tribunal date' }).click();
  await waitForHydration(page);
  await page.getByRole('link', { name: 'EMP-2026-0007' }).click();
  await expect(page).toHaveURL(/\/matters\/[0-9a-f-]{36}$/);
  await waitForHydration(page);

  const current = page.getByTestId('response-target');
  await expect(current).toContainText("the firm's default");
  await page.getByLabel('Response target in minutes').fill('30');
  await page.getByRole('button', { name: 'Save target' }).click();
  await expect(current).toHaveText('30 minutes, set for this matter.');
  await page.getByLabel('Response target in minutes').fill('');
  await page.getByRole('button', { name: 'Save target' }).click();
  await expect(current).toContainText("the firm's default");
  expect(errors).toEqual([]);
});

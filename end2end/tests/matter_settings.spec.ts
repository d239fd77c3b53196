// Staff shape a new matter from its Settings panel: a party for the
// conflict check, a colleague on the team, the stage plan the client
// reads; then they close it, find it read-only, and reopen it.
import { test, expect } from '@playwright/test';
import { navigate, signIn, waitForHydration, watchConsole } from './support';

test('staff set a matter up from its settings, close it read-only and reopen it', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  const title = `Settings walk-through (${testInfo.project.name})`;
  await signIn(page, 'staff@vellum.test');
  await navigate(page, testInfo, 'New matter');
  await waitForHydration(page);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Practice area').fill('Employment');
  await page.getByLabel('Client').selectOption({ index: 1 });
  await page.getByLabel('Responsible attorney').selectOption({ label: 'Amara Attorney' });
  await page.getByRole('button', { name: 'Open matter' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await waitForHydration(page);

  const settings = page.locator('section', { has: page.getByRole('heading', { name: 'Settings', exact: true }) });
  await expect(settings.getByTestId('matter-status')).toHaveText('Open');
  await expect(settings.getByTestId('team-member').filter({ hasText: 'Amara Attorney' })).toContainText(
    'Responsible attorney',
  );

  await settings.getByLabel('Party name').fill('Northwind Logistics Ltd');
  await settings.getByLabel('Party role').selectOption({ label: 'Opposing party' });
  await settings.getByRole('button', { name: 'Add party' }).click();
  await expect(settings.getByTestId('party').filter({ hasText: 'Northwind Logistics Ltd' })).toContainText(
    'Opposing party',
  );

  const colleague = settings.getByLabel('Colleague', { exact: true });
  const offered = await colleague.locator('option').allTextContents();
  const admin = offered.find((o) => o.includes('(admin)'));
  expect(admin, offered.join(' / ')).toBeTruthy();
  await colleague.selectOption({ label: admin ?? '' });
  await settings.getByRole('button', { name: 'Add to team' }).click();
  await expect(settings.getByTestId('team-member')).toHaveCount(3);

  await settings.getByLabel('Stage 1 name', { exact: true }).fill('First meeting');
  await settings.getByLabel('Stage 1 description', { exact: true }).fill('We meet and hear your story.');
  await settings.getByRole('button', { name: 'Save stage plan' }).click();
  await expect(page.locator('.stages')).toContainText('First meeting');
  await expect(page.locator('.stages')).toContainText('We meet and hear your story.');
  await page.screenshot({ path: testInfo.outputPath('matter-settings.png'), fullPage: true });

  await settings.getByRole('button', { name: 'Close matter' }).click();
  await expect(page.getByTestId('closed-banner')).toBeVisible();
  await expect(settings.getByTestId('matter-status')).toContainText('Closed on');
  await expect(page.getByRole('button', { name: 'Save stage plan' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add party' })).toHaveCount(0);
  await expect(page.getByLabel('Note', { exact: true })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('matter-closed.png'), fullPage: true });

  await settings.getByRole('button', { name: 'Reopen matter' }).click();
  await expect(page.getByTestId('closed-banner')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Save stage plan' })).toBeVisible();
  expect(errors).toEqual([]);
});

// The pages no other spec settles on, checked like every other page:
// axe-core finds no serious or critical violation, and nothing scrolls
// sideways (see `expectAccessible`), on a phone and on a desktop.
import { test, expect } from '@playwright/test';
import { signIn, waitForHydration, watchConsole } from './support';

test('the inbox, a contact record, the outbox, a statement and the 404 page pass the accessibility check', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await signIn(page, 'partner@vellum.test');
  await page.goto('/inbox');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();

  await page.goto('/crm/contacts');
  await waitForHydration(page);
  await page.getByRole('link', { name: /Henri/ }).first().click();
  await expect(page).toHaveURL(/\/crm\/contacts\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  await page.screenshot({ path: testInfo.outputPath('contact-record.png'), fullPage: true });

  await signIn(page, 'admin@vellum.test');
  await page.goto('/admin/outbox');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Outbox', level: 1 })).toBeVisible();

  await page.context().clearCookies();
  await signIn(page, 'alice@client.test');
  await page.goto('/billing');
  await waitForHydration(page);
  await page.getByTestId('invoice').first().locator('.invoice-number').click();
  await expect(page).toHaveURL(/\/billing\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: /^Statement INV-/ })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('statement.png'), fullPage: true });

  const missing = await page.goto('/no/such/page');
  expect(missing?.status()).toBe(404);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
  expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
});

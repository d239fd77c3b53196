// Staff see a client's portal activity on the contact's CRM timeline,
// newest first, reached from the contacts list by name.
import { test, expect } from '@playwright/test';
import { signIn, waitForHydration, watchConsole } from './support';

test('staff see the touchpoints a client just made on their timeline', async ({ browser }, testInfo) => {
  // Alice looks at one of her matters: a touchpoint on her timeline.
  const clientContext = await browser.newContext();
  const alice = await clientContext.newPage();
  await signIn(alice, 'alice@client.test');
  await alice.getByRole('link', { name: 'Second bakery acquisition' }).click();
  await expect(alice.getByRole('heading', { name: 'Second bakery acquisition' })).toBeVisible();
  await clientContext.close();

  const firmContext = await browser.newContext();
  const page = await firmContext.newPage();
  const errors = watchConsole(page);
  // Each project signs in a different firm user (TOTP codes work once).
  await signIn(page, testInfo.project.name === 'phone' ? 'attorney@vellum.test' : 'staff@vellum.test');
  await page.goto('/crm/contacts');
  await waitForHydration(page);
  await page.getByRole('link', { name: 'Alice Moreau' }).click();
  await expect(page).toHaveURL(/\/crm\/contacts\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: 'Alice Moreau' })).toBeVisible();

  const timeline = page.getByTestId('timeline');
  await expect(timeline).toContainText('Viewed matter COR-2026-0031');
  await expect(timeline).toContainText('Signed in to the portal');
  // Newest first: today's portal activity leads, the 90-day-old note trails.
  await expect(timeline.locator('li').first()).toContainText('portal.');
  await expect(timeline.locator('li').first()).not.toContainText('Prefers calls before 10am');
  await page.screenshot({ path: testInfo.outputPath('timeline.png'), fullPage: true });
  expect(errors).toEqual([]);
  await firmContext.close();
});

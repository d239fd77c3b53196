// Staff open a matter at /matters/new for a client contact, then give the
// contact portal access from the matter page. The contact, who had no
// portal account, accepts the emailed invitation in a browser of their
// own and sees the matter with its stages.
import { test, expect } from '@playwright/test';
import {
  NEW_PASSWORD,
  mailedLink,
  navigate,
  newContextLike,
  setPassword,
  signIn,
  signInClient,
  waitForHydration,
  watchConsole,
} from './support';

test('staff open a matter for a contact and give them portal access, and the contact sees its stages', async ({
  page,
  browser,
}, testInfo) => {
  const errors = watchConsole(page);
  // One contact per project: both run against the same firm, and neither
  // is one another spec invites.
  const contact =
    testInfo.project.name === 'phone'
      ? { email: 'erik@lindqvist.example', name: 'Erik Lindqvist' }
      : { email: 'owen@castell.example', name: 'Owen Rhys' };
  const title = `Boundary dispute (${testInfo.project.name})`;
  await signIn(page, 'staff@vellum.test');
  await navigate(page, testInfo, 'New matter');
  await expect(page).toHaveURL(/\/matters\/new$/);
  await waitForHydration(page);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Practice area').fill('Litigation');
  const clients = await page.getByLabel('Client').locator('option').allTextContents();
  const label = clients.find((c) => c.startsWith(contact.name));
  expect(label, clients.join(' / ')).toBeTruthy();
  await page.getByLabel('Client').selectOption({ label: label ?? '' });
  await page.getByLabel('Responsible attorney').selectOption({ label: 'Amara Attorney' });
  const number = await page.getByLabel('Number').inputValue();
  expect(number).toMatch(/^\d{4}-\d{4}$/);
  await page.screenshot({ path: testInfo.outputPath('new-matter.png'), fullPage: true });
  await page.getByRole('button', { name: 'Open matter' }).click();

  await expect(page).toHaveURL(/\/matters\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.locator('.matter-number')).toHaveText(number);
  await waitForHydration(page);
  const row = page.getByTestId('portal-access').filter({ hasText: contact.email });
  await expect(row).toContainText('No portal access');
  await row.getByRole('button', { name: 'Give portal access' }).click();
  await expect(page.getByRole('status')).toContainText('Invitation sent');
  await expect(row).toContainText('Can see this matter');
  await page.screenshot({ path: testInfo.outputPath('matter-portal-access.png'), fullPage: true });

  // The contact, on their own device.
  const link = await mailedLink(contact.email, 'invite');
  const device = await newContextLike(browser, testInfo);
  const client = await device.newPage();
  await client.goto(link);
  await setPassword(client, testInfo, NEW_PASSWORD, 'client-password-set.png');
  await signInClient(client, contact.email, NEW_PASSWORD);
  await client.getByRole('link', { name: title }).click();
  await expect(client.getByRole('heading', { name: title })).toBeVisible();
  await waitForHydration(client);
  for (const stage of ['Intake', 'Pleadings', 'Discovery', 'Trial']) {
    await expect(client.locator('.stages')).toContainText(stage);
  }
  await expect(client.getByRole('heading', { name: 'Portal access' })).toHaveCount(0);
  await client.screenshot({ path: testInfo.outputPath('client-sees-matter.png'), fullPage: true });
  await device.close();
  expect(errors).toEqual([]);
});

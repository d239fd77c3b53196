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
  // Newest first: today's portal activity leads, folded into one line
  // that opens on the visits; no stored codes are shown.
  await expect(timeline.locator('li').first()).toContainText(/Active in the portal on \w{3} \d+ \w{3} \(\d+ views\)/);
  await timeline.getByText(/Active in the portal on/).first().click();
  await expect(timeline.getByText('Viewed matter COR-2026-0031').first()).toBeVisible();
  await expect(timeline).not.toContainText('portal.');
  await expect(timeline.locator('li').first()).not.toContainText('Prefers calls before 10am');
  await page.screenshot({ path: testInfo.outputPath('timeline.png'), fullPage: true });
  expect(errors).toEqual([]);
  await firmContext.close();
});

test('staff give a contact an owner, tags and notes, then find them by tag and archive them', async ({
  page,
}, testInfo) => {
  const errors = watchConsole(page);
  const suffix = testInfo.project.name;
  const name = `Ines Duarte ${suffix}`;
  await signIn(page, 'staff@vellum.test');
  await page.goto('/crm/contacts');
  await waitForHydration(page);
  await page.getByText('New contact', { exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Email', { exact: true }).fill(`ines.${suffix}@duarte.example`);
  await page.getByRole('button', { name: 'Add contact' }).click();
  await expect(page.getByRole('status')).toHaveText('Contact added.');
  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await waitForHydration(page);

  await page.getByText('Edit contact', { exact: true }).click();
  await page.getByLabel('Owner').selectOption({ label: 'Amara Attorney' });
  await page.getByLabel('Referral source').selectOption({ label: 'Legal directory' });
  await page.getByLabel('Tags, separated by commas').fill(`estate, tag-${suffix}`);
  await page.getByLabel('Notes').fill('Prefers a call after five.');
  await page.getByRole('button', { name: 'Save contact' }).click();
  const details = page.getByTestId('contact-details');
  await expect(details).toContainText('Amara Attorney');
  await expect(details).toContainText('Legal directory');
  await expect(details).toContainText(`tag-${suffix}`);
  await expect(details).toContainText('Prefers a call after five.');
  await expect(page.getByTestId('timeline')).toContainText('Details updated: owner, referral, tags, notes');
  await page.screenshot({ path: testInfo.outputPath('contact-record.png'), fullPage: true });

  await page.goto('/crm/contacts');
  await waitForHydration(page);
  await page.getByLabel('Tag', { exact: true }).selectOption(`tag-${suffix}`);
  await page.getByRole('button', { name: 'Show contacts' }).click();
  await expect(page).toHaveURL(new RegExp(`tag=tag-${suffix}`));
  await expect(page.getByTestId('contact')).toHaveCount(1);
  await expect(page.getByTestId('contact-count')).toHaveText('1 contact');
  await page.getByRole('link', { name }).click();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Archive contact' }).click();
  await expect(page.getByTestId('archived-banner')).toBeVisible();
  await page.goto(`/crm/contacts?tag=tag-${suffix}`);
  await expect(page.getByTestId('contact')).toHaveCount(0);
  await expect(page.getByText('No contacts match.')).toBeVisible();
  expect(errors).toEqual([]);
});

test('staff keep an account record: owner, tags and notes, a linked contact with a role, found by tag', async ({
  page,
}, testInfo) => {
  const errors = watchConsole(page);
  const suffix = testInfo.project.name;
  const name = `Quayside Shipping ${suffix}`;
  await signIn(page, 'staff@vellum.test');
  await page.goto('/crm/accounts');
  await waitForHydration(page);
  await page.getByText('New account', { exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Add account' }).click();
  await expect(page.getByRole('status')).toHaveText('Account added.');
  await page.getByRole('link', { name }).click();
  await expect(page).toHaveURL(/\/crm\/accounts\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await waitForHydration(page);

  await page.getByText('Edit account', { exact: true }).click();
  await page.getByLabel('Industry').fill('Freight');
  await page.getByLabel('Owner').selectOption({ label: 'Amara Attorney' });
  await page.getByLabel('Referral source').selectOption({ label: 'Event' });
  await page.getByLabel('Tags, separated by commas').fill(`marine, acct-${suffix}`);
  await page.getByLabel('Notes').fill('The CFO signs off on fees.');
  await page.getByRole('button', { name: 'Save account' }).click();
  const details = page.getByTestId('account-details');
  await expect(details).toContainText('Freight');
  await expect(details).toContainText('Amara Attorney');
  await expect(details).toContainText(`acct-${suffix}`);
  await expect(details).toContainText('The CFO signs off on fees.');

  await page.getByLabel('Link a contact').selectOption({ label: 'Henri Moreau · henri@moreau.example' });
  await page.getByLabel('Role at the account').fill('Adviser');
  await page.getByRole('button', { name: 'Link contact' }).click();
  const person = page.getByTestId('account-person').filter({ hasText: 'Henri Moreau · Adviser' });
  await expect(person).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('account-record.png'), fullPage: true });

  await person.getByRole('link', { name: 'Henri Moreau · Adviser' }).click();
  await expect(page.getByRole('heading', { name: 'Henri Moreau' })).toBeVisible();
  await expect(page.getByTestId('account-links')).toContainText(`${name} · Adviser`);

  await page.goto('/crm/accounts');
  await waitForHydration(page);
  await page.getByLabel('Tag', { exact: true }).selectOption(`acct-${suffix}`);
  await page.getByRole('button', { name: 'Show accounts' }).click();
  await expect(page).toHaveURL(new RegExp(`tag=acct-${suffix}`));
  await expect(page.getByTestId('account')).toHaveCount(1);
  await expect(page.getByTestId('account-count')).toHaveText('1 account');
  expect(errors).toEqual([]);
});

// "A firm starts from nothing": no seed. `cargo xtask test` runs one empty
// firm per project, made with `vellum create-admin` alone, and names them
// in VELLUM_EMPTY_FIRMS. The administrator signs in and sets up two-step
// verification, invites an attorney (who accepts in a browser of their
// own and sets up theirs), adds an account and a contact, opens a matter
// from a stage template with that contact as client and the attorney
// responsible, and gives the contact portal access; the client accepts
// the emailed invitation and sees the matter and its stages.
import { test, expect, type Browser, type TestInfo } from '@playwright/test';
import {
  NEW_PASSWORD,
  mailedLink,
  navigate,
  setPassword,
  signInClient,
  signInFirstTime,
  waitForHydration,
  watchConsole,
} from './support';

type Firm = { url: string; email: string; password: string };
const FIRMS: Record<string, Firm> = JSON.parse(process.env.VELLUM_EMPTY_FIRMS ?? '{}');

/** A browser context on the empty firm, with the project's screen. */
async function onFirm(browser: Browser, testInfo: TestInfo, firm: Firm) {
  const { viewport, isMobile, hasTouch } = testInfo.project.use;
  const context = await browser.newContext({ baseURL: firm.url, viewport, isMobile, hasTouch });
  return { context, page: await context.newPage() };
}

test('a firm starts from nothing and brings its first client in', async ({ browser }, testInfo) => {
  const firm = FIRMS[testInfo.project.name];
  expect(firm, 'VELLUM_EMPTY_FIRMS names a firm for this project').toBeTruthy();
  const project = testInfo.project.name;
  const attorneyEmail = `ava.${project}@firm.test`;
  const clientEmail = `rosa.${project}@lighthouse.example`;

  // 1–2. The administrator from `create-admin` signs in and sets up MFA.
  const admin = await onFirm(browser, testInfo, firm);
  const errors = watchConsole(admin.page);
  await signInFirstTime(admin.page, testInfo, firm.email, firm.password);
  await expect(admin.page.getByTestId('matter-count')).toHaveText('Showing 0 of 0 matters');

  // 3. The admin invites an attorney, who accepts on their own device.
  await navigate(admin.page, testInfo, 'Users');
  await waitForHydration(admin.page);
  await admin.page.getByLabel('Name', { exact: true }).fill('Ava Attorney');
  await admin.page.getByLabel('Email').fill(attorneyEmail);
  await admin.page.getByLabel('Role', { exact: true }).selectOption('attorney');
  await admin.page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(admin.page.getByRole('status')).toContainText('Invitation sent');
  const attorney = await onFirm(browser, testInfo, firm);
  await attorney.page.goto(await mailedLink(attorneyEmail, 'invite'));
  await setPassword(attorney.page, testInfo, NEW_PASSWORD, 'attorney-password-set.png');
  await signInFirstTime(attorney.page, testInfo, attorneyEmail, NEW_PASSWORD);

  // 4. An account and a contact at it.
  await navigate(admin.page, testInfo, 'Accounts');
  await waitForHydration(admin.page);
  await admin.page.getByText('New account', { exact: true }).click();
  await admin.page.getByLabel('Name', { exact: true }).fill('Lighthouse Bakery Ltd');
  await admin.page.getByLabel('Kind').selectOption('organisation');
  await admin.page.getByRole('button', { name: 'Add account' }).click();
  await expect(admin.page.getByRole('status')).toHaveText('Account added.');
  await expect(admin.page.getByTestId('account')).toContainText('Lighthouse Bakery Ltd');
  await navigate(admin.page, testInfo, 'Contacts');
  await waitForHydration(admin.page);
  await admin.page.getByText('New contact', { exact: true }).click();
  await admin.page.getByLabel('Name', { exact: true }).fill('Rosa Lighthouse');
  await admin.page.getByLabel('Email').fill(clientEmail);
  await admin.page.getByLabel('Phone').fill('+44 117 496 0000');
  await admin.page.getByLabel('Account', { exact: true }).selectOption({ label: 'Lighthouse Bakery Ltd' });
  await admin.page.getByLabel('Role at the account').fill('Owner');
  await admin.page.getByRole('button', { name: 'Add contact' }).click();
  await expect(admin.page.getByRole('status')).toHaveText('Contact added.');
  await expect(admin.page.getByTestId('contact').filter({ hasText: clientEmail })).toBeVisible();
  await admin.page.screenshot({ path: testInfo.outputPath('contact-added.png'), fullPage: true });

  // 5. A matter from the Corporate template, the contact as client and the
  // attorney responsible.
  await navigate(admin.page, testInfo, 'New matter');
  await waitForHydration(admin.page);
  await admin.page.getByLabel('Title').fill('Bakery lease renewal');
  await admin.page.getByLabel('Practice area').fill('Corporate');
  await admin.page.getByLabel('Client').selectOption({ label: 'Rosa Lighthouse · Lighthouse Bakery Ltd' });
  await admin.page.getByLabel('Responsible attorney').selectOption({ label: 'Ava Attorney' });
  await expect(admin.page.getByLabel('Number')).toHaveValue(/^\d{4}-0001$/);
  await admin.page.getByRole('button', { name: 'Open matter' }).click();
  await expect(admin.page.getByRole('heading', { name: 'Bakery lease renewal' })).toBeVisible();
  await waitForHydration(admin.page);
  // The attorney is on its team, so it is on their dashboard.
  await attorney.page.reload();
  await expect(attorney.page.getByRole('link', { name: 'Bakery lease renewal' })).toBeVisible();

  // 6. Portal access for the contact.
  const row = admin.page.getByTestId('portal-access').filter({ hasText: clientEmail });
  await row.getByRole('button', { name: 'Give portal access' }).click();
  await expect(admin.page.getByRole('status')).toContainText('Invitation sent');
  await expect(row).toContainText('Can see this matter');
  await admin.page.screenshot({ path: testInfo.outputPath('matter-opened.png'), fullPage: true });

  // 7–8. The client accepts and sees the matter and its stages.
  const client = await onFirm(browser, testInfo, firm);
  const clientErrors = watchConsole(client.page);
  await client.page.goto(await mailedLink(clientEmail, 'invite'));
  await setPassword(client.page, testInfo, NEW_PASSWORD, 'client-password-set.png');
  await signInClient(client.page, clientEmail, NEW_PASSWORD);
  await client.page.getByRole('link', { name: 'Bakery lease renewal' }).click();
  await expect(client.page.getByRole('heading', { name: 'Bakery lease renewal' })).toBeVisible();
  await waitForHydration(client.page);
  for (const stage of ['Instruction', 'Due diligence', 'Drafting', 'Negotiation', 'Completion']) {
    await expect(client.page.locator('.stages')).toContainText(stage);
  }
  await expect(client.page.locator('.stages')).toContainText('We agree the scope of the deal with you.');
  await client.page.screenshot({ path: testInfo.outputPath('client-matter.png'), fullPage: true });

  for (const party of [admin, attorney, client]) await party.context.close();
  expect(errors).toEqual([]);
  expect(clientErrors).toEqual([]);
});

// The firm's users at /admin/users: the admin invites a colleague, who
// accepts the emailed link in a browser of their own, chooses a password
// and must set up two-step verification before anything else works. The
// admin then disables them, which ends their session at once.
import { test, expect } from '@playwright/test';
import {
  NEW_PASSWORD,
  mailedLink,
  navigate,
  newContextLike,
  setPassword,
  signInAdmin,
  totpCode,
  waitForHydration,
  watchConsole,
} from './support';

test('an invited colleague sets up two-step verification at first sign-in, and disabling them ends their session', async ({
  page,
  browser,
}, testInfo) => {
  const errors = watchConsole(page);
  // One colleague per project: both run against the same firm.
  const email = `ada.${testInfo.project.name}@firm.test`;
  await signInAdmin(page);
  await navigate(page, testInfo, 'Users');
  await expect(page).toHaveURL(/\/admin\/users$/);
  await waitForHydration(page);
  await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption('attorney');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('status')).toContainText('Invitation sent');
  const row = page.getByTestId('user').filter({ hasText: email });
  await expect(row).toContainText('Invited');
  await expect(row).toContainText('Attorney');
  await page.screenshot({ path: testInfo.outputPath('users-invited.png'), fullPage: true });

  // The colleague, on their own device.
  const link = await mailedLink(email, 'invite');
  const device = await newContextLike(browser, testInfo);
  const ada = await device.newPage();
  const adaErrors = watchConsole(ada);
  await ada.goto(link);
  await setPassword(ada, testInfo, NEW_PASSWORD, 'colleague-password-set.png');
  await waitForHydration(ada);
  await ada.getByLabel('Email').fill(email);
  await ada.getByLabel('Password').fill(NEW_PASSWORD);
  await ada.getByRole('button', { name: 'Sign in' }).click();
  await expect(ada).toHaveURL(/\/login\/setup$/);
  await waitForHydration(ada);
  // Nothing else opens before the set-up.
  await ada.goto('/');
  await expect(ada).toHaveURL(/\/login$/);
  await ada.goto('/login/setup');
  await waitForHydration(ada);
  await ada.screenshot({ path: testInfo.outputPath('colleague-mfa-setup.png'), fullPage: true });
  const secret = (await ada.getByTestId('mfa-secret').innerText()).trim();
  await ada.getByLabel('Authentication code').fill(totpCode(Math.floor(Date.now() / 30_000), secret));
  await ada.getByRole('button', { name: 'Turn on and continue' }).click();
  await expect(ada.getByRole('status')).toContainText('Two-step verification is on');
  await expect(ada.locator('.codes li')).toHaveCount(10);
  await ada.screenshot({ path: testInfo.outputPath('colleague-recovery-codes.png'), fullPage: true });
  await ada.getByLabel('I have saved these codes somewhere safe').check();
  await ada.getByRole('link', { name: 'Continue to Vellum' }).click();
  await expect(ada).toHaveURL(/\/$/);
  await expect(ada.getByRole('heading', { name: 'Matters' })).toBeVisible();
  await waitForHydration(ada);

  // The admin sees them active, then disables them.
  await page.reload();
  await waitForHydration(page);
  await expect(row).toContainText('Active');
  await row.getByText('Manage Ada Lovelace').click();
  await row.getByRole('button', { name: 'Disable', exact: true }).click();
  await expect(row).toContainText('Disabled');
  await page.screenshot({ path: testInfo.outputPath('users-disabled.png'), fullPage: true });
  await ada.goto('/');
  await expect(ada).toHaveURL(/\/login$/);
  await device.close();
  expect(errors).toEqual([]);
  expect(adaErrors).toEqual([]);
});

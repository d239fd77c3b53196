// Joining by invitation and recovering a forgotten password, end to end.
// The server delivers its mail over SMTP to a local sink that `cargo xtask
// test` runs, and the recipient's link is read from the delivered email:
// the admin's outbox page shows only that it was sent, never a link. Each
// project runs one of the two flows, so the flows together cover both
// widths without inviting anyone twice.
import { test, expect, type Page, type TestInfo } from '@playwright/test';
import {
  NEW_PASSWORD,
  PASSWORD,
  mailedLink,
  navigate,
  newContextLike,
  setPassword,
  signIn,
  signInAdmin,
  signInClient,
  waitForHydration,
} from './support';


/**
 * The one-time link (`/invite/…` or `/reset/…`) in the newest email
 * delivered to `to`, once the sender has sent it. The admin's outbox then lists the email
 * as sent, and shows no link.
 */
async function linkFromMail(page: Page, testInfo: TestInfo, to: string, kind: 'invite' | 'reset') {
  const link = await mailedLink(to, kind);

  await navigate(page, testInfo, 'Outbox');
  await expect(page).toHaveURL(/\/admin\/outbox$/);
  const email = page.getByTestId('email').filter({ hasText: to }).first();
  await expect(async () => {
    await page.reload();
    await expect(email).toContainText('Sent', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await waitForHydration(page);
  await expect(page.locator('main')).not.toContainText(`/${kind}/`);
  await page.screenshot({ path: testInfo.outputPath(`outbox-${kind}.png`), fullPage: true });
  return link;
}

test('a contact joins by invitation, and a client resets a forgotten password', async ({ page, browser }, testInfo) => {
  if (testInfo.project.name === 'phone') {
    // Staff work: the admin invites the first contact who can be invited.
    await signInAdmin(page);
    await navigate(page, testInfo, 'Contacts');
    await expect(page).toHaveURL(/\/crm\/contacts$/);
    await waitForHydration(page);
    const card = page
      .getByTestId('contact')
      .filter({ has: page.getByRole('button', { name: 'Invite to portal' }) })
      .first();
    const email = (await card.locator('.contact-email').innerText()).trim();
    await card.getByRole('button', { name: 'Invite to portal' }).click();
    await expect(page.getByRole('status')).toContainText('Invitation sent');
    await expect(page.getByTestId('contact').filter({ hasText: email })).toContainText('Invited');
    await page.screenshot({ path: testInfo.outputPath('contacts-invited.png'), fullPage: true });

    const link = await linkFromMail(page, testInfo, email, 'invite');

    // The contact opens the link on their own device.
    const invitee = await newContextLike(browser, testInfo);
    const joining = await invitee.newPage();
    await joining.goto(link);
    await expect(joining.getByText(email)).toBeVisible();
    await setPassword(joining, testInfo, NEW_PASSWORD, 'invitation-accepted.png');
    await signInClient(joining, email, NEW_PASSWORD);
    await joining.screenshot({ path: testInfo.outputPath('invitee-dashboard.png'), fullPage: true });

    // The link worked once.
    await joining.goto(link);
    await expect(joining.getByRole('status')).toHaveText(
      'This link is no longer valid. Ask your firm for a new one.',
    );
    await invitee.close();
  } else {
    // Bob is signed in on another device when he asks for a reset.
    const other = await newContextLike(browser, testInfo);
    const otherPage = await other.newPage();
    await signIn(otherPage, 'bob@client.test');

    await page.goto('/login');
    await waitForHydration(page);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await expect(page).toHaveURL(/\/reset$/);
    await waitForHydration(page);
    await page.getByLabel('Email').fill('bob@client.test');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect(page.getByRole('status')).toHaveText(
      'If an account exists for that address, we have sent a link.',
    );
    await page.screenshot({ path: testInfo.outputPath('reset-requested.png'), fullPage: true });

    const admin = await newContextLike(browser, testInfo);
    const adminPage = await admin.newPage();
    await signInAdmin(adminPage);
    const link = await linkFromMail(adminPage, testInfo, 'bob@client.test', 'reset');
    await admin.close();

    // Bob sets the demo password again: later tests sign him in with it.
    await page.goto(link);
    await setPassword(page, testInfo, PASSWORD, 'reset-done.png');
    await signInClient(page, 'bob@client.test', PASSWORD);

    // The reset signed out his other device.
    await otherPage.goto('/');
    await expect(otherPage).toHaveURL(/\/login$/);
    await other.close();
  }
});

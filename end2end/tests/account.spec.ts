// A client turns on two-step verification from their account page with the
// QR code's key, needs a code at the next sign-in, and turns it off again
// (leaving the demo user as it was for the other tests).
import { test, expect } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { NEW_PASSWORD, PASSWORD, signIn, totpCode, waitForHydration, watchConsole } from './support';

test('a client sets up two-step verification, signs in with it, and turns it off', async ({ browser }, testInfo) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchConsole(page);
  await signIn(page, 'bob@client.test');
  await page.goto('/account');
  await waitForHydration(page);
  await expect(page.getByTestId('mfa-status')).toContainText('Off');

  // Setting it up asks for the password again: a session alone cannot
  // bind the account to someone else's authenticator.
  await page.getByRole('region', { name: 'Two-step verification' }).getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set up two-step verification' }).click();
  await expect(page.locator('.qr svg')).toBeVisible();
  const secret = (await page.getByTestId('mfa-secret').textContent()) ?? '';
  // Turning message emails off and on meanwhile keeps the set-up on screen.
  const emails = page.getByTestId('message-emails-status');
  await page.getByRole('button', { name: 'Turn off message emails' }).click();
  await expect(emails).toContainText('Off');
  await expect(page.getByTestId('mfa-secret')).toHaveText(secret);
  await page.getByRole('button', { name: 'Turn on message emails' }).click();
  await expect(emails).toContainText('On');
  await expect(page.getByTestId('mfa-secret')).toHaveText(secret);
  const step = Math.floor(Date.now() / 30_000);
  await page.getByLabel('Authentication code').fill(totpCode(step, secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Two-step verification is on' })).toBeVisible();
  await expect(page.locator('.codes li')).toHaveCount(10);
  // The codes can be downloaded as a file, one per line.
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download as a file' }).click(),
  ]);
  const saved = (await readFile((await file.path()) ?? '', 'utf8')).split('\n');
  await expect(page.locator('.codes li')).toHaveText(saved);
  await page.getByLabel('I have saved these codes somewhere safe').check();
  await page.screenshot({ path: testInfo.outputPath('mfa-enrolled.png'), fullPage: true });

  // Another browser now needs a code after the password.
  const other = await browser.newContext();
  const second = await other.newPage();
  await second.goto('/login');
  await waitForHydration(second);
  await second.getByLabel('Email').fill('bob@client.test');
  await second.getByLabel('Password').fill(PASSWORD);
  await second.getByRole('button', { name: 'Sign in' }).click();
  await expect(second).toHaveURL(/\/login\/mfa$/);
  await waitForHydration(second);
  // The code used to enrol cannot be replayed; the next step's code works.
  await second.getByLabel('Authentication code').fill(totpCode(step + 1, secret));
  await second.getByRole('button', { name: 'Verify' }).click();
  await expect(second.getByRole('heading', { name: 'Matters' })).toBeVisible();
  await other.close();

  // Turn it off again with the password.
  await page.reload();
  await waitForHydration(page);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Turn off two-step verification' }).click();
  await expect(page.getByTestId('mfa-status')).toContainText('Off');
  expect(errors).toEqual([]);
  await context.close();
});

test('a client turns new-message emails off and on again from the account page', async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page, 'alice@client.test');
  await page.goto('/account');
  await waitForHydration(page);
  const status = page.getByTestId('message-emails-status');
  const on = 'On. We email you when you have a new secure message (never its text).';
  const off = 'Off. New secure messages show only in the portal.';
  await expect(status).toHaveText(on);
  await page.getByRole('button', { name: 'Turn off message emails' }).click();
  await expect(status).toHaveText(off);
  // The choice is stored, not just shown.
  await page.reload();
  await waitForHydration(page);
  await expect(status).toHaveText(off);
  await page.getByRole('button', { name: 'Turn on message emails' }).click();
  await expect(status).toHaveText(on);
  expect(errors).toEqual([]);
});

test('a client changes their password with the current one, and other sessions end', async ({ browser }, testInfo) => {
  const { viewport, isMobile, hasTouch } = testInfo.project.use;
  const context = await browser.newContext({ viewport, isMobile, hasTouch });
  const page = await context.newPage();
  const errors = watchConsole(page);
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other, 'alice@client.test');
  await signIn(page, 'alice@client.test');
  await page.goto('/account');
  await waitForHydration(page);
  const form = page.getByRole('region', { name: 'Change password' });

  // A wrong current password is refused, throttled and audited like a
  // sign-in: the API tests show it (here it would slow every later
  // sign-in from this machine).
  await form.getByLabel('Current password').fill(PASSWORD);
  await form.getByLabel('New password').fill(NEW_PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  try {
    // Earlier tests may have left sessions of hers open too.
    await expect(form.getByRole('status')).toHaveText(
      /^Password changed\. Your (one other session was|\d+ other sessions were) signed out\.$/,
    );
    // The fields are cleared: nothing typed stays on screen.
    await expect(form.getByLabel('New password')).toHaveValue('');
    await page.screenshot({ path: testInfo.outputPath('password-changed.png'), fullPage: true });

    // The other browser is signed out.
    await other.goto('/');
    await expect(other).toHaveURL(/\/login/);
  } finally {
    // And back, so the demo client signs in as before.
    await otherContext.close();
    await form.getByLabel('Current password').fill(NEW_PASSWORD);
    await form.getByLabel('New password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect(form.getByRole('status')).toHaveText('Password changed.');
  }
  expect(errors).toEqual([]);
  await context.close();
});

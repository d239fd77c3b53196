// Forms post before the page's script has loaded (slow phones, blocked
// scripts): a refused form comes back to its own page with the same
// friendly message as with JavaScript, never the server's error codes.
import { test, expect } from '@playwright/test';

test('a wrong password posted without JavaScript comes back to /login with the friendly message', async ({ browser }, testInfo) => {
  const { viewport, isMobile, hasTouch } = testInfo.project.use;
  const context = await browser.newContext({ javaScriptEnabled: false, viewport, isMobile, hasTouch });
  const page = await context.newPage();
  await page.goto('/login');
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'false');
  // An address no one has: nothing is throttled or locked for a real user.
  await page.getByLabel('Email').fill(`nobody-${testInfo.project.name}@client.test`);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await expect(page.getByRole('alert')).toHaveText('The email or password is incorrect.');
  await expect(page.locator('body')).not.toContainText('InvalidCredentials');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await context.close();
  // Failures from one address slow its next sign-in down (a second after
  // the fourth); the next spec signs in from the same address.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
});

// Signing in and out in a real browser: the password step, the MFA step
// for firm users, the generic failure message, and signing out.
import { test, expect } from '@playwright/test';
import { PASSWORD, signIn, waitForHydration, watchConsole } from './support';

test('a page that needs a session sends the browser to sign in', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test('a wrong password shows the one generic message in an alert', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill('alice@client.test');
  await page.getByLabel('Password').fill('definitely not her password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('The email or password is incorrect.');
  await page.screenshot({ path: testInfo.outputPath('login-failed.png'), fullPage: true });
  // The failed server call logs a 401 in the console; nothing else may.
  expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
});

test('a firm user signs in with an authentication code and signs out', async ({ page }, testInfo) => {
  // Each project signs in a different firm user: a TOTP code works once.
  const email = testInfo.project.name === 'phone' ? 'attorney@vellum.test' : 'staff@vellum.test';
  // Through the form and its code step, not a session from another spec.
  await signIn(page, email, PASSWORD, false);
  await waitForHydration(page);
  if (testInfo.project.name === 'phone') await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

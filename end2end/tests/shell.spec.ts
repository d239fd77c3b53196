// The shell renders on the server, hydrates in the browser, and works at
// phone and desktop widths. Screenshots are kept in test-results/.
import { test, expect } from '@playwright/test';
import { signIn, waitForHydration, watchConsole } from './support';

test('the dashboard renders on the server before any script runs', async ({ browser }) => {
  const signedIn = await browser.newContext();
  await signIn(await signedIn.newPage(), 'alice@client.test');
  const storageState = await signedIn.storageState();
  await signedIn.close();

  const context = await browser.newContext({ javaScriptEnabled: false, storageState });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Matters' })).toBeVisible();
  await expect(page.getByText('Harbour lease dispute')).toBeVisible();
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'false');
  await context.close();
});

test('the dashboard hydrates and its filter works in the browser', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await signIn(page, 'alice@client.test');
  await waitForHydration(page);

  // Alice sees her two matters and nothing of Bob's.
  const count = page.getByTestId('matter-count');
  await expect(count).toHaveText(/Showing 2 of 2 matters/);
  await expect(page.getByText('Harbour lease dispute')).toBeVisible();
  await expect(page.getByText('Discovery')).toBeVisible();
  await expect(page.getByText('Freight contract claim')).toHaveCount(0);

  // Filtering happens only in the browser: it proves hydration.
  await page.getByLabel('Filter matters').fill('acquisition');
  await expect(count).toHaveText(/Showing 1 of 2 matters/);
  await expect(page.getByText('Second bakery acquisition')).toBeVisible();
  await expect(page.getByText('Harbour lease dispute')).toHaveCount(0);

  await page.screenshot({ path: testInfo.outputPath('dashboard.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('the navigation works at this width', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await signIn(page, 'bob@client.test');
  await waitForHydration(page);
  const menu = page.getByRole('button', { name: 'Menu' });
  const account = page.getByRole('link', { name: 'Account', exact: true });

  if (testInfo.project.name === 'phone') {
    // On a phone the navigation folds behind the menu button.
    await expect(account).toBeHidden();
    await menu.click();
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
  } else {
    await expect(menu).toBeHidden();
  }
  await expect(account).toBeVisible();
  await account.click();
  await expect(page).toHaveURL(/\/account$/);
  await waitForHydration(page);
  // Sessions live under the account.
  await page.getByRole('link', { name: 'See where you are signed in' }).click();
  await expect(page).toHaveURL(/\/account\/sessions$/);
  await expect(page.getByRole('heading', { name: 'Your sessions' })).toBeVisible();
  await expect(page.getByText('This device')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('sessions.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('an unknown page answers 404 inside the app shell', async ({ page }) => {
  await signIn(page, 'alice@client.test');
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
});

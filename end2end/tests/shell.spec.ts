// The shell renders on the server, hydrates in the browser, and works at
// phone and desktop widths. Screenshots are kept in test-results/.
import { test, expect, type Page } from '@playwright/test';

/** Fails the test on any console error, CSP violations included. */
function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

test('the dashboard renders on the server before any script runs', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Matters' })).toBeVisible();
  await expect(page.getByText('Harbour lease dispute')).toBeVisible();
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'false');
  await context.close();
});

test('the dashboard hydrates and its filter works in the browser', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await page.goto('/');
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'true');

  const count = page.getByTestId('matter-count');
  await expect(count).toHaveText(/Showing 10 of 10 matters/);
  await expect(page.getByText('Harbour lease dispute')).toBeVisible();
  await expect(page.getByText('Discovery').first()).toBeVisible();

  // Filtering happens only in the browser: it proves hydration.
  await page.getByLabel('Filter matters').fill('brightwater');
  await expect(count).toHaveText(/Showing 2 of 10 matters/);
  await expect(page.getByText('Freight contract claim')).toBeVisible();
  await expect(page.getByText('Harbour lease dispute')).toHaveCount(0);

  await page.screenshot({ path: testInfo.outputPath('dashboard.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('the navigation works at this width', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await page.goto('/');
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'true');
  const menu = page.getByRole('button', { name: 'Menu' });
  const signIn = page.getByRole('link', { name: 'Sign in' });

  if (testInfo.project.name === 'phone') {
    // On a phone the navigation folds behind the menu button.
    await expect(signIn).toBeHidden();
    await menu.click();
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
  } else {
    await expect(menu).toBeHidden();
  }
  await expect(signIn).toBeVisible();
  await signIn.click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Email')).toBeVisible();
  await expect(page.getByLabel('Password')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('login.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('an unknown page answers 404 inside the app shell', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
});

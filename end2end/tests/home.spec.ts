// A client's home says what to do (issue 12, point 5): the documents the
// firm is waiting for, overdue first and marked, new messages, the next
// date and what they owe; then their matters. The firm's long matter page
// has jump links. The screenshots of the client's home and of the firm's
// matter page are kept as artifacts.
import { test, expect } from '@playwright/test';
import { signIn, waitForHydration, watchConsole } from './support';

test('the client home shows its to-dos, the next date and the total owed before the matters', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await signIn(page, 'alice@client.test');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Your portal', level: 1 })).toBeVisible();

  const todo = page.getByRole('region', { name: 'Things for you to do' });
  const items = todo.getByTestId('to-do');
  await expect(items.first()).toContainText('Send 2023 tax return');
  await expect(items.first()).toContainText(/overdue by \d+ days?/);
  await expect(items.first()).toHaveClass(/overdue/);
  await expect(todo.getByRole('link', { name: 'Send Photo ID' }).first()).toBeVisible();

  await expect(page.getByRole('region', { name: 'Next date' })).toContainText(/in \d+ days|tomorrow|today/);
  await expect(page.getByTestId('owed')).toHaveText(/^You owe £[\d,]+\.\d\d$/);
  await expect(page.getByTestId('new-messages')).toContainText(/new message/);
  // The matters follow the cards.
  await expect(page.getByRole('heading', { name: 'Matters', level: 2 })).toBeVisible();
  await expect(page.getByText('Harbour lease dispute')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('client-home.png'), fullPage: true });

  // A to-do opens the matter at its requests.
  await todo.getByRole('link', { name: 'Send Photo ID' }).first().click();
  await expect(page).toHaveURL(/\/matters\/[0-9a-f-]{36}#requests-heading$/);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Requested documents' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('the firm matter page on this screen, kept as a screenshot', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await signIn(page, 'attorney@vellum.test');
  await page.getByRole('link', { name: 'Harbour lease dispute' }).click();
  await expect(page).toHaveURL(/\/matters\/[0-9a-f-]{36}$/);
  // The page has settled once its heading and title are in.
  await expect(page.getByRole('heading', { name: 'Harbour lease dispute', level: 1 })).toBeVisible();
  await expect(page).toHaveTitle(/Harbour lease dispute/);
  await waitForHydration(page);
  await page.screenshot({ path: testInfo.outputPath('firm-matter.png'), fullPage: true });
  // A long page: each part is one tap away.
  const jump = page.getByRole('navigation', { name: 'On this page' });
  await expect(jump.getByRole('link')).toHaveText(['Overview', 'Dates', 'Documents', 'Requests', 'Billing', 'Messages', 'Settings']);
  await jump.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/#settings-heading$/);
  await expect(page.getByRole('heading', { name: 'Settings', exact: true })).toBeInViewport();
  expect(errors).toEqual([]);
});

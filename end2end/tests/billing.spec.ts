// A client reads her billing statements: the list with statuses, balances
// and the paid-vs-outstanding bars, her trust balance, and a statement
// downloaded as a PDF.
import { test, expect } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { signIn, waitForHydration, watchConsole } from './support';

test('a client sees her statements and trust balance and downloads a statement as PDF', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await signIn(page, 'alice@client.test');
  await waitForHydration(page);
  if (testInfo.project.name === 'phone') await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('link', { name: 'Billing', exact: true }).click();
  await expect(page).toHaveURL(/\/billing$/);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Billing' })).toBeVisible();

  // Her trust balances: £5,000 deposited less £1,586.20 applied, and £2,500.
  await expect(page.getByRole('heading', { name: 'Trust balance' })).toBeVisible();
  await expect(page.getByTestId('trust-balance').filter({ hasText: 'LIT-2026-0012' })).toContainText('£3,413.80');
  await expect(page.getByTestId('trust-balance').filter({ hasText: 'COR-2026-0031' })).toContainText('£2,500.00');

  // Three issued statements (the draft stays hidden), in several statuses.
  const invoices = page.getByTestId('invoice');
  await expect(invoices).toHaveCount(3);
  // Newest first.
  await expect(invoices.locator('.invoice-head .tag')).toHaveText(['Partially paid', 'Overdue', 'Paid']);
  await expect(invoices.last().getByTestId('balance')).toHaveText('£0.00');
  await expect(page.locator('svg.paid-bar')).toHaveCount(3);

  const first = invoices.first();
  const number = (await first.locator('.invoice-number').innerText()).trim();
  expect(number).toMatch(/^INV-\d{4}-\d{4}$/);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    first.getByRole('link', { name: /PDF/ }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`${number}.pdf`);
  const pdf = await readFile((await download.path()) ?? '');
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(pdf.toString('latin1')).toContain(number);

  await page.screenshot({ path: testInfo.outputPath('billing.png'), fullPage: true });
  expect(errors).toEqual([]);
});

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

test('staff see a payment confirmed and the form cleared, and void an invoice only with a reason', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await signIn(page, 'staff@vellum.test');
  await page.goto('/billing');
  await waitForHydration(page);

  const stamp = `${testInfo.project.name} ${Date.now()}`;
  const createIssued = async (description: string): Promise<string> => {
    await page.locator('#invoice-matter').selectOption({ label: 'EST-2026-0003 Okafor family wills' });
    await page.getByLabel('Line 1 description').fill(description);
    await page.locator('#line-0-quantity').fill('1');
    await page.locator('#line-0-unit_amount').fill('500');
    await page.getByLabel('Issue now (otherwise it is saved as a draft)').check();
    await page.getByRole('button', { name: 'Create invoice' }).click();
    const created = page.getByText(/^Invoice INV-\d{4}-\d{4} created\.$/);
    await expect(created).toBeVisible();
    // The form is empty again: a second press would not bill twice.
    await expect(page.getByLabel('Line 1 description')).toHaveValue('');
    return ((await created.innerText()).match(/INV-\d{4}-\d{4}/) ?? [''])[0];
  };

  // £500 plus 20 % tax; £300 paid leaves £300.
  const paid = await createIssued(`Probate advice ${stamp}`);
  let card = page.getByTestId('invoice').filter({ hasText: paid });
  await card.getByText('Record a payment').click();
  await card.getByLabel('Amount', { exact: true }).fill('300');
  await card.getByLabel('Date').fill('2026-11-27');
  await card.getByRole('button', { name: 'Record payment' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Payment of £300.00 recorded on ${paid}.` })).toBeVisible();
  card = page.getByTestId('invoice').filter({ hasText: paid });
  await expect(card.getByTestId('balance')).toHaveText('£300.00');
  // Part paid: voiding is no longer offered.
  await expect(card.getByText('Void invoice…')).toHaveCount(0);

  // Voiding asks for a reason in a second step.
  const voided = await createIssued(`Duplicate of ${paid} ${stamp}`);
  card = page.getByTestId('invoice').filter({ hasText: voided });
  await card.getByText('Void invoice…').click();
  await card.getByRole('button', { name: 'Void this invoice' }).click();
  await expect(card.locator('.invoice-head .tag')).not.toHaveText('Void');
  await card.getByLabel('Reason for voiding').fill('Raised twice by mistake');
  await card.getByRole('button', { name: 'Void this invoice' }).click();
  card = page.getByTestId('invoice').filter({ hasText: voided });
  await expect(card.locator('.invoice-head .tag')).toHaveText('Void');
  await expect(card.getByText('Cancelled — nothing to pay. Reason: Raised twice by mistake')).toBeVisible();

  // The statement page stacks its lines on a phone (no sideways scroll is
  // checked on every page) and says the same.
  await card.getByRole('link', { name: voided, exact: true }).click();
  await waitForHydration(page);
  await expect(page.getByText('Cancelled — nothing to pay.')).toBeVisible();
  expect(errors).toEqual([]);
});

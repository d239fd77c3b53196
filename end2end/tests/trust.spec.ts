// The firm records money received into a matter's trust ledger from the
// billing page, and the balance lists it at once.
import { test, expect } from '@playwright/test';
import { signIn, waitForHydration, watchConsole } from './support';

// Alice's two matters are left alone: the client billing test checks their
// balances to the penny.
const CHECKED_ELSEWHERE = ['LIT-2026-0012', 'COR-2026-0031'];

test('staff record a trust deposit from the billing page and see it in the balances', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  await signIn(page, testInfo.project.name === 'phone' ? 'admin@vellum.test' : 'staff@vellum.test');
  await page.goto('/billing');
  await waitForHydration(page);

  // The form sits in its own panel; every invoice card has an Amount too.
  const panel = page.locator('section', { has: page.locator('#deposit-heading') });
  await panel.getByText('Record a trust deposit').click();
  const matter = panel.getByLabel('Matter');
  const options = await matter.locator('option').allTextContents();
  const choice = options.find((o) => !CHECKED_ELSEWHERE.some((n) => o.includes(n)));
  expect(choice, `a matter to deposit on among ${options.join(', ')}`).toBeTruthy();
  const number = (choice ?? '').split(' ')[0];
  await matter.selectOption({ label: choice ?? '' });
  await panel.getByLabel('Amount').fill('125.50');
  await panel.getByLabel('Date received').fill('2026-11-20');
  await panel.getByLabel('Description').fill('Retainer');
  await panel.getByRole('button', { name: 'Record deposit' }).click();

  await expect(panel.getByRole('status')).toContainText('Trust deposit recorded.');
  // The whole number: "2026-0012" is also the tail of "LIT-2026-0012".
  const escaped = number.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
  const whole = new RegExp('(^|[^\\w-])' + escaped + '(?![\\w-])');
  await expect(page.getByTestId('trust-balance').filter({ hasText: whole })).toBeVisible();
  expect(errors).toEqual([]);
});

// The admin screens a colleague from a matter at /admin/walls, sees the
// wall in force, and lifts it again with a reason.
import { test, expect } from '@playwright/test';
import { newContextLike, signIn, waitForHydration, watchConsole } from './support';

test('the admin raises an ethical wall with a reason and lifts it again', async ({ page, browser }, testInfo) => {
  const errors = watchConsole(page);
  // A colleague already signed in, who finds the matter by search.
  const staffContext = await newContextLike(browser, testInfo);
  const staff = await staffContext.newPage();
  await signIn(staff, 'staff@vellum.test');
  await staff.goto('/search?q=COR-2026-0031');
  await expect(staff.getByTestId('search-matter')).toContainText('COR-2026-0031');
  await signIn(page, 'admin@vellum.test');
  await page.goto('/admin/walls');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Ethical walls' })).toBeVisible();

  const matters = await page.getByLabel('Matter', { exact: true }).locator('option').allTextContents();
  const matter = matters.find((m) => m.startsWith('COR-2026-0031'));
  const people = await page.getByLabel('Person', { exact: true }).locator('option').allTextContents();
  const person = people.find((p) => p.endsWith('(staff)'));
  expect(matter && person, `${matters} / ${people}`).toBeTruthy();
  await page.getByLabel('Matter', { exact: true }).selectOption({ label: matter ?? '' });
  await page.getByLabel('Person', { exact: true }).selectOption({ label: person ?? '' });
  await page.getByLabel('Reason', { exact: true }).fill('Acted for the other side in 2025');
  await page.getByRole('button', { name: 'Raise wall' }).click();

  const wall = page.getByTestId('wall').filter({ hasText: 'Acted for the other side in 2025' });
  await expect(wall).toBeVisible();
  await expect(wall).toContainText('COR-2026-0031');

  // At once, in the same session: not in search, its count, or the list.
  await staff.goto('/search?q=COR-2026-0031');
  await expect(staff.getByRole('status')).toContainText('Nothing matches');
  await expect(staff.getByTestId('search-matter')).toHaveCount(0);
  await staff.goto('/');
  await expect(staff.getByText('COR-2026-0031')).toHaveCount(0);
  await staff.screenshot({ path: testInfo.outputPath('walled-search.png'), fullPage: true });

  await wall.getByText('Lift this wall').click();
  await wall.getByLabel('Why lift it').fill('Conflict cleared by the ethics partner');
  await wall.getByRole('button', { name: 'Lift wall' }).click();
  await expect(wall).toHaveCount(0);
  await staff.goto('/search?q=COR-2026-0031');
  await expect(staff.getByTestId('search-matter')).toContainText('COR-2026-0031');
  await staffContext.close();
  expect(errors).toEqual([]);
});

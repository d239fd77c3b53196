// Time as people read it (issue 12, point 4): a key date is typed in the
// firm's zone and shown there ("Wed 10 Mar 2027, 2:30 pm"), and a client
// who chooses a zone of their own on /account reads it in theirs.
import { test, expect, Page } from '@playwright/test';
import { expectAccessible, newContextLike, signIn, signInAdmin, waitForHydration } from './support';

async function setFirmZone(page: Page, zone: string) {
  await signInAdmin(page);
  await page.goto('/admin/settings');
  await waitForHydration(page);
  await page.getByLabel('Time zone', { exact: true }).selectOption(zone);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
}

async function openMatter(page: Page) {
  await page.goto('/');
  await page.getByRole('link', { name: 'Harbour lease dispute' }).first().click();
  await expect(page).toHaveURL(/\/matters\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Harbour lease dispute' })).toBeVisible();
}

test('times render in the firm’s zone, and in a zone the client chooses', async ({ page, browser }, testInfo) => {
  const title = `Zone check (${testInfo.project.name})`;
  await setFirmZone(page, 'Asia/Tokyo');
  try {
    await signIn(page, 'staff@vellum.test');
    await openMatter(page);
    const form = page.locator('details.editor', { hasText: 'Add a key date' });
    await form.getByText('Add a key date').click();
    await expect(form.getByText("In the firm's time zone, Asia/Tokyo.")).toBeVisible();
    await form.getByLabel('Title').fill(title);
    await form.getByLabel('Date', { exact: true }).fill('2027-03-10');
    await form.getByLabel('Time', { exact: true }).fill('14:30');
    await form.getByLabel('Visible to the client').check();
    await form.getByRole('button', { name: 'Add key date' }).click();
    const row = page.locator('.key-date', { hasText: title });
    await expect(row).toContainText('Wed 10 Mar 2027, 2:30 pm');
    await expect(row.locator('time')).toHaveAttribute('datetime', '2027-03-10T05:30Z');
    await expect(page.locator('body')).not.toContainText('UTC');

    const context = await newContextLike(browser, testInfo);
    const client = await context.newPage();
    await signIn(client, 'alice@client.test');
    await openMatter(client);
    await expect(client.locator('.key-date', { hasText: title })).toContainText('Wed 10 Mar 2027, 2:30 pm');

    try {
      await client.goto('/account');
      await waitForHydration(client);
      await client.getByLabel('Show times in').selectOption('Europe/London');
      await client.getByRole('button', { name: 'Save time zone' }).click();
      await expect(client.getByText('Times now show in Europe/London.')).toBeVisible();
      await expectAccessible(client);
      await openMatter(client);
      await expect(client.locator('.key-date', { hasText: title })).toContainText('Wed 10 Mar 2027, 5:30 am');
      // A date never wraps mid-value on a phone.
      const whiteSpace = await client
        .locator('.key-date', { hasText: title })
        .locator('time')
        .evaluate((el) => getComputedStyle(el).whiteSpace);
      expect(whiteSpace).toBe('nowrap');
      await client.screenshot({ path: testInfo.outputPath('key-date-own-zone.png'), fullPage: true });

      await client.goto('/account');
      await waitForHydration(client);
      await client.getByLabel('Show times in').selectOption('');
      await client.getByRole('button', { name: 'Save time zone' }).click();
      await expect(client.getByText('Times now show in Asia/Tokyo.')).toBeVisible();
    } finally {
      // Whatever happened, she reads times in the firm's zone again.
      await context.request.post('/api/set_my_time_zone', { form: { time_zone: '' } });
      await context.close();
    }
  } finally {
    await setFirmZone(page, 'UTC');
  }
});

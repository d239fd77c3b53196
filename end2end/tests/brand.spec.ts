// The firm's own name and logo (issue 12, point 8): an admin's PNG heads
// every page, the sign-in page too, until it is removed. The form works
// as a plain post, so it needs no script.
import { test, expect } from '@playwright/test';
import { newContextLike, signInAdmin, waitForHydration, watchConsole } from './support';

/** A 2 × 2 PNG with some transparency. */
const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFElEQVR4nGM4ISf3X07uRAMDjAEAPxcHD6TaeB0AAAAASUVORK5CYII=',
  'base64',
);

test('an admin’s logo heads every page, the sign-in page too, until removed', async ({ page, browser }, testInfo) => {
  const errors = watchConsole(page);
  await signInAdmin(page);
  await page.goto('/admin/settings');
  await waitForHydration(page);
  const logoPanel = page.getByRole('region', { name: 'Logo' });
  // Not a PNG: refused, and the page says why.
  await logoPanel.getByLabel('Logo (PNG)').setInputFiles({ name: 'logo.gif', mimeType: 'image/png', buffer: Buffer.from('GIF89a') });
  await logoPanel.getByRole('button', { name: 'Save logo' }).click();
  await expect(page.getByRole('alert')).toContainText('the logo must be a PNG image');
  await waitForHydration(page);

  await page.getByRole('region', { name: 'Logo' }).getByLabel('Logo (PNG)').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: TINY_PNG });
  await page.getByRole('region', { name: 'Logo' }).getByRole('button', { name: 'Save logo' }).click();
  await expect(page.getByText('Logo saved.')).toBeVisible();
  await waitForHydration(page);
  await expect(page.locator('header img.brand-logo')).toBeVisible();

  const context = await newContextLike(browser, testInfo);
  const visitor = await context.newPage();
  await visitor.goto('/login');
  await waitForHydration(visitor);
  const logo = visitor.locator('header img.brand-logo');
  await expect(logo).toBeVisible();
  expect(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(2);
  await visitor.screenshot({ path: testInfo.outputPath('sign-in-with-logo.png'), fullPage: true });
  await context.close();

  await page.getByRole('region', { name: 'Logo' }).getByRole('button', { name: 'Remove the logo' }).click();
  await expect(page.getByText('Logo removed.')).toBeVisible();
  await waitForHydration(page);
  await expect(page.locator('header img.brand-logo')).toHaveCount(0);
  await expect(page.locator('header .brand-mark')).toBeVisible();
  expect(errors).toEqual([]);
});

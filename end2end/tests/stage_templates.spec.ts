// The admin gives a practice area a stage plan of its own at
// /admin/stages; the next matter opened in that area starts with it, and
// its client-facing stage list shows the descriptions.
import { test, expect } from '@playwright/test';
import { expectAccessible, navigate, signInAdmin, waitForHydration, watchConsole } from './support';

test('an admin adds a practice area with its stages and the next matter in it starts with them', async ({
  page,
}, testInfo) => {
  const errors = watchConsole(page);
  const area = `Family ${testInfo.project.name}`;
  await signInAdmin(page);
  await navigate(page, testInfo, 'Stages');
  await expect(page.getByRole('heading', { name: 'Stage templates' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Default plan' })).toBeVisible();
  await expectAccessible(page);

  const adding = page.locator('section', { has: page.getByRole('heading', { name: 'New practice area' }) });
  await adding.getByLabel('Practice area').fill(area);
  await adding.getByLabel('Stage 1 name', { exact: true }).fill('Consultation');
  await adding.getByLabel('Stage 1 description', { exact: true }).fill('We hear what you need.');
  await adding.getByLabel('Stage 2 name', { exact: true }).fill('Settlement');
  await adding.getByRole('button', { name: 'Add practice area' }).click();
  const template = page.getByRole('region', { name: area });
  await expect(template.getByRole('heading', { name: area })).toBeVisible();
  await expect(template.locator('.template-stages li')).toHaveText(['Consultation', 'Settlement']);
  await expect(template).toContainText('No matters opened in this area yet.');

  await template.getByText('Edit the 2 stages').click();
  await expect(template.getByLabel('Stage 2 name', { exact: true })).toHaveValue('Settlement');
  await template.getByLabel('Stage 2 description', { exact: true }).fill('We agree the terms.');
  await template.getByRole('button', { name: `Save ${area} stages` }).click();
  await expect(template.getByRole('status')).toHaveText('Stages saved.');
  await page.screenshot({ path: testInfo.outputPath('stage-templates.png'), fullPage: true });

  await navigate(page, testInfo, 'New matter');
  await waitForHydration(page);
  const title = `Custody arrangements (${testInfo.project.name})`;
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Practice area').fill(area);
  await page.getByLabel('Client').selectOption({ index: 1 });
  await page.getByLabel('Responsible attorney').selectOption({ label: 'Amara Attorney' });
  await page.getByRole('button', { name: 'Open matter' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.locator('.stages')).toContainText('Consultation');
  await expect(page.locator('.stages')).toContainText('We agree the terms.');
  expect(errors).toEqual([]);
});

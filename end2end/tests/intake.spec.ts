// Intake's first steps (issue 13, points 1 and 2): someone sends the
// public form from a phone or a desktop, and intake staff find the lead
// with its response clock running, then record their first response.
import { test, expect } from '@playwright/test';
import { newContextLike, signIn, waitForHydration, watchConsole } from './support';

test('a stranger’s enquiry reaches the intake list, whose clock stops at the first response', async ({ page, browser }, testInfo) => {
  const name = `Dana Whitfield (${testInfo.project.name} ${Date.now()})`;
  const context = await newContextLike(browser, testInfo);
  const visitor = await context.newPage();
  const visitorErrors = watchConsole(visitor);
  await visitor.goto('/enquire');
  await waitForHydration(visitor);
  await visitor.getByLabel('Name').fill(name);
  await visitor.getByLabel('Email').fill('dana@example.com');
  await visitor.getByLabel('Phone').fill('+44 20 7946 0000');
  await visitor.getByLabel('What do you need help with?').selectOption('A dispute or claim');
  await visitor.getByLabel('Details').fill('My landlord kept the whole deposit.');
  await visitor.getByLabel('You may contact me about this enquiry').check();
  await visitor.getByRole('button', { name: 'Send enquiry' }).click();
  await expect(visitor.getByTestId('enquiry-sent')).toContainText('Your enquiry has reached the firm');
  await visitor.screenshot({ path: testInfo.outputPath('enquiry-sent.png'), fullPage: true });
  await context.close();
  expect(visitorErrors).toEqual([]);

  const errors = watchConsole(page);
  await signIn(page, 'staff@vellum.test');
  await page.goto('/intake');
  await waitForHydration(page);
  const lead = page.getByTestId('lead').filter({ hasText: name });
  await expect(lead).toContainText('The enquiry form');
  await expect(lead).toContainText(/waiting \d+ (min|h)/);
  await expect(lead).toContainText('My landlord kept the whole deposit.');
  await page.screenshot({ path: testInfo.outputPath('intake.png'), fullPage: true });
  await lead.getByLabel('First response').selectOption('call');
  await lead.getByRole('button', { name: 'Record response' }).click();
  const answered = page.getByTestId('lead').filter({ hasText: name });
  await expect(answered).toContainText(/answered after .* \(Call\)/);
  expect(errors).toEqual([]);
});

// Secure messaging between two browsers: the client writes, the attorney
// sees it arrive without a reload (server-sent events) and replies, and the
// client sees the reply the same way. Then the client sends a file, which
// the attorney downloads unchanged, and retracts it, which the attorney's
// page shows at once.
import { test, expect } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { signIn, waitForHydration, watchConsole } from './support';

test('a client and the attorney exchange messages live, without reloading', async ({ browser }, testInfo) => {
  const clientContext = await browser.newContext();
  const firmContext = await browser.newContext();
  const client = await clientContext.newPage();
  const firm = await firmContext.newPage();
  const clientErrors = watchConsole(client);
  const firmErrors = watchConsole(firm);

  await signIn(client, 'bob@client.test');
  await client.goto('/messages');
  await waitForHydration(client);
  await client.getByRole('link', { name: 'Tribunal date' }).click();
  await expect(client).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
  await waitForHydration(client);
  const threadUrl = client.url();

  await signIn(firm, 'partner@vellum.test');
  await firm.goto(threadUrl);
  await waitForHydration(firm);
  await expect(firm.getByRole('heading', { name: 'Tribunal date' })).toBeVisible();

  const question = `Can we move the meeting? (${testInfo.project.name} ${Date.now()})`;
  await client.getByLabel('Message', { exact: true }).fill(question);
  await client.getByRole('button', { name: 'Send' }).click();
  await expect(client.getByText(question)).toBeVisible();
  // No reload on the attorney's side: the message arrives over the stream.
  await expect(firm.getByText(question)).toBeVisible({ timeout: 15_000 });
  // The attorney's page marked it read; the client sees that, live.
  const asked = client.getByRole('listitem').filter({ hasText: question });
  await expect(asked.getByText(/^Read by .*Paul Partner/)).toBeVisible({ timeout: 15_000 });

  const answer = `Yes, Thursday works. (${testInfo.project.name} ${Date.now()})`;
  await firm.getByLabel('Message', { exact: true }).fill(answer);
  await firm.getByRole('button', { name: 'Send' }).click();
  await expect(client.getByText(answer)).toBeVisible({ timeout: 15_000 });
  await expect(client.getByText(question)).toHaveCount(1);

  // Pressing Send twice sends once, and the box is empty afterwards.
  const once = `Just checking in. (${testInfo.project.name} ${Date.now()})`;
  const box = client.getByLabel('Message', { exact: true });
  await box.fill(once);
  await client.getByRole('button', { name: 'Send' }).dblclick();
  await expect(client.getByText(once)).toHaveCount(1);
  await expect(box).toHaveValue('');
  await expect(client.getByRole('button', { name: 'Send' })).toBeEnabled();
  await expect(firm.getByText(once)).toHaveCount(1, { timeout: 15_000 });
  await client.waitForLoadState('networkidle');
  await expect(client.getByText(once)).toHaveCount(1);

  // A file, uploaded with a progress bar, then sent with a note.
  const file = {
    name: `brief-${testInfo.project.name}-${Date.now()}.pdf`,
    mimeType: 'application/pdf',
    buffer: randomBytes(200_000),
  };
  await client.getByLabel('Attach files').setInputFiles([file]);
  await expect(client.getByRole('progressbar', { name: `Uploading ${file.name}` })).toHaveAttribute('aria-valuenow', '100');
  await expect(client.getByText('Uploaded', { exact: true })).toBeVisible();
  const note = `The brief is attached. (${testInfo.project.name} ${Date.now()})`;
  await client.getByLabel('Message', { exact: true }).fill(note);
  await client.getByRole('button', { name: 'Send' }).click();
  await expect(client.getByRole('link', { name: file.name })).toBeVisible();
  await expect(client.getByText('Uploaded', { exact: true })).toHaveCount(0);

  const link = firm.getByRole('link', { name: file.name });
  await expect(link).toBeVisible({ timeout: 15_000 });
  const [download] = await Promise.all([firm.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe(file.name);
  const got = await readFile((await download.path()) ?? '');
  expect(Buffer.compare(got, file.buffer)).toBe(0);

  // Retracted on the client's side: gone from the attorney's page too.
  // Retracting asks first.
  const sent = client.getByRole('listitem').filter({ hasText: note });
  await sent.getByText('Retract…').click();
  await sent.getByRole('button', { name: 'Retract message' }).click();
  await expect(firm.getByText(note)).toHaveCount(0, { timeout: 15_000 });
  await expect(firm.getByRole('link', { name: file.name })).toHaveCount(0);
  await expect(client.getByText(note)).toHaveCount(0);

  // The firm's files stay internal until sent; sending shares them.
  const reply = {
    name: `marked-up-${testInfo.project.name}-${Date.now()}.pdf`,
    mimeType: 'application/pdf',
    buffer: randomBytes(50_000),
  };
  await firm.getByLabel('Attach files').setInputFiles([reply]);
  await expect(firm.getByText('Uploaded', { exact: true })).toBeVisible();
  await firm.getByRole('button', { name: 'Send' }).click();
  const replyLink = client.getByRole('link', { name: reply.name });
  await expect(replyLink).toBeVisible({ timeout: 15_000 });
  const [back] = await Promise.all([client.waitForEvent('download'), replyLink.click()]);
  expect(Buffer.compare(await readFile((await back.path()) ?? ''), reply.buffer)).toBe(0);

  await client.screenshot({ path: testInfo.outputPath('messages-client.png'), fullPage: true });
  await clientContext.close();
  await firmContext.close();
  expect(clientErrors).toEqual([]);
  expect(firmErrors).toEqual([]);
});

test('a client starts a conversation from a matter page and lands in it', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  const who = testInfo.project.name === 'phone'
    ? { email: 'bob@client.test', matter: 'Freight contract claim' }
    : { email: 'alice@client.test', matter: 'Harbour lease dispute' };
  await signIn(page, who.email);
  await page.getByRole('link', { name: who.matter }).click();
  await expect(page).toHaveURL(/\/matters\/[0-9a-f-]{36}$/);
  await waitForHydration(page);

  const subject = `Invoice question (${testInfo.project.name} ${Date.now()})`;
  const first = 'Could you explain the second line of my last statement?';
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('First message').fill(first);
  await page.getByRole('button', { name: 'Start conversation' }).click();
  await expect(page).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: subject })).toBeVisible();
  await expect(page.getByText(first)).toBeVisible();
  await waitForHydration(page);

  await page.goto('/messages');
  await waitForHydration(page);
  await expect(page.getByRole('link', { name: subject })).toBeVisible();
  expect(errors).toEqual([]);
});

// Secure messaging between two browsers: the client writes, the attorney
// sees it arrive without a reload (server-sent events) and replies, and the
// client sees the reply the same way.
import { test, expect } from '@playwright/test';
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

  const answer = `Yes, Thursday works. (${testInfo.project.name} ${Date.now()})`;
  await firm.getByLabel('Message', { exact: true }).fill(answer);
  await firm.getByRole('button', { name: 'Send' }).click();
  await expect(client.getByText(answer)).toBeVisible({ timeout: 15_000 });
  await expect(client.getByText(question)).toHaveCount(1);

  await client.screenshot({ path: testInfo.outputPath('messages-client.png'), fullPage: true });
  await clientContext.close();
  await firmContext.close();
  expect(clientErrors).toEqual([]);
  expect(firmErrors).toEqual([]);
});

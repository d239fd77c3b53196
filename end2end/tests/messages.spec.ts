// Secure messaging between two browsers: the client writes, the attorney
// sees it arrive without a reload (server-sent events) and replies, and the
// client sees the reply the same way.
import { test, expect, type Page } from '@playwright/test';
import { PASSWORD, signIn, totpCode, waitForHydration, watchConsole } from './support';

/**
 * Signs a firm user in. TOTP codes cannot be replayed and both projects
 * sign the partner in, so when the current step's code was used already the
 * next step (accepted by the server as clock drift) is tried.
 */
async function signInFirm(page: Page, email: string): Promise<void> {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login\/mfa$/);
  await waitForHydration(page);
  const step = Math.floor(Date.now() / 30_000);
  for (const candidate of [step, step + 1]) {
    await page.getByLabel('Authentication code').fill(totpCode(candidate));
    await page.getByRole('button', { name: 'Verify' }).click();
    try {
      await expect(page).toHaveURL(/\/$/, { timeout: 5_000 });
      break;
    } catch {
      if (candidate !== step) throw new Error(`${email}: no TOTP code was accepted`);
    }
  }
  await expect(page.getByRole('heading', { name: 'Matters' })).toBeVisible();
}

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

  await signInFirm(firm, 'partner@vellum.test');
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

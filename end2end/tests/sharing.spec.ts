// Nothing is shared by accident (issue 12, point 1): what the firm uploads
// is firm only unless it deliberately chooses the client, confirmed in a
// dialog; every row says who can see it; the client sees only what was
// shared. Each project uses its own client's matter.
import { test, expect } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { newContextLike, signIn, waitForHydration, watchConsole } from './support';

const CLIENTS = {
  phone: { email: 'bob@client.test', matter: 'Freight contract claim' },
  desktop: { email: 'alice@client.test', matter: 'Harbour lease dispute' },
} as const;

test('a firm upload stays firm only until the firm deliberately shares one', async ({ page, browser }, testInfo) => {
  const errors = watchConsole(page);
  const who = CLIENTS[testInfo.project.name as keyof typeof CLIENTS];
  await signIn(page, 'attorney@vellum.test');
  await page.getByRole('link', { name: who.matter }).first().click();
  await expect(page).toHaveURL(/\/matters\/[0-9a-f-]{36}$/);
  await expect(page).toHaveTitle(new RegExp(who.matter));
  await waitForHydration(page);
  const matterUrl = page.url();
  const documents = page.getByRole('region', { name: 'Documents', exact: true });
  const choice = documents.getByLabel('Who can see them');
  await expect(choice).toHaveValue('internal');

  const stamp = `${testInfo.project.name}-${Date.now()}`;
  const file = (name: string) => ({ name, mimeType: 'application/pdf', buffer: randomBytes(20_000) });
  const internal = file(`working-notes-${stamp}.pdf`);
  await documents.getByLabel('Add documents', { exact: true }).setInputFiles([internal]);
  const internalRow = documents.getByRole('listitem').filter({ hasText: internal.name }).first();
  await expect(internalRow.getByText('Firm only', { exact: true })).toBeVisible();

  // Declining the confirmation keeps the choice on firm only.
  page.once('dialog', (dialog) => dialog.dismiss());
  await choice.selectOption('client');
  await expect(choice).toHaveValue('internal');

  // Accepting it shares the next upload, and asks no more on this page.
  page.once('dialog', (dialog) => {
    expect(dialog.message()).toContain('Share these files with the client?');
    return dialog.accept();
  });
  await choice.selectOption('client');
  await expect(choice).toHaveValue('client');
  const shared = file(`signed-lease-${stamp}.pdf`);
  await documents.getByLabel('Add documents', { exact: true }).setInputFiles([shared]);
  const sharedRow = documents.getByRole('listitem').filter({ hasText: shared.name }).first();
  await expect(sharedRow.getByText('Visible to client', { exact: true })).toBeVisible();
  await expect(internalRow.getByText('Firm only', { exact: true })).toBeVisible();

  // The client sees the shared file and not the other.
  const clientContext = await newContextLike(browser, testInfo);
  const client = await clientContext.newPage();
  const clientErrors = watchConsole(client);
  await signIn(client, who.email);
  await client.goto(matterUrl);
  await waitForHydration(client);
  await expect(client.getByRole('link', { name: `Version 1: ${shared.name}` })).toBeVisible();
  await expect(client.getByText(internal.name)).toHaveCount(0);
  await clientContext.close();

  // Sharing by mistake is undone in one press, and the undo can be undone.
  await internalRow.getByRole('button', { name: 'Share with client' }).click();
  const note = documents.getByRole('status').filter({ hasText: `${internal.name} is now visible to the client.` });
  await expect(note).toBeVisible();
  await expect(internalRow.getByText('Visible to client', { exact: true })).toBeVisible();
  await note.getByRole('button', { name: 'Undo' }).click();
  await expect(documents.getByText(`${internal.name} is now firm only.`)).toBeVisible();
  await expect(internalRow.getByText('Firm only', { exact: true })).toBeVisible();

  expect(clientErrors).toEqual([]);
  expect(errors).toEqual([]);
});

// A client answers a document request from the matter page: several files
// at once, a progress bar for each, then one downloaded back and compared
// byte for byte with what was sent. Each project uses its own client, so
// both find the seeded request still open.
import { test, expect } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { signIn, waitForHydration, watchConsole } from './support';

const CLIENTS = {
  phone: { email: 'bob@client.test', matter: 'Freight contract claim' },
  desktop: { email: 'alice@client.test', matter: 'Harbour lease dispute' },
} as const;

test('a client uploads several files against a request and downloads one back unchanged', async ({ page }, testInfo) => {
  const errors = watchConsole(page);
  const who = CLIENTS[testInfo.project.name as keyof typeof CLIENTS];
  await signIn(page, who.email);
  await page.getByRole('link', { name: who.matter }).click();
  await expect(page).toHaveURL(/\/matters\/[0-9a-f-]{36}$/);
  await waitForHydration(page);

  const request = page.getByTestId('document-request').filter({ hasText: 'Photo ID' });
  await expect(request.getByText('Open', { exact: true })).toBeVisible();
  // Large enough to span several encrypted chunks.
  const files = [0, 1, 2].map((i) => ({
    name: `id-${testInfo.project.name}-${i}.bin`,
    mimeType: 'application/octet-stream',
    buffer: randomBytes(150_000 + i * 70_000),
  }));
  await request.getByLabel('Upload for Photo ID').setInputFiles(files);

  for (const file of files) {
    const bar = page.getByRole('progressbar', { name: `Uploading ${file.name}` });
    await expect(bar).toBeVisible();
    await expect(bar).toHaveAttribute('aria-valuenow', '100');
  }
  await expect(page.getByText('Uploaded', { exact: true })).toHaveCount(files.length);
  if (testInfo.project.name === 'phone') {
    // On a phone the camera is offered too.
    await expect(request.getByLabel('Take a photo')).toHaveAttribute('capture', 'environment');
  }
  await expect(request.getByText('Submitted — awaiting review', { exact: true })).toBeVisible();
  // The files are listed under their request, sizes in words.
  const sent = request.getByRole('list', { name: 'Files sent for Photo ID' });
  for (const file of files) await expect(sent.getByRole('link', { name: file.name })).toBeVisible();
  await expect(sent).toContainText(/\d+\.\d kB/);
  // More may follow until the firm accepts them; an empty file or a
  // program is refused in the browser before anything is sent.
  await request.getByLabel('Upload for Photo ID').setInputFiles([
    { name: 'back-side.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) },
    { name: 'setup.exe', mimeType: 'application/octet-stream', buffer: randomBytes(10) },
    { name: 'video.mov', mimeType: 'video/quicktime', buffer: Buffer.alloc(6_000_000, 1) },
  ]);
  await expect(page.getByText('back-side.jpg is empty. Choose the file again, or another copy of it.')).toBeVisible();
  await expect(page.getByText('setup.exe is a program or script (.exe); these cannot be uploaded.')).toBeVisible();
  // The size limit (the test server's 5 MB) is stated up front, in MB.
  await expect(page.getByText('video.mov is 6.0 MB; files can be at most 5.0 MB.')).toBeVisible();
  await expect(request.getByText(/Up to 20 files at a time, each up to 5\.0 MB/)).toBeVisible();

  // The list reloads once, when the last upload ends; once every file is
  // listed it has settled, and a click cannot land on a row being redrawn.
  for (const file of files) {
    await expect(page.getByRole('link', { name: `Version 1: ${file.name}` })).toBeVisible();
  }
  await page.waitForLoadState('networkidle');
  const wanted = files[1];
  const link = page.getByRole('link', { name: `Version 1: ${wanted.name}` });
  await expect(link).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe(wanted.name);
  const got = await readFile((await download.path()) ?? '');
  expect(Buffer.compare(got, wanted.buffer)).toBe(0);

  expect(errors).toEqual([]);
});

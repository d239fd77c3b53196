// Shared helpers for the browser suite: demo credentials, TOTP codes,
// signing in through the real form, a console watcher, and the
// accessibility check every page gets once it has hydrated.
import { createHmac } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** Set by `cargo xtask test`, which seeds the demo firm with them. */
export const PASSWORD = process.env.VELLUM_DEMO_PASSWORD ?? '';
const TOTP_BASE32 = process.env.VELLUM_DEMO_TOTP ?? '';
if (!PASSWORD || !TOTP_BASE32) {
  throw new Error('VELLUM_DEMO_PASSWORD and VELLUM_DEMO_TOTP are set by `cargo xtask test`');
}

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    const value = alphabet.indexOf(ch);
    if (value < 0) throw new Error(`not base32: ${ch}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for a time step. */
export function totpCode(step: number, secretBase32: string = TOTP_BASE32): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 1_000_000).toString().padStart(6, '0');
}

/** Pages in the middle of the MFA step, whose refused codes log a 401. */
const signingIn = new WeakSet<Page>();

/**
 * Collects console errors (CSP violations included) for a test to assert on.
 * A TOTP code refused during `signIn` (already spent) is expected, not an
 * error of the page.
 */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !signingIn.has(page)) errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

export async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'true');
  // Every spec waits here after each navigation, so every page the suite
  // visits gets the accessibility check.
  await expectAccessible(page);
}

/** Fails on any serious or critical axe-core violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  expect(blocking, `axe-core on ${page.url()}`).toEqual([]);
}

/** Signs in through the form. Firm users also pass the MFA step. */
export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (!email.endsWith('@client.test')) {
    await expect(page).toHaveURL(/\/login\/mfa$/);
    await waitForHydration(page);
    // A TOTP code works once, and several tests sign the same firm user in:
    // when this step's code was spent, try the next step's (the server
    // accepts one step of clock drift).
    const step = Math.floor(Date.now() / 30_000);
    signingIn.add(page);
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
    signingIn.delete(page);
  }
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Matters' })).toBeVisible();
}

// Shared helpers for the browser suite: demo credentials, TOTP codes,
// signing in through the real form, a console watcher, and the
// accessibility check every page gets once it has hydrated.
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Browser, type Page, type TestInfo } from '@playwright/test';

/** Set by `cargo xtask test`, which seeds the demo firm with them. */
export const PASSWORD = process.env.VELLUM_DEMO_PASSWORD ?? '';
const TOTP_BASE32 = process.env.VELLUM_DEMO_TOTP ?? '';
if (!PASSWORD || !TOTP_BASE32) {
  throw new Error('VELLUM_DEMO_PASSWORD and VELLUM_DEMO_TOTP are set by `cargo xtask test`');
}

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/\s+/g, '').replace(/=+$/, '').toUpperCase()) {
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
  // After a navigation in the browser, a page names itself once its data
  // has arrived; check it then, not half-drawn.
  await expect(page).toHaveTitle(/\S/);
  // Every spec waits here after each navigation, so every page the suite
  // visits gets the accessibility check.
  await expectAccessible(page);
}

/**
 * Fails on any serious or critical axe-core violation on the page as it is
 * now, or when the page is wider than the window.
 */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  expect(blocking, `axe-core on ${page.url()}`).toEqual([]);
  // No page scrolls sideways, on a 375 px phone or anywhere else.
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  expect(widths.scroll, `sideways scroll on ${page.url()}`).toBeLessThanOrEqual(widths.inner);
}

/**
 * The session cookies of each demo firm user signed in so far (one worker
 * runs every spec). A TOTP code works once and wrong codes are throttled,
 * so signing the same colleague in through the form in spec after spec
 * spends codes and waits for the clock; a spec that is not about signing
 * in reuses the session instead. A session that has ended (signed out,
 * disabled) is noticed and replaced by a real sign-in.
 */
const firmSessions = new Map<string, Awaited<ReturnType<ReturnType<Page['context']>['cookies']>>>();

/**
 * Signs in through the form. Firm users also pass the MFA step, unless
 * `reuse` lets a live session from an earlier spec stand in for it.
 */
export async function signIn(page: Page, email: string, password = PASSWORD, reuse = true): Promise<void> {
  const firm = !email.endsWith('@client.test');
  const saved = firm && reuse && password === PASSWORD ? firmSessions.get(email) : undefined;
  if (saved) {
    await page.context().addCookies(saved);
    await page.goto('/');
    try {
      await expect(page.getByRole('heading', { name: 'Matters' })).toBeVisible({ timeout: 5_000 });
      if (new URL(page.url()).pathname === '/') return;
    } catch {
      // The session ended: sign in for real.
    }
    firmSessions.delete(email);
    await page.context().clearCookies();
  }
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
    // accepts one step of clock drift); when both were, wait for the clock
    // to reach a step nobody has used.
    signingIn.add(page);
    let tried = -1;
    for (let round = 0; ; round++) {
      const step = Math.max(Math.floor(Date.now() / 30_000), tried);
      let accepted = false;
      for (const candidate of [step, step + 1]) {
        if (candidate <= tried) continue;
        tried = candidate;
        await page.getByLabel('Authentication code').fill(totpCode(candidate));
        await page.getByRole('button', { name: 'Verify' }).click();
        try {
          await expect(page).toHaveURL(/\/$/, { timeout: 5_000 });
          accepted = true;
          break;
        } catch {
          // Spent already by an earlier sign-in.
        }
      }
      if (accepted) break;
      if (round === 2) throw new Error(`${email}: no TOTP code was accepted`);
      await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 500);
    }
    signingIn.delete(page);
  }
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Matters' })).toBeVisible();
  if (firm && password === PASSWORD) firmSessions.set(email, await page.context().cookies());
}

/** Where the SMTP sink writes each delivered email (set by `cargo xtask test`). */
const MAIL_DIR = process.env.VELLUM_MAIL_DIR ?? '';
if (!MAIL_DIR) {
  throw new Error('VELLUM_MAIL_DIR is set by `cargo xtask test`, which runs the SMTP sink');
}

const ADMIN = 'admin@vellum.test';
/** Invited people choose this; it is not the demo password. */
export const NEW_PASSWORD = 'copper meadow violin orchard';

/** Signs the admin in through the form, MFA step included. */
export async function signInAdmin(page: Page): Promise<void> {
  await signIn(page, ADMIN);
}

/** A context with the same screen as the project's own. */
export async function newContextLike(browser: Browser, testInfo: TestInfo) {
  const { viewport, isMobile, hasTouch } = testInfo.project.use;
  return browser.newContext({ baseURL: process.env.VELLUM_BASE_URL, viewport, isMobile, hasTouch });
}

/** Opens a page from the navigation, through the menu on a phone. */
export async function navigate(page: Page, testInfo: TestInfo, link: string): Promise<void> {
  await waitForHydration(page);
  if (testInfo.project.name === 'phone') await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('link', { name: link, exact: true }).click();
}

/** The delivered emails to `to`, decoded from quoted-printable, newest first. */
export function deliveredTo(to: string): string[] {
  return readdirSync(MAIL_DIR)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => join(MAIL_DIR, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    .map((path) => readFileSync(path, 'utf8'))
    .filter((mail) => mail.includes(`X-Envelope-To: ${to}\r\n`) || mail.includes(`X-Envelope-To: ${to}\n`))
    .map((mail) =>
      mail.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
    );
}

/**
 * The one-time link (`/invite/…` or `/reset/…`) in the newest email
 * delivered to `to`, once the sender has sent it. No email carries the
 * demo password.
 */
export async function mailedLink(to: string, kind: 'invite' | 'reset'): Promise<string> {
  const pattern = new RegExp(`/${kind}/[A-Za-z0-9_-]{43}`);
  let link: string | undefined;
  await expect
    .poll(() => {
      link = deliveredTo(to).map((mail) => mail.match(pattern)?.[0]).find(Boolean);
      return link;
    }, { message: `an email with a ${kind} link to ${to}`, timeout: 30_000 })
    .toBeTruthy();
  for (const mail of deliveredTo(to)) expect(mail).not.toContain(PASSWORD);
  return link as string;
}

/** Fills and submits a set-password form, then follows "sign in". */
export async function setPassword(page: Page, testInfo: TestInfo, password: string, shot: string) {
  await waitForHydration(page);
  await page.getByLabel('New password').fill(password);
  await page.getByLabel('Confirm password').fill(password);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByRole('status')).toHaveText('Your password is set — sign in');
  await page.screenshot({ path: testInfo.outputPath(shot), fullPage: true });
  await page.getByRole('link', { name: 'sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
}


/**
 * A firm user's first sign-in: the password, then the two-step set-up
 * that must come before anything else, with a code from the key the page
 * shows. Ends on the dashboard.
 */
export async function signInFirstTime(page: Page, testInfo: TestInfo, email: string, password: string) {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login\/setup$/);
  await waitForHydration(page);
  const secret = (await page.getByTestId('mfa-secret').innerText()).trim();
  await page.getByLabel('Authentication code').fill(totpCode(Math.floor(Date.now() / 30_000), secret));
  await page.getByRole('button', { name: 'Turn on and continue' }).click();
  await expect(page.getByRole('status')).toContainText('Two-step verification is on');
  await expect(page.locator('.codes li')).toHaveCount(10);
  await page.screenshot({ path: testInfo.outputPath(`recovery-codes-${email}.png`), fullPage: true });
  // The way on shows once the codes are said to be saved.
  await expect(page.getByRole('link', { name: 'Continue to Vellum' })).toHaveCount(0);
  await page.getByLabel('I have saved these codes somewhere safe').check();
  await page.getByRole('link', { name: 'Continue to Vellum' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Matters' })).toBeVisible();
  await waitForHydration(page);
}

/** Signs in through the form as a client without MFA. */
export async function signInClient(page: Page, email: string, password: string) {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Matters' })).toBeVisible();
}

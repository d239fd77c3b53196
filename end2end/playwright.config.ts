// Browser tests run in Debian's Chromium against a real `vellum serve` that
// `cargo xtask test` starts on a seeded data dir and names in VELLUM_BASE_URL.
import { defineConfig } from '@playwright/test';

const baseURL = process.env.VELLUM_BASE_URL;
if (!baseURL) {
  throw new Error('VELLUM_BASE_URL is not set: run the browser suite through `cargo xtask test`');
}

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  timeout: 60_000,
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.VELLUM_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'phone', use: { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true } },
    { name: 'desktop', use: { viewport: { width: 1280, height: 800 } } },
  ],
});

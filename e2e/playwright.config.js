// @ts-check
// Playwright configuration for mtqg's end-to-end tests: one real server (started by global-setup.js), Debian's
// chromium, tests one after the other (they share the server's data), a full-page screenshot of every test's end.
const path = require('node:path');
const { defineConfig } = require('@playwright/test');

const ARTIFACTS = path.resolve(__dirname, process.env.MTQG_E2E_ARTIFACTS || 'artifacts');

module.exports = defineConfig({
  testDir: './tests',
  globalSetup: require.resolve('./global-setup.js'),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  globalTimeout: 4 * 60_000,
  expect: { timeout: 10_000 },
  outputDir: './test-results',
  reporter: [
    ['list'],
    ['json', { outputFile: path.join(ARTIFACTS, 'results.json') }],
  ],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      // Debian's chromium inside a container: no user namespaces, a small /dev/shm.
      args: ['--disable-dev-shm-usage'],
    },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
    screenshot: 'off',
    trace: 'off',
  },
});

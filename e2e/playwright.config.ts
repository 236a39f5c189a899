// Browser journeys against `maillage serve` (debug build) on a random port
// with a fresh data directory holding the demo, in Debian's Chromium (no
// browser download).
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const targetDir = process.env.CARGO_TARGET_DIR ?? resolve(__dirname, '..', 'target');
export const maillageBin = process.env.MAILLAGE_BIN ?? join(targetDir, 'debug', 'maillage');
// Shared with the tests through the environment: they read the outbox with the CLI.
process.env.MAILLAGE_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'maillage-e2e-'));
process.env.MAILLAGE_E2E_PORT ??= String(20000 + Math.floor(Math.random() * 20000));
export const dataDir = process.env.MAILLAGE_E2E_DATA_DIR;
const port = Number(process.env.MAILLAGE_E2E_PORT);

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: 'fr-FR',
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
             '--disable-sync', '--no-first-run'],
    },
  },
  webServer: {
    // The demo's accounts and atlas (real public data of four départements), then the server.
    command: `"${maillageBin}" demo --data-dir "${dataDir}" >/dev/null && "${maillageBin}" serve --listen 127.0.0.1:${port} --data-dir "${dataDir}"`,
    url: `http://127.0.0.1:${port}/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    env: { MAILLAGE_LOG: 'warn', MAILLAGE_SHARED_DATA: process.env.MAILLAGE_SHARED_DATA ?? resolve(__dirname, '..', '..', 'shared', 'data') },
    stdout: 'ignore',
    stderr: 'pipe',
  },
});

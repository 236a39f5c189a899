// Helpers shared by the journeys.
import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const targetDir = process.env.CARGO_TARGET_DIR ?? resolve(__dirname, '..', '..', 'target');
const bin = process.env.MAILLAGE_BIN ?? join(targetDir, 'debug', 'maillage');

/** Fails on any WCAG 2.1 A/AA violation axe can detect on the current page. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary, `accessibility violations on ${page.url()}`).toEqual([]);
}

/** The body of the newest outbox mail to `email`, through `maillage admin outbox`. */
export function lastMailTo(email: string): string {
  const out = execFileSync(bin, ['admin', 'outbox', '--full', '--limit', '50', '--data-dir', process.env.MAILLAGE_E2E_DATA_DIR!], {
    encoding: 'utf8',
  });
  const start = out.indexOf(`to ${email}`);
  expect(start, `a mail to ${email} in the outbox`).toBeGreaterThan(-1);
  return out.slice(start);
}

export function linkIn(body: string, path: string): string {
  const match = body.match(new RegExp(`https?://\\S+${path.replace(/[?]/g, '\\?')}\\S*`));
  expect(match, `a link to ${path}`).not.toBeNull();
  return match![0];
}

export const PASSWORD = 'cheval agrafe batterie';

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}

// The demo's place manager reads the place's revenue: a chart drawn on the
// server with its table, the invoices list, and the FEC download.
import { test, expect } from '@playwright/test';
import { expectAccessible, shot } from './support';

const DEMO_PASSWORD = 'Demo-Maillage-2026';

test('the place manager reads the revenue of the year and its invoices', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Adresse électronique').fill('gerance@demo.maillage.fr');
  await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();

  // The account page names the place the role is for.
  await page.goto('/account');
  const role = await page.getByText(/gestion du lieu n° \d+/).first().textContent();
  const place = role!.match(/n° (\d+)/)![1];

  // The twelve months up to today, so the demo's whole year shows.
  const today = new Date();
  const from = new Date(today.getFullYear() - 1, today.getMonth() + 1, 1);
  const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  await page.goto(`/lieux/${place}/recettes`);
  await page.getByLabel('Du (AAAA-MM-JJ)').fill(iso(from));
  await page.getByLabel('Au (AAAA-MM-JJ, inclus)').fill(iso(today));
  await page.getByRole('button', { name: 'Afficher' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Recettes de');
  const chart = page.getByRole('img', { name: 'Recettes hors taxes par mois et par catégorie' });
  await expect(chart).toBeVisible();
  expect(await chart.locator('rect').count()).toBeGreaterThan(12);
  const table = page.getByRole('table');
  await expect(table.getByRole('columnheader', { name: 'Accompagnement' })).toBeVisible();
  await expect(table.locator('tbody tr')).toHaveCount(12);
  await expect(table.locator('tfoot')).toContainText('€');
  await expectAccessible(page);
  await shot(page, '40-revenue');

  // On a phone the table scrolls instead of overflowing the page.
  await page.setViewportSize({ width: 375, height: 800 });
  await shot(page, '41-revenue-phone');
  await page.setViewportSize({ width: 1280, height: 800 });

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Télécharger l\'export comptable (FEC)' }).first().click();
  expect((await download).suggestedFilename()).toMatch(/^FEC-lieu\d+-\d{8}-\d{8}\.csv$/);

  await page.getByRole('link', { name: 'Liste des factures' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Factures de');
  await expectAccessible(page);
  await shot(page, '42-invoices');
  await page.getByRole('table').getByRole('link').first().click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Facture n°');
  await expect(page.getByText('40 €')).toBeVisible();
});

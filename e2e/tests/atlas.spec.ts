// The atlas as visitors and the territory team use it, on the demo data
// (France Services, lieux de médiation numérique, town halls and sample
// innovation places of Charente, Charente-Maritime, Deux-Sèvres and Vienne).
import { test, expect } from '@playwright/test';
import { expectAccessible, shot } from './support';

const DEMO_PASSWORD = 'Demo-Maillage-2026';

test('search, narrow with a facet, open a place and see it on the map', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Que cherchez-vous ?').fill('fablab');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await expect(page).toHaveURL(/\/recherche\?q=fablab/);
  const total = page.locator('#results-title');
  await expect(total).toContainText('résultat');
  await expectAccessible(page);
  await shot(page, '10-search');

  // The map draws the results of its viewport.
  await expect(page.locator('.search-map .map')).toHaveAttribute('data-loaded', /[1-9]/);

  await page.locator('.facets').getByRole('link', { name: 'Vienne (86)' }).click();
  await expect(page).toHaveURL(/departement=86/);
  await expect(page.locator('.facets [aria-current="true"]')).toContainText('Vienne (86)');
  const first = page.locator('ol.results li h3 a').first();
  const name = (await first.textContent())!.trim();
  await expect(page.locator('ol.results .meta').first()).toBeVisible();
  await first.click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await expect(page.getByText('Fiche d\'exemple générée pour la démonstration.')).toBeVisible();
  await expect(page.locator('.leaflet-marker-icon')).toBeVisible();
  await expect(page.locator('.leaflet-marker-icon')).toHaveAttribute('alt', name);
  await expectAccessible(page);
  await shot(page, '11-place');

  // On a phone: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 375, height: 800 });
  for (const path of [page.url(), '/recherche?q=tiers-lieu']) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `no sideways scrolling on ${path}`).toBeLessThanOrEqual(0);
  }
  await shot(page, '15-search-phone');
});

test('the territory team compares two records and merges them', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Adresse électronique').fill('territoire@demo.maillage.fr');
  await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('navigation').getByRole('link', { name: 'Doublons' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Doublons à examiner');
  await expectAccessible(page);
  await shot(page, '12-duplicates');

  await page.getByRole('link', { name: /^Comparer/ }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Comparer deux fiches');
  await expectAccessible(page);
  // Keep the second record's name, whatever the default.
  const nameChoice = page.locator('input[name="choice_name"][value="b"]');
  if (await nameChoice.count()) {
    await nameChoice.check();
  }
  await shot(page, '13-compare');
  await page.getByRole('button', { name: 'Fusionner' }).click();
  await expect(page.getByRole('status')).toContainText('Les deux fiches ont été fusionnées.');
  await expect(page).toHaveURL(/\/atlas\/\d+/);

  // The merge shows in the recent merges and can be undone.
  await page.goto('/doublons');
  await page.getByRole('button', { name: /^Annuler la fusion/ }).first().click();
  await expect(page.getByRole('status')).toContainText('La fusion est annulée');
});

test('the embeddable search shows results without the site around them', async ({ page }) => {
  const response = await page.goto('/embed?q=france+services&departement=16');
  expect(response!.headers()['content-security-policy']).toContain('frame-ancestors');
  await expect(page.locator('ol.results li').first()).toBeVisible();
  await expect(page.locator('header.site-header')).toHaveCount(0);
  await expectAccessible(page);
  await shot(page, '14-embed');

  // Filtered by a network: only its members.
  await page.goto('/embed?network=' + encodeURIComponent('Réseau des tiers-lieux du territoire (exemple)'));
  await expect(page.locator('#results-title')).toHaveText('36 résultats');
  await expect(page.locator('.facets')).toContainText('Réseaux');
});

// Booking a room on the demo: the sample place "Le Hangar — Tiers-lieu
// (Angoulême)" has a resource tree (whole venue, coworking room with desks,
// meeting room, workshop with a laser cutter) and a few bookings.
import { test, expect } from '@playwright/test';
import { expectAccessible, shot } from './support';

const DEMO_PASSWORD = 'Demo-Maillage-2026';

test('book a free slot from the calendar, see it in my bookings, and be told the slot is taken', async ({ page }) => {
  await page.goto('/recherche?q=Le+Hangar+Tiers-lieu');
  await page.getByRole('link', { name: /^Le Hangar — Tiers-lieu \(Angoulême\)/ }).first().click();
  await page.getByRole('link', { name: 'Réserver un espace ou une machine de ce lieu' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Réserver à Le Hangar/);
  await expect(page.locator('.resource-tree')).toContainText('Découpeuse laser');
  await expectAccessible(page);
  await shot(page, '30-resources');

  await page.getByRole('link', { name: 'Calendrier et réservation : Salle de réunion Charente' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Calendrier : Salle de réunion Charente');
  await expect(page.getByRole('table')).toBeVisible();
  await expectAccessible(page);
  await shot(page, '31-calendar-week');
  // Next week is free but for the demo's booking; take its first free hour.
  await page.getByRole('link', { name: /Période suivante/ }).click();
  const free = page.locator('td.slot.free a').first();
  const label = (await free.getAttribute('aria-label'))!;
  expect(label).toMatch(/^Libre, réserver le /);
  const formUrl = (await free.getAttribute('href'))!;
  await free.click();

  // Booking needs an account: sign in, then back to the pre-filled form.
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel('Adresse électronique').fill('habitant@demo.maillage.fr');
  await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Réserver : Salle de réunion Charente');
  const start = await page.getByLabel('Heure de début').inputValue();
  const end = await page.getByLabel('Heure de fin').inputValue();
  expect(start).toMatch(/^\d\d:\d\d$/);
  await expectAccessible(page);
  await shot(page, '32-booking-form');
  await page.getByRole('button', { name: 'Voir le prix et les conditions' }).click();

  // The price step: the demo room costs 25 € an hour excl. VAT, free to cancel.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vérifier et confirmer : Salle de réunion Charente');
  await expect(page.locator('#quote-when')).toContainText(`de ${start} à ${end}`);
  await expect(page.locator('#quote-gross')).toContainText('30,00');
  await expect(page.locator('#quote-due')).toContainText('30,00');
  await expect(page.locator('#quote-conditions')).toContainText('Annulation gratuite');
  await expectAccessible(page);
  await shot(page, '32b-booking-price');
  await page.getByRole('button', { name: 'Confirmer la réservation' }).click();

  await expect(page).toHaveURL(/\/compte\/reservations\?notice=booked/);
  await expect(page.getByRole('status')).toContainText('C\'est réservé');
  const mine = page.locator('#upcoming-bookings');
  await expect(mine).toContainText('Salle de réunion Charente');
  await expect(mine).toContainText(`de ${start} à ${end}`);
  await expect(mine).toContainText('Prix : 30,00');
  await expectAccessible(page);
  await shot(page, '33-my-bookings');

  // The same slot again: refused, the taken slot named beside the field.
  await page.goto(formUrl);
  await page.getByRole('button', { name: 'Voir le prix et les conditions' }).click();
  await expect(page.locator('#f-start-error')).toContainText('Ce créneau est déjà pris : « Salle de réunion Charente » est réservé');
  await expect(page.locator('#f-start-error')).toContainText(`${start} à ${end}`);
  await expectAccessible(page);
  await shot(page, '34-booking-conflict');

  // On a phone: nothing wider than the screen (the week scrolls inside its box).
  await page.setViewportSize({ width: 375, height: 800 });
  for (const path of [formUrl.replace(/reserver\?.*/, 'calendrier'), formUrl.replace(/reserver\?.*/, 'calendrier?vue=mois'), '/compte/reservations']) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `no sideways scrolling on ${path}`).toBeLessThanOrEqual(0);
  }
  await page.goto(formUrl.replace(/reserver\?.*/, 'calendrier'));
  await shot(page, '35-calendar-phone');
  await page.goto('/compte/reservations');
  await shot(page, '36-my-bookings-phone');

  // Cancelled from "my bookings": free this far ahead, and the slot is free again.
  await page.setViewportSize({ width: 1280, height: 800 });
  const item = page.locator('#upcoming-bookings li', { hasText: `de ${start} à ${end}` }).first();
  await item.getByRole('button', { name: /^Annuler la réservation de « Salle de réunion Charente »/ }).click();
  await expect(page.getByRole('status')).toContainText('La réservation est annulée.');
  await expect(page.locator('#other-bookings')).toContainText('Annulée');
  await page.goto(formUrl);
  await page.getByRole('button', { name: 'Voir le prix et les conditions' }).click();
  await expect(page.locator('#quote-gross')).toContainText('30,00');
});

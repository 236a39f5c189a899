// A programme of the demo: register to it (with its questionnaire), get the
// ticket with its QR code, then, as the place's team, open the link the QR
// code carries (what a phone camera does) and check the participant in.
import { test, expect } from '@playwright/test';
import { shot } from './support';

const DEMO_PASSWORD = 'Demo-Maillage-2026';

async function logIn(page: import('@playwright/test').Page, email: string, next: string) {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

test('register to a programme, then be checked in by scanning the ticket', async ({ page, context }) => {
  await logIn(page, 'habitant@demo.maillage.fr', '/evenements');
  await expect(page).toHaveURL(/\/evenements$/);
  await page.getByRole('link', { name: 'Bootcamp « Créer son activité »' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bootcamp « Créer son activité »');
  await expect(page.locator('ol.sessions li')).toHaveCount(5);
  await expect(page.locator('#seats')).toContainText('20 sur 20');

  // The questionnaire's required question left empty: the message stands beside it.
  await page.getByLabel('Tarif').selectOption({ label: 'Plein tarif – 120,00 €' });
  await page.getByRole('button', { name: 'Je m\'inscris' }).click();
  await expect(page.getByRole('alert')).toContainText('Le formulaire contient des erreurs');
  await expect(page.getByLabel('Votre projet en une phrase')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Votre projet en une phrase').fill('Une épicerie vrac itinérante');
  await page.getByRole('button', { name: 'Je m\'inscris' }).click();

  await expect(page).toHaveURL(/\/billet\//);
  await expect(page.locator('#status')).toHaveText('Confirmée');
  await expect(page.locator('figure.qr svg')).toBeVisible();
  const code = (await page.locator('#code').textContent())!.trim();
  await shot(page, '40-ticket');

  // On a phone, the place's team opens what the QR code carries.
  await context.clearCookies();
  await page.setViewportSize({ width: 375, height: 800 });
  await logIn(page, 'territoire@demo.maillage.fr', `/controle/${code}`);
  await expect(page).toHaveURL(new RegExp(`/controle/${code}$`));
  await expect(page.locator('#participant')).toHaveText('Lou Habitante');
  await page.getByRole('button', { name: 'Enregistrer la présence' }).click();
  await expect(page.locator('#outcome')).toContainText('Lou Habitante est enregistré·e comme présent·e à « Demi-journée 1 »');
  await shot(page, '41-checked-in');
});

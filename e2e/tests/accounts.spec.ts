// A person signs up, confirms the address from the mail, signs in and out.
import { test, expect } from '@playwright/test';
import { expectAccessible, lastMailTo, linkIn, PASSWORD, shot } from './support';

test('sign up, confirm by mail, log in, log out', async ({ page }) => {
  const email = `zoe.${Date.now()}@exemple.fr`;
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expectAccessible(page);
  await shot(page, '01-home');

  await page.getByRole('link', { name: 'Créer un compte' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Créer un compte');
  await expectAccessible(page);

  // A first attempt with mistakes shows them beside the fields.
  await page.getByLabel('Nom affiché').fill('Zoé Martin');
  await page.getByLabel('Adresse électronique').fill('pas-une-adresse');
  await page.getByLabel('Mot de passe', { exact: true }).fill('azerty');
  await page.getByLabel('Confirmer le mot de passe').fill('azerty');
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await expect(page.getByRole('alert')).toContainText('Le formulaire contient des erreurs');
  await expect(page.getByLabel('Adresse électronique')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);
  await shot(page, '02-signup-errors');

  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirmer le mot de passe').fill(PASSWORD);
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vérifiez votre messagerie');
  await shot(page, '03-signup-done');

  const link = linkIn(lastMailTo(email), '/email/confirm?token=');
  await page.goto(link);
  await expect(page.getByRole('status')).toContainText('Votre adresse est confirmée');
  await expectAccessible(page);

  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe').fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByText('Connecté·e en tant que Zoé Martin')).toBeVisible();
  await page.getByRole('link', { name: /Mon compte/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mon compte');
  await expect(page.getByText('cette session')).toBeVisible();
  await expectAccessible(page);
  await shot(page, '04-account');

  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await expect(page.getByRole('status')).toContainText('Vous êtes déconnecté');
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Se connecter' })).toBeVisible();
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login/);
});

test('a form posted without its CSRF token is refused', async ({ page }) => {
  await page.goto('/login');
  await page.locator('input[name=csrf]').evaluate((el) => el.remove());
  await page.getByLabel('Adresse électronique').fill('qui@exemple.fr');
  await page.getByLabel('Mot de passe').fill(PASSWORD);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Se connecter' }).click(),
  ]);
  expect(response.status()).toBe(403);
  await expect(page.getByText('Le formulaire a expiré ou ne provient pas de ce site')).toBeVisible();
  await expectAccessible(page);
  await shot(page, '05-csrf-refused');
});

test('the French/English switch', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Se connecter');
  await page.getByRole('link', { name: 'English' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Log in');
  await expectAccessible(page);
  await shot(page, '06-english');
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('The whole territory in one place');
  await page.getByRole('link', { name: 'Français' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
});

test('pages work without JavaScript, and the API documentation is accessible', async ({ browser, page }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  const noScript = await context.newPage();
  await noScript.goto('/api/docs');
  await expect(noScript.getByRole('heading', { level: 1 })).toHaveText("Documentation de l'API");
  await expect(noScript.getByText('/api/v1/me/tokens').first()).toBeVisible();
  await noScript.goto('/login');
  await noScript.getByLabel('Adresse électronique').fill('personne@exemple.fr');
  await noScript.getByLabel('Mot de passe').fill(PASSWORD);
  await noScript.getByRole('button', { name: 'Se connecter' }).click();
  await expect(noScript.getByRole('alert')).toContainText('Adresse électronique ou mot de passe incorrect');
  await context.close();

  await page.goto('/api/docs');
  await expectAccessible(page);
  await shot(page, '07-api-docs');
});

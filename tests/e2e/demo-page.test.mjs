// The demo page itself: no external resources, labelled controls, usable at phone width and
// from the keyboard, settings that persist (secrets only per tab), tokens kept out of storage,
// and a sign-out that clears everything.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ENGINE,
  configure, errorShown, openDemo, pendingTransactions, useServerAndBrowser, waitForState,
} from './harness.mjs';

describe('demo page', () => {
  const fx = useServerAndBrowser({ autoApprove: true });

  test('loads only same-origin resources, labels every control, fits a phone', async () => {
    const { page } = fx.browser;
    await page.setViewportSize({ width: 360, height: 740 });
    const requested = [];
    page.on('request', (r) => requested.push(r.url()));
    const response = await page.goto(`${fx.server.origin}/`);
    assert.equal(response.headers()['referrer-policy'], 'no-referrer');
    await waitForState(page, ['ready']);
    const foreign = requested.filter((u) => !u.startsWith(`${fx.server.origin}/`) && !u.startsWith('data:'));
    assert.deepEqual(foreign, []);
    // The demo imports the entry oauth-spa/dpop: the whole API plus DPoP.
    assert.ok(requested.some((u) => u.endsWith('/pkg/oauth_spa_dpop.js')), 'the package was loaded');
    assert.equal(await page.evaluate(async () => (await import('/pkg/oauth_spa_dpop.js')).default()), ENGINE);
    assert.equal(requested.some((u) => u.endsWith('/pkg/oauth_spa_dpop_fallback.js')), ENGINE === 'js',
      'the JavaScript engine is downloaded only where WebAssembly is missing');
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select')]
      .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label')).map((el) => el.id));
    assert.deepEqual(unlabelled, []);
    for (const provider of ['local', 'ellipsis', 'custom']) {
      await page.check(`#provider-${provider}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${provider}: no horizontal scrolling at 360 px (overflow ${overflow})`);
    }
  });

  test('a package that fails to load is an error on the page, not an endless "Loading…"', async () => {
    for (const file of ['oauth_spa_dpop.js']) {
      const { page } = fx.browser;
      await page.route(`**/pkg/${file}`, (route) => route.fulfill({ status: 404, body: 'not found' }));
      await page.goto(`${fx.server.origin}/`);
      assert.equal(await waitForState(page, ['error', 'ready']), 'error', file);
      const shown = await errorShown(page);
      assert.ok(shown.visible, file);
      assert.equal(shown.code, 'Package not loaded', file);
      assert.match(await page.textContent('#status'), /package failed to load from \/pkg\//, file);
      assert.ok(await page.isDisabled('#sign-in'), `${file}: no sign-in without the package`);
      await page.unroute(`**/pkg/${file}`);
    }
  });

  test('signs in from the keyboard alone', async () => {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    let focused = '';
    for (let i = 0; i < 40 && focused !== 'sign-in'; i += 1) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.id ?? '');
    }
    assert.equal(focused, 'sign-in');
    await page.keyboard.press('Enter');
    assert.equal(await waitForState(page), 'signed-in');
  });

  test('settings persist across reloads; client secrets stay out of localStorage', async () => {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    await configure(page, {
      'provider-custom': true,
      'custom-authorization-endpoint': 'https://as.example/authorize',
      'custom-token-endpoint': 'https://as.example/token',
      'custom-client-id': 'persisted-client',
      'custom-client-secret': 'do-not-persist-me',
      'custom-dialect': 'ellipsis',
      encoding: 'form',
    });
    await page.reload();
    await waitForState(page, ['ready']);
    assert.equal(await page.isChecked('#provider-custom'), true);
    assert.equal(await page.inputValue('#custom-client-id'), 'persisted-client');
    assert.equal(await page.inputValue('#custom-dialect'), 'ellipsis');
    assert.equal(await page.inputValue('#encoding'), 'form');
    assert.equal(await page.isVisible('#custom-settings'), true);
    assert.equal(await page.isVisible('#local-settings'), false);
    const local = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    assert.ok(local.includes('persisted-client'));
    assert.ok(!local.includes('do-not-persist-me'), 'the secret is not in localStorage');
  });

  test('tokens stay in memory; sign out clears tokens, pending logins and the journal', async () => {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    await configure(page, { 'provider-local': true, 'local-flavor': 'v3', 'local-client-id': 'demo-public' });
    await page.click('#sign-in');
    assert.equal(await waitForState(page), 'signed-in');
    await page.click('#reveal-token');
    const token = await page.textContent('#access-token');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.ok(!stored.includes(token), 'the access token is in no storage');
    assert.equal(await page.isVisible('#journal-body'), true);

    await page.click('#sign-out');
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
    assert.equal(await page.isVisible('#tokens'), false);
    assert.equal(await page.isVisible('#journal-body'), false);
    assert.deepEqual(await pendingTransactions(page), []);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('oauth-spa-demo.journal')), null);
    assert.ok(!(await page.content()).includes(token), 'the token is gone from the page');
  });
});

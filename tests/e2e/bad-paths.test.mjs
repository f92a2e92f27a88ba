// The bad paths, in the browser, against the embedded server with its consent page and test
// hooks: each shows the right error code, and the server's own request counts show that no
// token request went out that should not have.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  configure, errorShown, openDemo, pendingTransactions, tokenRequests, useServerAndBrowser,
  waitForState,
} from './harness.mjs';

const PUBLIC = { 'provider-local': true, 'local-flavor': 'v3', 'local-client-id': 'demo-public' };

describe('bad paths', () => {
  const fx = useServerAndBrowser({ autoApprove: false });

  /** Demo → sign in → the server's consent page. */
  async function toConsent(settings = {}) {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    await configure(page, { ...PUBLIC, ...settings });
    await page.click('#sign-in');
    await page.waitForURL((url) => url.pathname.endsWith('/oauth/authorize'));
    return page;
  }

  async function consent(page, choice) {
    await page.getByRole('button', { name: choice }).click();
    return waitForState(page);
  }

  async function expectError(page, code, serverError) {
    const shown = await errorShown(page);
    assert.ok(shown.visible, 'the error panel is visible');
    assert.equal(shown.code, code, JSON.stringify(shown));
    if (serverError) assert.equal(shown.error, serverError, JSON.stringify(shown));
    return shown;
  }

  test('Deny gives authorization_error access_denied with the server description, no token request', async () => {
    const page = await toConsent();
    assert.equal(await consent(page, /deny/i), 'error');
    const shown = await expectError(page, 'authorization_error', 'access_denied');
    assert.notEqual(shown.description, '—', 'the server description is shown');
    assert.equal(new URL(page.url()).search, '', 'error and state removed from the address bar');
    assert.equal(tokenRequests(await fx.server.stats()), 0);
  });

  test('a callback without state, or with a repeated parameter, is refused before any request', async () => {
    const page = await toConsent();
    await page.goto(`${fx.server.origin}/?code=some-code`);
    assert.equal(await waitForState(page), 'error');
    await expectError(page, 'missing_state');
    // The real pending state, with the code repeated: still refused, and the login not consumed.
    const [key] = await pendingTransactions(page);
    const state = key.slice('oauth-spa-demo.tx.'.length);
    await page.goto(`${fx.server.origin}/?code=a&code=b&state=${state}`);
    assert.equal(await waitForState(page), 'error');
    await expectError(page, 'duplicate_parameter');
    assert.deepEqual(await pendingTransactions(page), [key]);
    assert.equal(tokenRequests(await fx.server.stats()), 0);
  });

  test('a forged state gives unknown_state, sends nothing, and leaves the real login pending', async () => {
    const page = await toConsent();
    const forged = randomBytes(32).toString('base64url');
    await page.goto(`${fx.server.origin}/?code=forged-code&state=${forged}`);
    assert.equal(await waitForState(page), 'error');
    await expectError(page, 'unknown_state');
    assert.equal(tokenRequests(await fx.server.stats()), 0);
    assert.equal((await pendingTransactions(page)).length, 1);
  });

  test('reloading the callback URL gives unknown_state and no second token request', async () => {
    const page = await toConsent({ 'clean-url': false });
    assert.equal(await consent(page, /allow/i), 'signed-in');
    assert.match(page.url(), /[?&]code=/, 'cleanUrl off: the code is still in the address bar');
    assert.equal(tokenRequests(await fx.server.stats()), 1);
    await page.reload();
    assert.equal(await waitForState(page), 'error');
    await expectError(page, 'unknown_state');
    assert.equal(tokenRequests(await fx.server.stats()), 1, 'no second token request');
  });

  test('with cleanUrl the reload is harmless; the old callback URL replayed gives unknown_state', async () => {
    const page = await toConsent();
    const visited = [];
    page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) visited.push(frame.url()); });
    assert.equal(await consent(page, /allow/i), 'signed-in');
    const callbackUrl = visited.find((u) => /[?&]code=/.test(u));
    assert.ok(callbackUrl, 'the redirect back carried a code');
    assert.equal(new URL(page.url()).search, '', 'code and state removed from the address bar');
    await page.reload();
    assert.equal(await waitForState(page, ['ready', 'error', 'signed-in']), 'ready');
    await page.goto(callbackUrl);
    assert.equal(await waitForState(page), 'error');
    await expectError(page, 'unknown_state');
    assert.equal(tokenRequests(await fx.server.stats()), 1, 'no second token request');
  });

  test('the back button to the consent page and Allow again gives unknown_state, no second token request', async () => {
    const page = await toConsent();
    assert.equal(await consent(page, /allow/i), 'signed-in');
    await page.goBack();
    await page.waitForURL((url) => url.pathname.endsWith('/oauth/authorize'));
    assert.equal(await consent(page, /allow/i), 'error');
    await expectError(page, 'unknown_state');
    const stats = await fx.server.stats();
    assert.equal(stats.consent.allow, 2, 'the server issued a second code for the old state');
    assert.equal(tokenRequests(stats), 1, 'no second token request');
  });

  test('a code used after 60 s gives token_error invalid_grant', async () => {
    const page = await toConsent({ 'auto-exchange': false });
    assert.equal(await consent(page, /allow/i), 'callback');
    assert.equal(tokenRequests(await fx.server.stats()), 0);
    await fx.server.advanceClock(61);
    await page.click('#exchange');
    assert.equal(await waitForState(page), 'error');
    await expectError(page, 'token_error', 'invalid_grant');
    assert.equal(tokenRequests(await fx.server.stats()), 1);
  });

  test('a tampered verifier gives token_error invalid_grant', async () => {
    const page = await toConsent({ 'auto-exchange': false });
    assert.equal(await consent(page, /allow/i), 'callback');
    const other = randomBytes(32).toString('base64url');
    const [key] = await pendingTransactions(page);
    const replaced = await page.evaluate(([txKey, verifier]) => {
      const tx = JSON.parse(sessionStorage.getItem(txKey));
      if (typeof tx.verifier !== 'string') return false;
      tx.verifier = verifier;
      sessionStorage.setItem(txKey, JSON.stringify(tx));
      return true;
    }, [key, other]);
    assert.ok(replaced, 'the stored transaction holds the verifier');
    await page.click('#exchange');
    assert.equal(await waitForState(page), 'error');
    await expectError(page, 'token_error', 'invalid_grant');
    assert.equal(tokenRequests(await fx.server.stats()), 1);
  });
});

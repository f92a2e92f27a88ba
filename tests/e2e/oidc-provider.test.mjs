// The demo against npm oidc-provider, a certified authorization server, in the RFC 6749 dialect:
// PKCE S256 required, RFC 9207 `iss` checked against the configured issuer, refresh token issued.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  configure, errorShown, freePort, journalTable, openDemo, pendingTransactions, useServerAndBrowser,
  waitForState,
} from './harness.mjs';
import { CLIENT_ID, startOidcProvider } from './oidc-provider.mjs';

describe('oidc-provider (RFC 6749 dialect)', () => {
  const fx = useServerAndBrowser(); // the embedded server here only serves the demo page
  let op;
  before(async () => {
    const spa = fx.server.origin;
    op = await startOidcProvider({ port: await freePort(), spaOrigin: spa, redirectUri: `${spa}/` });
  });
  after(async () => { await op?.stop(); });
  beforeEach(() => {
    op.requests.authorization = 0;
    op.requests.token = 0;
  });

  async function signIn(overrides = {}) {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    await configure(page, {
      'provider-custom': true,
      'custom-authorization-endpoint': `${op.issuer}/auth`,
      'custom-token-endpoint': `${op.issuer}/token`,
      'custom-issuer': op.issuer,
      'custom-client-id': CLIENT_ID,
      'custom-scope': 'openid projects',
      'custom-dialect': 'rfc6749',
      ...overrides,
    });
    await page.click('#sign-in');
    return { page, state: await waitForState(page) };
  }

  test('sign-in with PKCE S256; iss required and matching the issuer; code sent as `code` in a form body', async () => {
    const { page, state } = await signIn({ 'custom-iss-required': true });
    assert.equal(state, 'signed-in', JSON.stringify(await errorShown(page)) + fx.browser.problems.join('\n'));
    assert.equal(await page.textContent('#token-type'), 'Bearer');
    assert.match(await page.textContent('#refresh-token'), /^present/);
    assert.match(await page.textContent('#token-scope'), /projects/);
    assert.match(await page.textContent('#token-expiry'), /^in \d+ min/);
    const callback = await journalTable(page, 'callback-params');
    assert.equal(callback.iss, op.issuer, 'oidc-provider sent RFC 9207 iss');
    const headers = await journalTable(page, 'token-request-headers');
    assert.match(headers['content-type'], /^application\/x-www-form-urlencoded/);
    const body = await journalTable(page, 'token-request-params');
    assert.ok('code' in body && !('authorization_code' in body));
    assert.equal(body.redirect_uri, `${fx.server.origin}/`);
    const authorize = await journalTable(page, 'authorize-params');
    assert.equal(authorize.code_challenge_method, 'S256');
    assert.equal(new URL(page.url()).search, '', 'code, state and iss removed from the address bar');
    assert.deepEqual(await pendingTransactions(page), []);
    assert.equal(op.requests.token, 1);
  });

  test('the Custom provider fills itself in from the discovery document', async () => {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    await configure(page, {
      'provider-custom': true, 'custom-issuer': op.issuer, 'custom-client-id': CLIENT_ID,
      'custom-scope': 'openid', 'custom-authorization-endpoint': '', 'custom-token-endpoint': '',
    });
    await page.click('#custom-discover');
    await page.waitForSelector('#custom-discover-result:has-text("Filled in")');
    assert.equal(await page.inputValue('#custom-authorization-endpoint'), `${op.issuer}/auth`);
    assert.equal(await page.inputValue('#custom-token-endpoint'), `${op.issuer}/token`);
    assert.equal(await page.isChecked('#custom-iss-required'), true);
    await page.click('#sign-in');
    assert.equal(await waitForState(page), 'signed-in', JSON.stringify(await errorShown(page)));
    assert.equal(op.requests.token, 1);
  });

  test('a configured issuer that differs from the iss sent gives issuer_mismatch, no token request', async () => {
    const { page, state } = await signIn({ 'custom-issuer': `${op.issuer}/someone-else` });
    assert.equal(state, 'error');
    assert.equal((await errorShown(page)).code, 'issuer_mismatch');
    assert.equal(op.requests.authorization, 1, 'the server did authorize');
    assert.equal(op.requests.token, 0, 'the code was never sent');
  });

  test('the Ellipsis parameter name is refused by a strict RFC server (token_error)', async () => {
    const { page, state } = await signIn({ 'custom-dialect': 'ellipsis', encoding: 'form' });
    assert.equal(state, 'error');
    const shown = await errorShown(page);
    assert.equal(shown.code, 'token_error');
    assert.equal(shown.error, 'invalid_request');
    assert.equal(op.requests.token, 1);
  });
});

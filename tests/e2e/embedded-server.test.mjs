// The demo against the embedded server (release package, real Chromium): the Ellipsis dialect
// with JSON and form bodies, public and confidential (client_secret_basic / _post) clients,
// and the strict RFC 6749 endpoints with their issuer checked.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CONFIDENTIAL_SECRET, configure, errorShown, journalTable, openDemo, pendingTransactions,
  useServerAndBrowser, waitForState,
} from './harness.mjs';

describe('embedded server', () => {
  const fx = useServerAndBrowser({ autoApprove: true });

  async function signIn(settings) {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    await configure(page, { 'provider-local': true, ...settings });
    await page.click('#sign-in');
    const state = await waitForState(page);
    if (state !== 'signed-in') {
      const shown = await errorShown(page);
      assert.fail(`expected signed-in, got ${state}: ${JSON.stringify(shown)} ${fx.browser.problems.join('\n')}\n${fx.server.log.join('')}`);
    }
    return page;
  }

  async function assertSignedIn(page) {
    assert.equal(await page.textContent('#token-type'), 'Bearer');
    assert.match(await page.textContent('#refresh-token'), /^present/);
    assert.match(await page.textContent('#token-expiry'), /^in \d+ min/);
    // Masked until revealed; the reveal toggle shows the whole token.
    const masked = await page.textContent('#access-token');
    assert.match(masked, /…/);
    await page.click('#reveal-token');
    const full = await page.textContent('#access-token');
    assert.ok(full.length > 16 && !full.includes('…'), 'revealed token is whole');
    assert.equal(await page.getAttribute('#reveal-token', 'aria-pressed'), 'true');
    // The code and state are gone from the address bar, the transaction from storage.
    const url = new URL(page.url());
    assert.equal(url.search, '');
    assert.deepEqual(await pendingTransactions(page), []);
    const stats = await fx.server.stats();
    assert.equal(stats.token_requests ?? stats.token, 1, JSON.stringify(stats));
  }

  test('Ellipsis dialect, public client, JSON body (the dialect default)', async () => {
    const page = await signIn({ 'local-flavor': 'v3', 'local-client-id': 'demo-public', encoding: '' });
    await assertSignedIn(page);
    const headers = await journalTable(page, 'token-request-headers');
    assert.match(headers['content-type'], /^application\/json/);
    assert.equal(headers.authorization, undefined);
    const body = await journalTable(page, 'token-request-params');
    assert.equal(body.grant_type, 'authorization_code');
    assert.ok('authorization_code' in body, 'Ellipsis names the code authorization_code');
    assert.ok(!('code' in body), 'and does not also send code');
    assert.ok('code_verifier' in body);
    assert.equal(body.client_id, 'demo-public');
    assert.ok(!('client_secret' in body));
    const authorize = await journalTable(page, 'authorize-params');
    assert.equal(authorize.code_challenge_method, 'S256');
    assert.equal(authorize.response_type, 'code');
    assert.equal(authorize.code_challenge.length, 43);
  });

  test('Ellipsis dialect, public client, form body', async () => {
    const page = await signIn({ 'local-flavor': 'v3', 'local-client-id': 'demo-public', encoding: 'form' });
    await assertSignedIn(page);
    const headers = await journalTable(page, 'token-request-headers');
    assert.match(headers['content-type'], /^application\/x-www-form-urlencoded/);
    const body = await journalTable(page, 'token-request-params');
    assert.ok('authorization_code' in body && !('code' in body));
  });

  test('Ellipsis dialect, confidential client, client_secret_basic', async () => {
    const page = await signIn({
      'local-flavor': 'v3', 'local-client-id': 'demo-confidential', 'local-client-secret': CONFIDENTIAL_SECRET,
      encoding: '', 'client-auth': 'client_secret_basic',
    });
    await assertSignedIn(page);
    const headers = await journalTable(page, 'token-request-headers');
    assert.match(headers.authorization, /^Basic •+… \(\d+ chars\) \(user: demo-confidential, password masked\)$/);
    const body = await journalTable(page, 'token-request-params');
    assert.ok(!('client_secret' in body), 'the secret travels only in the Authorization header');
  });

  test('Ellipsis dialect, confidential client, client_secret_post, form body', async () => {
    const page = await signIn({
      'local-flavor': 'v3', 'local-client-id': 'demo-confidential', 'local-client-secret': CONFIDENTIAL_SECRET,
      encoding: 'form', 'client-auth': 'client_secret_post',
    });
    await assertSignedIn(page);
    const headers = await journalTable(page, 'token-request-headers');
    assert.equal(headers.authorization, undefined);
    const body = await journalTable(page, 'token-request-params');
    assert.ok('client_secret' in body);
    // Masked: its length, and not one character of it.
    assert.equal(body.client_secret, `••••••••… (${CONFIDENTIAL_SECRET.length} chars)`);
  });

  test('a wrong client secret gives token_error invalid_client', async () => {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    await configure(page, {
      'provider-local': true, 'local-flavor': 'v3', 'local-client-id': 'demo-confidential',
      'local-client-secret': 'not-the-secret', 'client-auth': 'client_secret_basic',
    });
    await page.click('#sign-in');
    // The server answers 401 with `WWW-Authenticate: Basic` (RFC 6749 §5.2). A same-origin fetch
    // that may send credentials makes Chromium hold the response for a login prompt, so the
    // library must fetch with credentials omitted; otherwise this ends in `timeout` after 30 s.
    assert.equal(await waitForState(page, ['error', 'signed-in'], 40000), 'error');
    const shown = await errorShown(page);
    assert.equal(shown.code, 'token_error', JSON.stringify(shown));
    assert.equal(shown.error, 'invalid_client');
  });

  test('strict RFC 6749 endpoints: code parameter, form body, issuer checked', async () => {
    const page = await signIn({ 'local-flavor': 'rfc', 'local-client-id': 'demo-public', encoding: '' });
    await assertSignedIn(page);
    const headers = await journalTable(page, 'token-request-headers');
    assert.match(headers['content-type'], /^application\/x-www-form-urlencoded/);
    const body = await journalTable(page, 'token-request-params');
    assert.ok('code' in body && !('authorization_code' in body));
    const callback = await journalTable(page, 'callback-params');
    const meta = await (await fetch(`${fx.server.origin}/rfc/.well-known/oauth-authorization-server`)).json();
    assert.equal(callback.iss, meta.issuer, 'the server sent RFC 9207 iss, and it matched');
  });
});

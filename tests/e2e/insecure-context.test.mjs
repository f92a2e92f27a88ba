// The demo on a host name that is not a secure context (plain http, not loopback): no
// crypto.subtle there, yet sign-in works with S256, because SHA-256 runs in Rust.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  configure, errorShown, journalTable, openDemo, tokenRequests, useServerAndBrowser, waitForState,
} from './harness.mjs';

const HOST = 'demo.test';

describe('not a secure context', () => {
  const fx = useServerAndBrowser({ hosts: [HOST] }, [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`]);
  const origin = () => `http://${HOST}:${fx.server.port}`;

  test(`http://${HOST} has no crypto.subtle, and sign-in still uses S256`, async () => {
    const { page } = fx.browser;
    await openDemo(page, origin());
    const context = await page.evaluate(() => ({
      secure: window.isSecureContext,
      subtle: typeof crypto.subtle,
      random: typeof crypto.getRandomValues,
    }));
    assert.deepEqual(context, { secure: false, subtle: 'undefined', random: 'function' });

    // The page is on demo.test; the authorization server on loopback (http is allowed there).
    await configure(page, {
      'provider-custom': true,
      'custom-authorization-endpoint': `${fx.server.origin}/v3/oauth/authorize`,
      'custom-token-endpoint': `${fx.server.origin}/v3/oauth/token`,
      'custom-client-id': 'demo-public',
      'custom-scope': 'projects',
      'custom-dialect': 'ellipsis',
    });
    await page.click('#sign-in');
    const state = await waitForState(page);
    assert.equal(state, 'signed-in', JSON.stringify(await errorShown(page)) + fx.browser.problems.join('\n'));
    assert.equal(new URL(page.url()).host, `${HOST}:${fx.server.port}`);

    const authorize = await journalTable(page, 'authorize-params');
    assert.equal(authorize.code_challenge_method, 'S256');
    const verifier = await page.textContent('#pkce-verifier');
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(authorize.code_challenge, createHash('sha256').update(verifier).digest('base64url'));
    assert.equal(tokenRequests(await fx.server.stats()), 1);
  });

  test('release builds: 1,000 PKCE pairs (8 refills of the random pool) are distinct and S256', async () => {
    const { page } = fx.browser;
    await openDemo(page, origin());
    for (const entry of ['oauth_spa.js', 'oauth_spa_core.js']) {
      const pairs = await page.evaluate(async (file) => {
        const m = await import(`/pkg/${file}`);
        await m.default();
        return Array.from({ length: 1000 }, () => m.createPkcePair());
      }, entry);
      const verifiers = new Set(pairs.map((p) => p.verifier));
      assert.equal(verifiers.size, 1000, `${entry}: verifiers are distinct`);
      for (const { verifier, challenge, method } of pairs) {
        assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
        assert.equal(method, 'S256');
        assert.equal(challenge, createHash('sha256').update(verifier).digest('base64url'));
        // 32 octets, not a zeroed stretch of the pool.
        assert.notDeepEqual([...Buffer.from(verifier, 'base64url')], new Array(32).fill(0));
      }
      // All 32,000 octets together look uniform: each value 125 times on average.
      const counts = new Array(256).fill(0);
      for (const v of verifiers) for (const b of Buffer.from(v, 'base64url')) counts[b]++;
      assert.ok(Math.min(...counts) > 60 && Math.max(...counts) < 200, `${entry}: octet counts ${Math.min(...counts)}-${Math.max(...counts)}`);
    }
  });

  test('same-origin endpoints on a plain-http non-loopback host are refused: insecure_endpoint', async () => {
    const { page } = fx.browser;
    await openDemo(page, origin());
    await configure(page, { 'provider-local': true, 'local-flavor': 'v3', 'local-client-id': 'demo-public' });
    const sent = tokenRequests(await fx.server.stats());
    await page.click('#sign-in');
    assert.equal(await waitForState(page, ['error', 'redirecting']), 'error');
    assert.equal((await errorShown(page)).code, 'insecure_endpoint');
    assert.equal(new URL(page.url()).host, `${HOST}:${fx.server.port}`, 'never left the page');
    assert.equal(tokenRequests(await fx.server.stats()), sent);
  });
});

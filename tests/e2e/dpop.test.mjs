// DPoP (RFC 9449) end to end: the release package in Chromium signs in and refreshes with
// `dpop: true` against the embedded server (which verifies every proof and binds the tokens to
// the key) and calls its resource with `session.fetch`; then the bad paths, with proofs the
// browser really made: a replayed proof, a proof for another URL or method, the bound token as
// Bearer, and the tokens in another browser and with a key of Node's own (another key); the code
// bound to the key with `dpop_jkt` (RFC 9449 §10, after `prepareDpop`) and refused to a token
// request without a proof or with a proof of another key. Also the server demanding nonces
// (one retry each at the token endpoint and the resource), a page that is not a secure context
// (`dpop_unavailable`, nothing sent) and the entries without DPoP, `oauth-spa` and
// `oauth-spa/core` (`invalid_config`; `session.fetch` with Bearer tokens in `oauth-spa`). Then
// the same against npm oidc-provider (a certified server) with its DPoP feature on and nonces
// required, `dpop_jkt` included. DPoP is the entry `oauth-spa/dpop` (pkg/oauth_spa_dpop.js).
// The bad paths that Firefox runs too are in dpop-checks.mjs.
//
// Needs pkg/ (bash scripts/build.sh), the release server and Chromium.
// Run: node --test tests/e2e/dpop.test.mjs
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { freePort, launchBrowser, startEmbeddedServer, tokenRequests } from './harness.mjs';
import { serveProvider } from './oidc-provider.mjs';
import {
  anotherKeyRefused, boundCodeRefused, decodeProof, dpopJktOf, jktOf, resourceBadPaths,
} from './dpop-checks.mjs';

const PAGE = `<!doctype html><meta charset=utf-8><title>dpop</title><link rel=icon href="data:,">
<script type=module>
import init, * as lib from '/pkg/oauth_spa_dpop.js';
import initFull, * as full from '/pkg/oauth_spa.js';
import initCore, * as core from '/pkg/oauth_spa_core.js';
await Promise.all([init(), initFull(), initCore()]);
window.lib = lib;
window.full = full;
window.core = core;
// An OAuthError as plain data for the test.
window.fail = (e) => ({ err: { name: e.name, code: e.code, error: e.error, message: e.message, status: e.status } });
// In a sign-in popup, this page is the redirect page: it hands the response to the opener.
if (window.opener && new URLSearchParams(location.search).has('state')) lib.popupCallback();
document.getElementById('popup').addEventListener('click', () => {
  window.popupResult = lib.loginWithPopup(window.config).catch(fail);
});
document.body.dataset.ready = '1';
</script><button id=popup>Sign in</button>`;

async function writeSite() {
  const www = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-dpop-'));
  await writeFile(join(www, 'index.html'), PAGE);
  return www;
}

function configFor(origin) {
  return {
    clientId: 'demo-public',
    authorizationEndpoint: `${origin}/rfc/oauth/authorize`,
    tokenEndpoint: `${origin}/rfc/oauth/token`,
    revocationEndpoint: `${origin}/rfc/oauth/revoke`,
    redirectUri: `${origin}/`,
    issuer: `${origin}/rfc`,
    scope: 'projects offline_access',
    dpop: true,
  };
}

async function open(page, url) {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
}

// The redirect flow with the server's auto-approval; resolves handleCallback's TokenSet or error.
async function signIn(page, origin, config) {
  await open(page, `${origin}/`);
  const url = await page.evaluate((c) => lib.startLogin(c), config);
  await open(page, url);
  return page.evaluate((c) => lib.handleCallback(c).catch(fail), config);
}

// `prepareDpop(config)`, then `startLogin(config)` on a fresh load of the page: the
// authorization URL and the thumbprint prepareDpop resolved.
async function startPrepared(page, origin, config) {
  await open(page, `${origin}/`);
  return page.evaluate(async (c) => {
    const jkt = await lib.prepareDpop(c);
    return { jkt, url: lib.startLogin(c) };
  }, config);
}

// On the redirect page, before handleCallback: the code in the address and the verifier its
// login stored (what a script in the page could take).
function codeAndVerifier(page) {
  return page.evaluate(() => {
    const p = new URLSearchParams(location.search);
    const tx = JSON.parse(sessionStorage.getItem('oauth-spa:tx:' + p.get('state')));
    return { code: p.get('code'), verifier: tx.verifier };
  });
}

// Records the requests of `page` that carry a DPoP header, in the order they were made.
// Resolves, when called, every one made so far: { method, url, dpop, authorization }.
function recordProofs(page) {
  const seen = [];
  page.on('request', (r) => {
    seen.push(r.allHeaders().then((h) => ({ method: r.method(), url: r.url(), dpop: h.dpop, authorization: h.authorization })));
  });
  return async () => (await Promise.all(seen)).filter((s) => s.dpop);
}

describe('DPoP against the embedded server', () => {
  let www, server, browser;
  before(async () => {
    www = await writeSite();
    server = await startEmbeddedServer({ www });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (www) await rm(www, { recursive: true, force: true });
  });

  test('signs in, calls the resource, refreshes, and every bad path is refused', async () => {
    const { page, context } = browser;
    const { origin } = server;
    const config = configFor(origin);
    const resource = `${origin}/rfc/userinfo`;
    const proofs = recordProofs(page); // the DPoP headers of what reached the network

    // Without the key loaded, startLogin (synchronous) cannot bind the code: no dpop_jkt.
    await open(page, `${origin}/`);
    assert.deepEqual(dpopJktOf(await page.evaluate((c) => lib.startLogin(c), config)), []);
    // prepareDpop loads (here: makes and stores) the key; startLogin then sends its thumbprint.
    const { jkt, url } = await startPrepared(page, origin, config);
    assert.match(jkt, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(dpopJktOf(url), [jkt]);
    // RFC 9449 §10: the code is bound to the key. Taken with its verifier before this page
    // exchanges it, it is refused to a request without a proof and to one with another key's
    // proof, and stays good for the page.
    await open(page, url);
    const codeStats = async () => (await server.stats()).token?.rfc?.authorization_code ?? {};
    const before = await codeStats();
    const refusals = await boundCodeRefused({
      tokenEndpoint: config.tokenEndpoint, clientId: config.clientId, redirectUri: config.redirectUri,
      ...await codeAndVerifier(page),
    });
    assert.match(refusals[0], /bound to a DPoP key/);
    assert.match(refusals[1], /another DPoP key/);
    const during = await codeStats();
    assert.equal((during.invalid_grant ?? 0) - (before.invalid_grant ?? 0), 2);
    assert.equal(during.ok ?? 0, before.ok ?? 0, 'no tokens issued');

    const t = await page.evaluate((c) => lib.handleCallback(c).catch(fail), config);
    assert.equal(t.err, undefined, JSON.stringify(t.err));
    assert.equal((await codeStats()).ok, (before.ok ?? 0) + 1);
    assert.equal(t.tokenType, 'DPoP');
    assert.equal(t.dpopKey, 'stored');
    assert.ok(t.refreshToken);
    const tokenProof = (await proofs()).find((s) => s.url === config.tokenEndpoint);
    assert.ok(tokenProof, 'the code exchange carried a proof');
    const { header: h, claims: c } = decodeProof(tokenProof.dpop);
    assert.equal(jktOf(h.jwk), jkt, 'dpop_jkt is the thumbprint of the key that signed the exchange');
    assert.equal(h.typ, 'dpop+jwt');
    assert.equal(h.alg, 'ES256');
    assert.deepEqual(Object.keys(h.jwk).sort(), ['crv', 'kty', 'x', 'y']);
    assert.equal(c.htm, 'POST');
    assert.equal(c.htu, config.tokenEndpoint);
    assert.equal(c.ath, undefined);

    // The key is a non-extractable CryptoKey in IndexedDB.
    const stored = await page.evaluate(() => new Promise((ok, no) => {
      const r = indexedDB.open('oauth-spa-dpop');
      r.onerror = () => no(r.error);
      r.onsuccess = () => {
        const g = r.result.transaction('keys').objectStore('keys').getAll();
        g.onsuccess = () => ok(g.result.map((p) => ({
          privateType: p.privateKey.type, extractable: p.privateKey.extractable,
          algorithm: p.privateKey.algorithm, usages: p.privateKey.usages,
        })));
      };
    }));
    assert.deepEqual(stored, [{ privateType: 'private', extractable: false, algorithm: { name: 'ECDSA', namedCurve: 'P-256' }, usages: ['sign'] }]);

    // session.fetch: Authorization DPoP + a proof with ath.
    const first = await page.evaluate(async ([c, tokens, url]) => {
      window.session = lib.createSession(c, { tokens });
      const r = await session.fetch(url);
      return { status: r.status, body: await r.json() };
    }, [config, t, resource]);
    assert.equal(first.status, 200);
    assert.equal(first.body.client_id, 'demo-public');
    const used = (await proofs()).filter((s) => s.url === resource).at(-1);
    assert.equal(used.authorization, `DPoP ${t.accessToken}`);
    const claims = JSON.parse(Buffer.from(used.dpop.split('.')[1], 'base64url'));
    assert.equal(claims.htm, 'GET');
    assert.equal(claims.htu, resource);
    assert.ok(claims.ath);

    // A refresh with the same key: new DPoP tokens, and they work.
    const refreshed = await page.evaluate(async (url) => {
      const at = await session.getAccessToken({ forceRefresh: true });
      const r = await session.fetch(url);
      return { at, tokens: session.getTokens(), status: r.status };
    }, resource);
    assert.notEqual(refreshed.at, t.accessToken);
    assert.equal(refreshed.tokens.tokenType, 'DPoP');
    assert.notEqual(refreshed.tokens.refreshToken, t.refreshToken);
    assert.equal(refreshed.status, 200);
    const at = refreshed.at;

    // Proofs the browser made that never reached the server: held back here.
    const held = [];
    const hold = async (route) => {
      held.push(await route.request().allHeaders());
      await route.fulfill({ status: 204 });
    };
    await page.route(`${origin}/rfc/held**`, hold);
    await page.route(resource + '?hold', hold);
    const heldStatus = await page.evaluate(async ([o, r]) => [
      (await session.fetch(`${o}/rfc/held`)).status,
      (await session.fetch(`${o}/rfc/held`, { method: 'POST', body: 'x' })).status,
      (await session.fetch(r + '?hold')).status,
    ], [origin, resource]);
    assert.deepEqual(heldStatus, [204, 204, 204]);
    // A replayed proof (the last one the resource saw), one for another URL, one for another
    // method, the bound token as Bearer: dpop-checks.mjs.
    await resourceBadPaths({
      resource, at,
      last: (await proofs()).filter((s) => s.url === resource).at(-1),
      otherUrl: held[0].dpop, otherPost: held[1].dpop, ownGet: held[2].dpop,
    });
    // 5. The tokens in another browser: another key. The resource refuses its proof, and the
    //    refresh token does not refresh with it (and stays good for the owner).
    const thief = await launchBrowser();
    try {
      const statuses = [];
      thief.page.on('response', (r) => {
        if (r.url() === resource || r.url() === config.tokenEndpoint) {
          statuses.push([r.url() === resource ? 'resource' : 'token', r.status()]);
        }
      });
      await open(thief.page, `${origin}/`);
      const stolen = await thief.page.evaluate(async ([c, tokens, url]) => {
        const s = lib.createSession(c, { tokens });
        return s.fetch(url).then((r) => ({ status: r.status }), fail);
      }, [config, refreshed.tokens, resource]);
      assert.equal(stolen.err?.code, 'token_error', JSON.stringify(stolen));
      assert.equal(stolen.err.error, 'invalid_grant');
      // A 401 at the resource (the proof of another key), then the refused refresh.
      assert.deepEqual(statuses, [['resource', 401], ['token', 400]]);
    } finally {
      await thief.close();
    }
    // The same with a key of Node's own.
    await anotherKeyRefused({
      resource, tokenEndpoint: config.tokenEndpoint, clientId: config.clientId, at, refreshToken: refreshed.tokens.refreshToken,
    });
    const owner = await page.evaluate(async (url) => {
      await session.getAccessToken({ forceRefresh: true });
      return (await session.fetch(url)).status;
    }, resource);
    assert.equal(owner, 200, 'the owner still refreshes: the thief spent nothing');

    // Sign-out revokes both bound tokens (RFC 7009 requests carry no proof).
    const revokedBefore = (await server.stats()).revocations;
    const current = await page.evaluate(async () => {
      const held = session.getTokens();
      await session.signOut();
      return held;
    });
    assert.equal((await server.stats()).revocations - revokedBefore, 2);
    const revoked = await fetch(resource, { headers: { Authorization: `DPoP ${current.accessToken}` } });
    assert.equal(revoked.status, 401);
    assert.match((await revoked.json()).error_description, /revoked/);
  });

  // Both entries with sessions: oauth-spa/dpop with `dpop: false`, and oauth-spa, which has
  // no DPoP at all.
  for (const entry of ['lib', 'full']) {
    test(`without dpop, session.fetch sends the token as Bearer and no proof (${entry === 'lib' ? 'oauth-spa/dpop' : 'oauth-spa'})`, async () => {
      const { page } = browser;
      const { origin } = server;
      const config = { ...configFor(origin), dpop: false };
      const seen = [];
      page.on('request', (r) => { if (r.url() === `${origin}/rfc/userinfo`) seen.push(r.allHeaders()); });
      const t = await signIn(page, origin, config);
      assert.equal(t.tokenType, 'Bearer', JSON.stringify(t.err));
      assert.equal(t.dpopKey, undefined);
      const r = await page.evaluate(async ([entry, c, tokens, url]) => {
        const s = window[entry].createSession(c, { tokens });
        const a = (await s.fetch(url, { headers: { Accept: 'application/json' } })).status;
        // A token the resource refuses: one forced refresh, then the request once more.
        const s2 = window[entry].createSession(c, { tokens: { ...tokens, accessToken: 'refused-token' } });
        const b = (await s2.fetch(url)).status;
        return { a, b, fresh: s2.getTokens().accessToken };
      }, [entry, config, t, `${origin}/rfc/userinfo`]);
      assert.equal(r.a, 200);
      assert.equal(r.b, 200);
      assert.notEqual(r.fresh, 'refused-token');
      const h = await Promise.all(seen);
      assert.equal(h.length, 3);
      assert.equal(h[0].authorization, `Bearer ${t.accessToken}`);
      assert.equal(h[0].accept, 'application/json');
      assert.equal(h[1].authorization, 'Bearer refused-token');
      assert.equal(h[2].authorization, `Bearer ${r.fresh}`);
      for (const x of h) assert.equal(x.dpop, undefined);
    });
  }

  test('a popup sign-in exchanges the code with a proof', async () => {
    const { page } = browser;
    const { origin } = server;
    const proofs = recordProofs(page);
    const authorizations = [];
    const onRequest = (r) => { if (r.url().startsWith(`${origin}/rfc/oauth/authorize`)) authorizations.push(r.url()); };
    browser.context.on('request', onRequest);
    await open(page, `${origin}/`);
    // With the key prepared, the popup's authorization request binds the code (RFC 9449 §10).
    const jkt = await page.evaluate(async (c) => { window.config = c; return lib.prepareDpop(c); }, configFor(origin));
    const popup = page.waitForEvent('popup');
    await page.click('#popup');
    await popup;
    const t = await page.evaluate(() => window.popupResult);
    browser.context.off('request', onRequest);
    assert.equal(t.err, undefined, JSON.stringify(t.err));
    assert.equal(authorizations.length, 1);
    assert.deepEqual(dpopJktOf(authorizations[0]), [jkt]);
    assert.equal(t.tokenType, 'DPoP');
    assert.equal(t.dpopKey, 'stored');
    const sent = (await proofs()).filter((p) => p.url === `${origin}/rfc/oauth/token`);
    assert.equal(sent.length, 1, 'the opener sent the code exchange, with a proof');
    assert.equal(jktOf(decodeProof(sent[0].dpop).header.jwk), jkt);
  });

  test('the entries without DPoP refuse dpop: true by naming oauth-spa/dpop, and a key survives a reload', async () => {
    const { page } = browser;
    const { origin } = server;
    await open(page, `${origin}/`);
    const tokenBefore = tokenRequests(await server.stats());
    for (const entry of ['core', 'full']) {
      const refused = await page.evaluate(async ([entry, c]) => {
        try { window[entry].startLogin(c); return 'accepted'; } catch (e) { return fail(e); }
      }, [entry, configFor(origin)]);
      assert.equal(refused.err?.code, 'invalid_config', `${entry}: ${JSON.stringify(refused)}`);
      assert.equal(refused.err.message, 'config.dpop must be false here: DPoP is in the entry oauth-spa/dpop');
    }
    const viaCallback = await page.evaluate((c) => full.handleCallback(c, location.origin + '/?code=a&state=b').catch(fail),
      configFor(origin));
    assert.equal(viaCallback.err?.code, 'invalid_config', JSON.stringify(viaCallback));
    assert.equal(tokenRequests(await server.stats()), tokenBefore, 'nothing sent');
    // Two sign-ins in two page loads use the same key: the same thumbprint-bound jwk.
    const proofs = recordProofs(page);
    for (let i = 0; i < 2; i++) {
      const t = await signIn(page, origin, configFor(origin));
      assert.equal(t.tokenType, 'DPoP', JSON.stringify(t.err));
    }
    const jwks = (await proofs()).map((p) => JSON.parse(Buffer.from(p.dpop.split('.')[0], 'base64url')).jwk);
    assert.equal(jwks.length, 2);
    assert.deepEqual(jwks[0], jwks[1]);
  });
});

describe('DPoP without IndexedDB', () => {
  let www, server, browser;
  before(async () => {
    www = await writeSite();
    server = await startEmbeddedServer({ www });
    browser = await launchBrowser();
    // As where a browser gives pages no IndexedDB: the global is gone before any script runs.
    await browser.context.addInitScript(() => { delete globalThis.indexedDB; });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (www) await rm(www, { recursive: true, force: true });
  });

  test('the key lives for the page, and the TokenSets say so', async () => {
    const { page } = browser;
    const { origin } = server;
    const config = configFor(origin);
    const t = await signIn(page, origin, config);
    assert.equal(t.err, undefined, JSON.stringify(t.err));
    assert.equal(await page.evaluate(() => typeof indexedDB), 'undefined');
    assert.equal(t.tokenType, 'DPoP');
    assert.equal(t.dpopKey, 'page');
    const r = await page.evaluate(async ([c, tokens, url]) => {
      const s = lib.createSession(c, { tokens });
      const a = (await s.fetch(url)).status;
      await s.getAccessToken({ forceRefresh: true });
      return { a, b: (await s.fetch(url)).status, key: s.getTokens().dpopKey };
    }, [config, t, `${origin}/rfc/userinfo`]);
    assert.deepEqual(r, { a: 200, b: 200, key: 'page' });
    // After a reload the key is gone: the tokens are bound to a key nobody holds, and the
    // new page's key is refused.
    await open(page, `${origin}/`);
    const after = await page.evaluate(async ([c, tokens, url]) => {
      const s = lib.createSession(c, { tokens: { ...tokens, refreshToken: undefined } });
      const res = await s.fetch(url).catch(fail);
      return res.err ?? res.status;
    }, [config, t, `${origin}/rfc/userinfo`]);
    assert.equal(after.code, 'not_signed_in', JSON.stringify(after));
  });
});

describe('DPoP with a server that demands nonces', () => {
  let www, server, browser;
  before(async () => {
    www = await writeSite();
    server = await startEmbeddedServer({ www, args: ['--dpop-nonce'] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (www) await rm(www, { recursive: true, force: true });
  });

  test('one retry with the nonce at the token endpoint and at the resource', async () => {
    const { page } = browser;
    const { origin } = server;
    const config = configFor(origin);
    const answers = [];
    page.on('response', (r) => {
      if (r.url().startsWith(`${origin}/rfc/oauth/token`) || r.url() === `${origin}/rfc/userinfo`) {
        answers.push([new URL(r.url()).pathname, r.status()]);
      }
    });
    const t = await signIn(page, origin, config);
    assert.equal(t.tokenType, 'DPoP', JSON.stringify(t.err));
    const stats = await server.stats();
    assert.equal(stats.token.rfc.authorization_code.use_dpop_nonce, 1);
    assert.equal(stats.token.rfc.authorization_code.ok, 1);
    const r = await page.evaluate(async ([c, tokens, url]) => {
      window.session = lib.createSession(c, { tokens });
      const first = (await session.fetch(url)).status;
      await session.getAccessToken({ forceRefresh: true });
      const second = (await session.fetch(url)).status;
      return [first, second];
    }, [config, t, `${origin}/rfc/userinfo`]);
    assert.deepEqual(r, [200, 200]);
    // The token endpoint asked once (the code), then the nonce it gave served the refresh; the
    // resource shares the origin, so its first proof already had the nonce.
    assert.deepEqual(answers, [
      ['/rfc/oauth/token', 400], ['/rfc/oauth/token', 200],
      ['/rfc/userinfo', 200], ['/rfc/oauth/token', 200], ['/rfc/userinfo', 200],
    ]);
    assert.equal(tokenRequests(await server.stats()), 3);
  });
});

describe('DPoP on a page that is not a secure context', () => {
  let www, server, browser;
  before(async () => {
    www = await writeSite();
    server = await startEmbeddedServer({ www, hosts: ['demo.test'] });
    browser = await launchBrowser({ args: ['--host-resolver-rules=MAP demo.test 127.0.0.1'] });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (www) await rm(www, { recursive: true, force: true });
  });

  test('dpop: true is dpop_unavailable and nothing is sent', async () => {
    const { page } = browser;
    const origin = `http://demo.test:${server.port}`;
    const config = { ...configFor(`http://127.0.0.1:${server.port}`), redirectUri: `${origin}/` };
    await open(page, `${origin}/`);
    assert.equal(await page.evaluate(() => isSecureContext), false);
    const r = await page.evaluate((c) => lib.exchangeCode(c, { code: 'a-code', codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' }).catch(fail), config);
    assert.equal(r.err?.code, 'dpop_unavailable', JSON.stringify(r));
    assert.match(r.err.message, /secure context/);
    assert.equal(tokenRequests(await server.stats()), 0);
  });
});

// npm oidc-provider with DPoP (`features.dPoP`, on by default in version 9) and a nonce
// required in every proof: a public client whose refresh tokens are bound to the key.
async function startDpopProvider(spaOrigin) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'dpop-spa',
      token_endpoint_auth_method: 'none',
      redirect_uris: [`${spaOrigin}/`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }],
    scopes: ['openid', 'offline_access'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
    },
    clientBasedCORS: (_ctx, origin) => origin === spaOrigin,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    cookies: { keys: ['dpop-e2e-only-cookie-key'] },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.on('server_error', (_ctx, err) => console.error('[oidc-provider] server_error', err));
  const grants = [];
  const details = []; // beside each of grants: a refusal's error_detail (oidc-provider does not send it)
  provider.on('grant.success', (ctx) => {
    grants.push(`${ctx.oidc.params.grant_type} ok`);
    details.push(undefined);
  });
  provider.on('grant.error', (ctx, err) => {
    grants.push(`${ctx.oidc.params?.grant_type} ${err.error}`);
    details.push(err.error_detail);
  });
  const stop = await serveProvider(provider, port, 'dpop-user');
  return { issuer, grants, details, stop };
}

describe('DPoP against oidc-provider (nonces required)', () => {
  let www, spa, op, browser;
  before(async () => {
    www = await writeSite();
    spa = await startEmbeddedServer({ www }); // serves the page and pkg/ only
    op = await startDpopProvider(spa.origin);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await op?.stop();
    await spa?.stop();
    if (www) await rm(www, { recursive: true, force: true });
  });

  const opConfig = () => ({
    clientId: 'dpop-spa',
    authorizationEndpoint: `${op.issuer}/auth`,
    tokenEndpoint: `${op.issuer}/token`,
    redirectUri: `${spa.origin}/`,
    issuer: op.issuer,
    authorizationResponseIssParameterSupported: true,
    scope: 'openid offline_access',
    dpop: true,
  });

  test('signs in with dpop_jkt and refreshes with a nonce retry, calls userinfo, and refuses the bad paths', async () => {
    const { page } = browser;
    const config = opConfig();
    const userinfo = `${op.issuer}/me`;
    const proofs = recordProofs(page);
    // oidc-provider takes dpop_jkt at its authorization endpoint (RFC 9449 §10).
    const { jkt, url } = await startPrepared(page, spa.origin, config);
    assert.deepEqual(dpopJktOf(url), [jkt]);
    await open(page, url);
    const t = await page.evaluate((c) => lib.handleCallback(c).catch(fail), config);
    assert.equal(t.err, undefined, JSON.stringify(t.err));
    assert.equal(t.tokenType, 'DPoP');
    // RFC 9449 §8: the first proof had no nonce; the server asked for one; the retry had it.
    assert.deepEqual(op.grants, ['authorization_code use_dpop_nonce', 'authorization_code ok']);
    const tokenProofs = (await proofs()).filter((s) => s.url === config.tokenEndpoint)
      .map((s) => JSON.parse(Buffer.from(s.dpop.split('.')[1], 'base64url')));
    assert.equal(tokenProofs.length, 2);
    assert.equal(jktOf(decodeProof((await proofs()).find((s) => s.url === config.tokenEndpoint).dpop).header.jwk), jkt);
    assert.equal(tokenProofs[0].nonce, undefined);
    assert.ok(tokenProofs[1].nonce);

    const r = await page.evaluate(async ([c, tokens, url]) => {
      window.session = lib.createSession(c, { tokens });
      const a = await session.fetch(url);
      const first = { status: a.status, body: await a.json() };
      await session.getAccessToken({ forceRefresh: true });
      const b = await session.fetch(url);
      return { first, second: b.status, tokens: session.getTokens() };
    }, [config, t, userinfo]);
    assert.equal(r.first.status, 200);
    assert.equal(r.first.body.sub, 'dpop-user');
    assert.equal(r.second, 200);
    assert.equal(r.tokens.tokenType, 'DPoP');
    // A bound refresh token is not rotated by oidc-provider (RFC 9700 §2.2.2 asks for rotation
    // *or* sender-constraining): the same one, still bound to this key.
    assert.equal(r.tokens.refreshToken, t.refreshToken);
    assert.equal(op.grants.filter((g) => g === 'refresh_token ok').length, 1);
    const at = r.tokens.accessToken;

    // A replayed proof, a proof for another URL and method (the token endpoint's), the bound
    // token as Bearer: each a 401 from oidc-provider's userinfo.
    const sent = await proofs();
    const last = sent.filter((s) => s.url === userinfo).at(-1);
    const lastToken = sent.filter((s) => s.url === config.tokenEndpoint).at(-1);
    const attempts = {
      replayed: { Authorization: last.authorization, DPoP: last.dpop },
      'another URL and method': { Authorization: `DPoP ${at}`, DPoP: lastToken.dpop },
      'as Bearer': { Authorization: `Bearer ${at}` },
    };
    for (const [what, headers] of Object.entries(attempts)) {
      const res = await fetch(userinfo, { headers });
      assert.equal(res.status, 401, what);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_(token|dpop_proof)"/, what);
    }
    // The tokens in another browser (another key): refused at userinfo, and the refresh token
    // does not refresh with that key.
    const thief = await launchBrowser();
    try {
      await open(thief.page, `${spa.origin}/`);
      const stolen = await thief.page.evaluate(async ([c, tokens, url]) => {
        const s = lib.createSession(c, { tokens });
        return s.fetch(url).then((res) => ({ status: res.status }), fail);
      }, [config, r.tokens, userinfo]);
      assert.equal(stolen.err?.code, 'token_error', JSON.stringify(stolen));
      assert.equal(stolen.err.error, 'invalid_grant');
    } finally {
      await thief.close();
    }
  });

  // oidc-provider spends a code on the first request that presents it, refused or not: one
  // sign-in for each bad exchange.
  for (const [which, detail] of [['none', 'missing DPoP proof JWT'], ['other', 'DPoP proof key thumbprint does not match dpop_jkt']]) {
    test(`a code bound by dpop_jkt is refused to ${which === 'none' ? 'a request without a proof' : "another key's proof"}`, async () => {
      const { page } = browser;
      const config = opConfig();
      const { url } = await startPrepared(page, spa.origin, config);
      await open(page, url);
      const seen = op.grants.length;
      await boundCodeRefused({
        tokenEndpoint: config.tokenEndpoint, clientId: config.clientId, redirectUri: config.redirectUri,
        ...await codeAndVerifier(page),
      }, [which]);
      const refused = op.grants.slice(seen).map((g, i) => `${g}: ${op.details[seen + i]}`);
      assert.equal(refused.at(-1), `authorization_code invalid_grant: ${detail}`, JSON.stringify(refused));
      assert.ok(!op.grants.slice(seen).includes('authorization_code ok'));
    });
  }
});

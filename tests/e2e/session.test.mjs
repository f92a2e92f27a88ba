// Sessions end to end: the release package in Chromium against npm oidc-provider (a certified
// authorization server): discovery, popup sign-in, refresh with rotation, revocation, and two
// tabs asking for a token at the same moment. Nothing is mocked: real fetch, real windows,
// real IndexedDB, BroadcastChannel and Web Locks, real server state.
//
// Needs pkg/ (bash scripts/build.sh; OAUTH_SPA_PKG=<dir> to use another build) and Chromium.
// Run: node --test tests/e2e/session.test.mjs
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, freePort, launchBrowser, ROOT } from './harness.mjs';
import { CLIENT_ID, startSessionProvider } from '../support/session-op.mjs';

const PKG = process.env.OAUTH_SPA_PKG ?? join(ROOT, 'pkg');

const APP = `<!doctype html><meta charset=utf-8><title>app</title><button id=login>Sign in</button>
<script type=module>
import init, * as lib from '/pkg/oauth_spa.js';
await init();
window.lib = lib;
// The click handler calls loginWithPopup synchronously, then posts a forged response from this
// same window: the opener must ignore it (its source is not the popup).
document.getElementById('login').addEventListener('click', () => {
  window.loginResult = lib.loginWithPopup(window.config, window.popupOptions)
    .then((t) => ({ ok: t }), (e) => ({ err: { code: e.code, error: e.error, name: e.name } }));
  postMessage({ type: 'oauth-spa:callback', url: location.origin + '/callback.html?code=forged&state=forged' }, location.origin);
});
// #popup=<config>: a sign-in started by the page itself at load, without any user gesture.
if (location.hash.startsWith('#popup=')) {
  window.loginResult = lib.loginWithPopup(JSON.parse(decodeURIComponent(location.hash.slice(7))))
    .then(() => 'resolved', (e) => e.name + ':' + e.code);
}
document.body.dataset.ready = '1';
</script>`;
const CALLBACK = `<!doctype html><meta charset=utf-8><title>callback</title><script type=module>
import init, { popupCallback } from '/pkg/oauth_spa.js';
await init();
if (!popupCallback()) document.title = 'not a popup';
</script>`;
const STALL = '<!doctype html><title>stall</title><p>an authorization page that never answers';

function metadataFor(issuer, extra = {}) {
  return JSON.stringify({
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    ...extra,
  });
}

// The SPA's origin: the package, the pages, and metadata documents of fake issuers under it.
async function startSpa() {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const pages = {
    '/app.html': APP,
    '/callback.html': CALLBACK,
    '/stall.html': STALL,
    // RFC 8414 §3.1 path insertion for the issuers `${origin}/evil` and `${origin}/nopkce`.
    '/.well-known/oauth-authorization-server/evil': metadataFor('https://evil.example'),
    '/.well-known/oauth-authorization-server/nopkce': metadataFor(`${origin}/nopkce`, { code_challenge_methods_supported: ['plain'] }),
  };
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.ts': 'text/plain', '.json': 'application/json' };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, origin).pathname;
    if (pages[path]) {
      res.writeHead(200, { 'Content-Type': path.startsWith('/.well-known') ? 'application/json' : 'text/html' });
      return res.end(pages[path]);
    }
    if (path.startsWith('/pkg/')) {
      const file = normalize(join(PKG, path.slice(5)));
      if (file.startsWith(PKG) && existsSync(file)) {
        res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
        return res.end(readFileSync(file));
      }
    }
    res.writeHead(404).end('not found');
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { origin, stop: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

// Another origin, whose "authorization page" forges a callback with the real state and posts it
// to the opener with targetOrigin "*": the opener must ignore it (wrong event.origin).
async function startEvilOrigin(spaOrigin) {
  const port = await freePort();
  const page = `<!doctype html><title>evil</title><script>
    const state = new URLSearchParams(location.search).get('state');
    opener.postMessage({ type: 'oauth-spa:callback', url: '${spaOrigin}/callback.html?code=evil&state=' + state }, '*');
    document.title = 'posted';
  </script>`;
  const server = http.createServer((_req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(page); });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

describe('sessions, refresh, revocation, discovery and popup against oidc-provider', () => {
  let spa, op, browser, config;
  before(async () => {
    if (!existsSync(join(PKG, 'oauth_spa_fallback.js'))) throw new Error(`no package in ${PKG}: run bash scripts/build.sh`);
    spa = await startSpa();
    op = await startSessionProvider({ port: await freePort(), spaOrigin: spa.origin, redirectUri: `${spa.origin}/callback.html` });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await op?.stop();
    await spa?.stop();
  });

  async function openApp(page = browser.page) {
    await page.goto(`${spa.origin}/app.html`);
    await page.waitForSelector('body[data-ready="1"]');
    return page;
  }

  // Discovery gives the config (with revocationEndpoint and the RFC 9207 flag).
  async function discoveredConfig(page) {
    return page.evaluate(async ([issuer, clientId, redirectUri]) => ({
      ...(await window.lib.discover(issuer)),
      clientId,
      redirectUri,
      scope: 'openid offline_access',
    }), [op.issuer, CLIENT_ID, `${spa.origin}/callback.html`]);
  }

  // A real popup sign-in, clicked, through oidc-provider's login and consent.
  async function popupLogin(page, cfg = config, options = undefined) {
    await page.evaluate(([c, o]) => { window.config = c; window.popupOptions = o; }, [cfg, options]);
    const popup = page.waitForEvent('popup');
    await page.click('#login');
    return { popup: await popup, result: () => page.evaluate(() => window.loginResult) };
  }

  test('discover(): RFC 8414 then OpenID Connect discovery; issuer, endpoints, iss flag', async () => {
    const page = await openApp();
    config = await discoveredConfig(page);
    assert.equal(config.issuer, op.issuer);
    assert.equal(config.authorizationEndpoint, `${op.issuer}/auth`);
    assert.equal(config.tokenEndpoint, `${op.issuer}/token`);
    assert.equal(config.revocationEndpoint, `${op.issuer}/token/revocation`);
    assert.equal(config.authorizationResponseIssParameterSupported, true);
    assert.deepEqual(config.metadata.code_challenge_methods_supported, ['S256']);
  });

  test('discover(): a document for another issuer, or without S256, is refused', async () => {
    const page = await openApp();
    const errors = await page.evaluate(async (origin) => {
      const code = (p) => p.then(() => 'resolved', (e) => `${e.name}:${e.code}`);
      return {
        evil: await code(window.lib.discover(`${origin}/evil`)),
        nopkce: await code(window.lib.discover(`${origin}/nopkce`)),
        none: await code(window.lib.discover(`${origin}/nothing-here`)),
        insecure: await code(window.lib.discover('http://as.example')),
      };
    }, spa.origin);
    assert.deepEqual(errors, {
      evil: 'OAuthError:issuer_mismatch',
      nopkce: 'OAuthError:invalid_metadata',
      none: 'OAuthError:http_error',
      insecure: 'OAuthError:insecure_endpoint',
    });
  });

  test('popup sign-in: the code is exchanged in the opener; a forged same-window message is ignored', async () => {
    const page = await openApp();
    op.resetCounts();
    const { popup, result } = await popupLogin(page);
    const r = await result();
    assert.ok(r.ok, JSON.stringify(r) + browser.problems.join('\n'));
    assert.equal(r.ok.tokenType, 'Bearer');
    assert.ok(r.ok.refreshToken && r.ok.accessToken);
    assert.match(r.ok.scope, /openid/);
    assert.equal(op.grants.authorization_code, 1);
    await popup.waitForEvent('close', { timeout: 5000 }).catch(() => {});
    assert.equal(popup.isClosed(), true, 'the popup closed itself');
    assert.equal(await op.userinfo(r.ok.accessToken), 200);
    const pending = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('oauth-spa:tx:')));
    assert.deepEqual(pending, [], 'the transaction was consumed');
  });

  test('popup: closed by the user → popup_closed; no answer in time → timeout', async () => {
    const page = await openApp();
    const stall = { ...config, authorizationEndpoint: `${spa.origin}/stall.html` };
    const first = await popupLogin(page, stall);
    await first.popup.close();
    assert.deepEqual((await first.result()).err, { code: 'popup_closed', error: undefined, name: 'OAuthError' });
    const second = await popupLogin(page, stall, { popupTimeoutMs: 800 });
    assert.equal((await second.result()).err?.code, 'timeout');
    assert.equal(second.popup.isClosed() || await second.popup.waitForEvent('close', { timeout: 3000 }).then(() => true), true);
    const pending = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('oauth-spa:tx:')));
    assert.deepEqual(pending, [], 'a closed or timed-out popup leaves no pending transaction');
  });

  test('popup: an answer with another state is refused and leaves no pending transaction', async () => {
    const page = await openApp();
    const stall = { ...config, authorizationEndpoint: `${spa.origin}/stall.html` };
    const { popup, result } = await popupLogin(page, stall);
    await popup.goto(`${spa.origin}/callback.html?code=c0de&state=not-the-one`);
    const { err } = await result();
    assert.equal(err?.code, 'unknown_state', JSON.stringify(err));
    const pending = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('oauth-spa:tx:')));
    assert.deepEqual(pending, [], 'the pending login went with the refused answer');
  });

  test('popup: a response posted from another origin (with the real state) is ignored', async () => {
    const evil = await startEvilOrigin(spa.origin);
    try {
      const page = await openApp();
      const { popup, result } = await popupLogin(page, { ...config, authorizationEndpoint: `${evil.origin}/authorize` });
      await popup.waitForFunction(() => document.title === 'posted');
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => Promise.race([window.loginResult, new Promise((r) => setTimeout(() => r('pending'), 100))])), 'pending',
        'the forged message neither resolved nor rejected the sign-in');
      await popup.close();
      assert.equal((await result()).err?.code, 'popup_closed');
    } finally {
      await evil.stop();
    }
  });

  test('popup: a blocked window.open → popup_blocked (Chromium with its popup blocker on)', async () => {
    // Playwright starts Chromium with --disable-popup-blocking; this browser keeps the blocker.
    const dir = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-blocker-'));
    const blocking = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      ignoreDefaultArgs: ['--disable-popup-blocking'],
      env: { ...process.env, TMPDIR: dir },
    });
    try {
      // Started at page load, with no user gesture (page.evaluate would count as one).
      const page = await blocking.newPage();
      await page.goto(`${spa.origin}/app.html#popup=${encodeURIComponent(JSON.stringify(config))}`);
      await page.waitForSelector('body[data-ready="1"]');
      assert.equal(await page.evaluate(() => window.loginResult), 'OAuthError:popup_blocked');
    } finally {
      await blocking.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('refresh(): rotation — a new refresh token each time, the old one is refused', async () => {
    const page = await openApp();
    const { result } = await popupLogin(page);
    const t1 = (await result()).ok;
    op.resetCounts();
    const out = await page.evaluate(async ([c, rt1]) => {
      const t2 = await window.lib.refresh(c, rt1);
      const again = await window.lib.refresh(c, rt1).then(() => null, (e) => ({ code: e.code, error: e.error, status: e.status }));
      return { t2, again };
    }, [config, t1.refreshToken]);
    assert.ok(out.t2.refreshToken && out.t2.refreshToken !== t1.refreshToken, 'rotated');
    assert.notEqual(out.t2.accessToken, t1.accessToken);
    assert.equal(out.t2.scope, t1.scope);
    assert.deepEqual(out.again, { code: 'token_error', error: 'invalid_grant', status: 400 });
    assert.equal(op.grants.refresh_token, 1);
    assert.equal(op.grants.errors, 1);
  });

  test('session: getAccessToken refreshes within the skew; signOut revokes; the tokens stop working', async () => {
    const page = await openApp();
    const { result } = await popupLogin(page);
    const t1 = (await result()).ok;
    assert.equal(await op.userinfo(t1.accessToken), 200);
    op.resetCounts();
    const out = await page.evaluate(async ([c, t]) => {
      const events = [];
      const s = window.lib.createSession(c, { tokens: t });
      s.onChange((x) => events.push(x ? 'change' : 'change:null'));
      s.onSignedOut((why) => events.push(`signedOut:${why?.code}`));
      s.onError((e) => events.push(`error:${e.code}`));
      const fresh = await s.getAccessToken(); // expires in an hour: no refresh
      s.setTokens({ ...t, expiresAt: Date.now() + 30_000 }); // within the 60 s skew
      const [a, b, c2] = await Promise.all([s.getAccessToken(), s.getAccessToken(), s.getAccessToken()]);
      const after = s.getTokens();
      await s.signOut();
      return { fresh, a, b, c2, after, events, tokensAfterSignOut: s.getTokens() };
    }, [config, t1]);
    assert.equal(out.fresh, t1.accessToken);
    assert.equal(op.grants.refresh_token, 1, 'three concurrent callers shared one refresh');
    assert.ok(out.a === out.b && out.b === out.c2 && out.a !== t1.accessToken);
    assert.notEqual(out.after.refreshToken, t1.refreshToken, 'the rotated refresh token replaced the old one');
    assert.deepEqual(out.events, ['change', 'change', 'change:null', 'signedOut:undefined']);
    assert.equal(out.tokensAfterSignOut, null);
    // RFC 7009: both tokens are dead at the server.
    assert.equal(await op.userinfo(out.a), 401, 'the access token stopped working');
    const r = await op.refreshFromNode(out.after.refreshToken);
    assert.equal(r.body.error, 'invalid_grant', 'the refresh token stopped working');
  });

  test('session: invalid_grant signs out; a network failure does not', async () => {
    const page = await openApp();
    const { result } = await popupLogin(page);
    const t1 = (await result()).ok;
    const out = await page.evaluate(async ([c, t]) => {
      const log = (s, events) => {
        s.onSignedOut((why) => events.push(`signedOut:${why?.code}:${why?.error}`));
        s.onError((e) => events.push(`error:${e.code}`));
      };
      const expired = { ...t, expiresAt: Date.now() - 1000 };
      // Network failure: nothing listens on port 9 of loopback.
      const offline = window.lib.createSession({ ...c, tokenEndpoint: 'http://127.0.0.1:9/token' }, { tokens: expired });
      const e1 = [];
      log(offline, e1);
      const netErr = await offline.getAccessToken().catch((e) => e.code);
      // invalid_grant: the refresh token is revoked first.
      await window.lib.revokeToken(c, t.refreshToken, { tokenTypeHint: 'refresh_token' });
      const revoked = window.lib.createSession(c, { tokens: expired });
      const e2 = [];
      log(revoked, e2);
      const grantErr = await revoked.getAccessToken().catch((e) => `${e.code}:${e.error}`);
      const after = await revoked.getAccessToken().catch((e) => e.code);
      return { netErr, e1, stillHeld: offline.getTokens() !== null, grantErr, e2, gone: revoked.getTokens(), after };
    }, [config, t1]);
    assert.deepEqual(out, {
      netErr: 'network_error', e1: ['error:network_error'], stillHeld: true,
      grantErr: 'token_error:invalid_grant', e2: ['signedOut:token_error:invalid_grant'], gone: null,
      after: 'not_signed_in',
    });
  });

  for (const locks of ['Web Locks', 'the IndexedDB lease (no navigator.locks)']) {
    test(`two tabs ask at the same moment: exactly one refresh reaches the server (${locks})`, async () => {
      const pageA = await openApp();
      const { result } = await popupLogin(pageA);
      const t1 = (await result()).ok;
      const pageB = await openApp(await browser.context.newPage());
      const key = `e2e-${Math.random()}`;
      const setup = async (page, tokens) => page.evaluate(([c, k, t, noLocks]) => {
        if (noLocks) Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });
        window.events = [];
        window.session = window.lib.createSession(c, { storage: 'localStorage', storageKey: k, tokens: t });
        window.session.onChange((x) => window.events.push(x ? x.accessToken : null));
        window.session.onSignedOut(() => window.events.push('signedOut'));
      }, [config, key, tokens, locks !== 'Web Locks']);
      await setup(pageA, { ...t1, expiresAt: Date.now() - 1000 });
      await setup(pageB, undefined); // tab B reads the shared session from the store (IndexedDB)
      await pageB.waitForFunction((rt) => window.session.getTokens()?.refreshToken === rt, t1.refreshToken, { timeout: 5000 });
      assert.equal(await pageB.evaluate(() => window.session.getTokens()?.refreshToken), t1.refreshToken);
      op.resetCounts();
      const ask = (page, when) => page.evaluate(async (w) => {
        await new Promise((r) => setTimeout(r, w - Date.now()));
        return window.session.getAccessToken();
      }, when);
      // Five rounds: both tabs ask at the same moment for an expired token.
      let a = t1.accessToken;
      for (let round = 1; round <= 5; round++) {
        const previous = a;
        if (round > 1) {
          // Tab A marks the token expired; tab B sees that through the storage event.
          await pageA.evaluate(() => window.session.setTokens({ ...window.session.getTokens(), expiresAt: Date.now() - 1000 }));
          await pageB.waitForFunction(() => window.session.getTokens()?.expiresAt < Date.now(), null, { timeout: 5000 });
        }
        const when = Date.now() + 300;
        const [x, y] = await Promise.all([ask(pageA, when), ask(pageB, when)]);
        assert.equal(op.grants.refresh_token, round, `round ${round}: one refresh request reached the server`);
        assert.equal(op.grants.errors, 0, `round ${round}: no tab used a rotated-out refresh token`);
        assert.equal(x, y, `round ${round}: both tabs got the same new token`);
        assert.notEqual(x, previous);
        a = x;
      }
      assert.equal(await op.userinfo(a), 200);
      const stored = await pageB.evaluate((k) => new Promise((ok, no) => {
        const r = indexedDB.open('oauth-spa', 1);
        r.onerror = () => no(r.error);
        r.onsuccess = () => {
          const g = r.result.transaction('s').objectStore('s').get(k);
          g.onsuccess = () => { r.result.close(); ok(g.result); };
        };
      }), key);
      assert.equal(stored.accessToken, a);
      // Tab A refreshes alone (forced): tab B adopts the result through the storage event,
      // without a request of its own.
      const c = await pageA.evaluate(() => window.session.getAccessToken({ forceRefresh: true }));
      assert.notEqual(c, a);
      await pageB.waitForFunction((t) => window.session.getTokens()?.accessToken === t, c, { timeout: 5000 });
      assert.equal((await pageB.evaluate(() => window.events)).at(-1), c, 'tab B saw onChange with the new token');
      assert.equal(await pageB.evaluate(() => window.session.getAccessToken()), c);
      assert.equal(op.grants.refresh_token, 6, 'only tab A refreshed');
      // Sign-out in tab A reaches tab B through the storage event.
      await pageA.evaluate(() => window.session.signOut());
      await pageB.waitForFunction(() => window.session.getTokens() === null, null, { timeout: 5000 });
      assert.equal((await pageB.evaluate(() => window.events)).at(-1), 'signedOut');
      assert.equal(await op.userinfo(c), 401);
      await pageB.close();
    });
  }
});

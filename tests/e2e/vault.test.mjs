// The vault, `createSession(config, { vault: "worker" })` (entry oauth-spa/dpop), end to end in
// Chromium (playwright-core) and Firefox (geckodriver): the release package signs in through the
// redirect flow against the embedded server, the code exchange and every refresh happen in the
// package's module Worker (pkg/oauth_spa_vault.js), and the page gets access tokens only.
//
// The page is served by a front server of this file under
//   Content-Security-Policy: default-src 'none'; script-src 'self' 'wasm-unsafe-eval';
//                            worker-src 'self'; connect-src 'self'
// (the worker file too), and the front proxies /rfc/* to the embedded server (same origin, so
// `connect-src 'self'`), keeping every refresh token the token endpoint issues: the test then
// looks for each of them in everything the page could read (sessionStorage, localStorage,
// cookies, every record of every IndexedDB database, every TokenSet the page got). Without DPoP
// and in memory: nowhere. With DPoP and `storage: "localStorage"`: only in the session store
// (IndexedDB `oauth-spa`, store `s`), as docs/session.md says, and that token, sent from
// elsewhere (the front, as a thief's server would) without a proof or with a proof of another
// key, is refused, while the page's session goes on refreshing. Each mode also calls the
// resource with `session.fetch` (DPoP and Bearer), forces a refresh (the server counts the
// refresh grant), (without DPoP) sees a failing refresh (a 503 of the front) arrive as an OAuthError with its
// code and status at the caller and at onError, and signs out (onSignedOut; revocation
// counted; without DPoP the last refresh token and
// access token then refused); once more with DPoP against a server demanding nonces, and once
// with the worker file served under a policy without 'wasm-unsafe-eval' (the worker, and only
// it, fetches the JavaScript engine). A page whose CSP has `worker-src 'none'` gets
// `vault_unavailable`. A popup sign-in (`session.loginWithPopup`, clicked, DPoP on): the page
// checks the popup's answer and the worker sends the one code exchange (with a proof); a popup
// that posts an answer with another state is refused with `unknown_state`, and nothing is sent;
// one that never answers ends in `timeout` with nothing pending.
// Also run with OAUTH_SPA_E2E_ENGINE=js (Chromium's pages without WebAssembly; its workers keep
// it).
//
// Needs pkg/ (bash scripts/build.sh), the release server, Chromium, Firefox and geckodriver.
// Run: node --test tests/e2e/vault.test.mjs
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm, mkdir } from 'node:fs/promises';
import http from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { webcrypto } from 'node:crypto';
import { ENGINE, ROOT, freePort, launchBrowser, startEmbeddedServer } from './harness.mjs';
import { newSession, startDriver, waitForResult } from './webdriver.mjs';

const GECKODRIVER = process.env.GECKODRIVER ?? join(homedir(), '.cargo', 'bin', 'geckodriver');
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'";
const CSP_NO_WORKER = CSP.replace("worker-src 'self'", "worker-src 'none'");
// The worker's own policy (its script's response header) without 'wasm-unsafe-eval'.
const CSP_NO_WASM = CSP.replace(" 'wasm-unsafe-eval'", '');

// The app: `/?mode=M` starts a login in mode M (kept in sessionStorage); the callback runs it.
// Modes: `bearer` (memory), `dpop` (memory), `dpop-local` (persisted, DPoP-bound),
// `dpop-nonce` (memory, against a server demanding DPoP nonces), `dpop-js-worker` (memory, the
// worker served with a policy without 'wasm-unsafe-eval'), `refusals` (no sign-in: option
// errors and a vault that cannot start), `popup` (dpop, memory: a popup sign-in from a click on
// #go) and `popup-forged` (the same, whose authorization endpoint is /forge: a page that sends
// the popup to the redirect URI with a code and the state of another login of this page, still
// pending, so that only the popup's own state check can refuse it) and `popup-stall` (whose
// authorization endpoint never answers, with popupTimeoutMs 1000). In a popup, the page hands the
// response to its opener (popupCallback) and does nothing else.
const APP = `
import init, * as lib from '/pkg/oauth_spa_dpop.js';
import initFull, * as full from '/pkg/oauth_spa.js';
const report = (r) => { document.body.dataset.result = JSON.stringify(r); };
const fail = (e) => ({ name: e.name, code: e.code, message: e.message, isOAuthError: e instanceof lib.OAuthError });
const o = location.origin;
const q = new URLSearchParams(location.search);
if (q.has('mode')) sessionStorage.setItem('vault-test-mode', q.get('mode'));
const mode = sessionStorage.getItem('vault-test-mode');
const config = {
  clientId: 'demo-public',
  authorizationEndpoint: o + ({ 'popup-forged': '/forge', 'popup-stall': '/stall' }[mode] ?? '/rfc/oauth/authorize'),
  tokenEndpoint: o + '/rfc/oauth/token', revocationEndpoint: o + '/rfc/oauth/revoke',
  redirectUri: o + '/', scope: 'projects offline_access', dpop: mode !== 'bearer',
};
const options = { vault: 'worker', storage: mode === 'dpop-local' ? 'localStorage' : 'memory' };
// dpop-nonce: as dpop, against a server that demands DPoP nonces (the test proxies to it).
const resource = o + '/rfc/userinfo';

// Every string (and member name) of a value, objects and arrays walked.
function strings(v, acc = []) {
  if (typeof v === 'string') acc.push(v);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { acc.push(k); strings(x, acc); }
  return acc;
}
const done = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
// Everything a script of this page can read, as strings per place.
async function readAll(tokenSets) {
  const out = {
    sessionStorage: strings({ ...sessionStorage }), localStorage: strings({ ...localStorage }),
    cookie: [document.cookie], tokenSets: strings(tokenSets),
  };
  for (const { name } of await indexedDB.databases()) {
    const db = await done(indexedDB.open(name));
    for (const store of db.objectStoreNames) {
      const s = () => db.transaction(store).objectStore(store);
      out['idb:' + name + '/' + store] = strings([await done(s().getAllKeys()), await done(s().getAll())]);
    }
    db.close();
  }
  return out;
}

async function refusals() {
  const r = {};
  const code = (f) => { try { f(); return 'none'; } catch (e) { return [e.code, e.message]; } };
  r.sessionStorage = code(() => lib.createSession(config, { vault: 'worker', storage: 'sessionStorage' }));
  r.localWithoutDpop = code(() => lib.createSession({ ...config, dpop: false }, { vault: 'worker', storage: 'localStorage' }));
  r.otherValue = code(() => lib.createSession(config, { vault: 'iframe' }));
  r.fullEntry = code(() => full.createSession({ ...config, dpop: false }, { vault: 'worker' }));
  r.badUrl = code(() => lib.createSession(config, { vault: 'worker', vaultUrl: 42 }));
  // This page's CSP has worker-src 'none': the worker cannot start.
  const s = lib.createSession(config, { vault: 'worker' });
  r.blocked = await s.getAccessToken().then(() => 'none', fail);
  // A callback on a vault known to be gone: refused before the checks, so the pending login
  // stays in sessionStorage for another try.
  const state = new URL(lib.startLogin(config)).searchParams.get('state');
  const pending = sessionStorage.length;
  r.callbackBlocked = await s.handleCallback(o + '/?code=c&state=' + state).then(() => 'none', (e) => e.code);
  r.loginKept = sessionStorage.length === pending;
  return r;
}

async function signedIn() {
  const session = lib.createSession(config, options);
  const seen = []; // every TokenSet the page got
  session.onChange((t) => seen.push(t));
  const errors = [], endings = [];
  session.onError((e) => errors.push([e.code, e.status, e instanceof lib.OAuthError]));
  session.onSignedOut((reason) => endings.push(reason === undefined ? 'signOut' : reason.code));
  const t = await session.handleCallback();
  seen.push(t, session.getTokens());
  const r = {
    tokenType: t.tokenType, dpopKey: t.dpopKey, hasRefreshToken: 'refreshToken' in t,
    rawRefresh: 'refresh_token' in t.raw, getTokensRefresh: 'refreshToken' in session.getTokens(),
    url: location.href,
  };
  const first = await session.fetch(resource);
  const at2 = await session.getAccessToken({ forceRefresh: true });
  seen.push(session.getTokens());
  const second = await session.fetch(resource);
  r.statuses = [first.status, second.status];
  r.user = (await first.json()).sub;
  r.refreshed = at2 !== t.accessToken && session.getTokens().accessToken === at2;
  r.changes = seen.length;
  r.scan = await readAll(seen);
  if (mode === 'dpop-local') {
    // A script of this page reads the stored refresh token and hands it to its server, which
    // tries it without a proof and with a proof of its own key.
    const stored = await done(indexedDB.open('oauth-spa')).then((db) => done(db.transaction('s').objectStore('s').get('oauth-spa:session')));
    r.stolen = await (await fetch('/__steal', { method: 'POST', body: stored.refreshToken })).json();
    // The owner is not harmed: the session refreshes again.
    const at3 = await session.getAccessToken({ forceRefresh: true });
    r.afterTheft = at3 !== at2;
    // A second vault on the same store (as another tab would have): the same tokens, no refresh.
    const other = lib.createSession(config, options);
    r.otherTab = (await other.getAccessToken()) === at3 && !('refreshToken' in other.getTokens());
    other.close();
    r.closed = await other.getAccessToken().then(() => 'none', (e) => e.code);
  }
  if (mode === 'bearer') {
    // The token endpoint fails once (503): the refresh's error crosses with its code and status,
    // to the caller and to onError, and the session goes on.
    await fetch('/__fail-next-token', { method: 'POST' });
    r.failed = await session.getAccessToken({ forceRefresh: true })
      .then(() => 'none', (e) => [e.code, e.status, e instanceof lib.OAuthError]);
    r.stillThere = (await session.getAccessToken()) === session.getTokens().accessToken;
  }
  r.errors = errors;
  r.lastAccessToken = session.getTokens().accessToken;
  await session.signOut();
  // An error made in the worker arrives as an OAuthError of the package, with its code.
  r.afterSignOut = [session.getTokens(), await session.getAccessToken().then(() => 'none', (e) => [e.code, e instanceof lib.OAuthError])];
  r.endings = endings;
  return r;
}

// A popup sign-in from a click on #go; the page reports what it got and could read.
async function popupSignIn() {
  const session = lib.createSession(config, options);
  const go = document.createElement('button');
  go.id = 'go';
  go.textContent = 'Sign in';
  // loginWithPopup runs in the click handler itself (the window opens there).
  const login = new Promise((ok) => go.addEventListener('click', () => {
    const o = mode === 'popup-stall' ? { popupTimeoutMs: 1000 } : { appState: 'from-popup' };
    ok(session.loginWithPopup(o).then((t) => ({ t }), (e) => ({ e })));
  }, { once: true }));
  // popup-forged: another login of this page, pending; /forge answers with its state.
  const other = mode === 'popup-forged' ? new URL(lib.startLogin(config)).searchParams.get('state') : null;
  if (other) localStorage.setItem('vault-test-other-state', other);
  document.body.append(go);
  const { t, e } = await login;
  localStorage.removeItem('vault-test-other-state');
  const pendingKeys = () => Object.keys(sessionStorage).filter((k) => k.startsWith('oauth-spa:tx:'));
  const pending = () => pendingKeys().length;
  if (e) {
    const r = { refused: fail(e), pendingKeys: pendingKeys(), other, tokens: session.getTokens() };
    if (other) sessionStorage.removeItem('oauth-spa:tx:' + other); // (this tab's next tests)
    session.close();
    return r;
  }
  const seen = [t, session.getTokens()];
  const r = {
    tokenType: t.tokenType, dpopKey: t.dpopKey, appState: t.appState, hasRefreshToken: 'refreshToken' in t,
    rawRefresh: 'refresh_token' in t.raw, getTokensRefresh: 'refreshToken' in session.getTokens(),
    same: session.getTokens().accessToken === t.accessToken, pending: pending(),
  };
  const res = await session.fetch(resource);
  r.status = res.status;
  r.user = (await res.json()).sub;
  r.scan = await readAll(seen);
  await session.signOut();
  r.afterSignOut = session.getTokens();
  return r;
}

try {
  await Promise.all([init(), initFull()]);
  if (lib.popupCallback()) {
    // A sign-in popup: the response went to the opener, and this window closes.
  } else if (mode === 'refusals') report({ ok: true, ...(await refusals()) });
  else if (mode?.startsWith('popup')) report({ ok: true, ...(await popupSignIn()) });
  else if (q.has('state')) report({ ok: true, ...(await signedIn()) });
  else location.assign(lib.startLogin(config));
} catch (e) {
  report({ ok: false, ...fail(e), stack: e.stack });
}
`;

// A proof (RFC 9449 §4.2) of a new key of this process, for `POST url`.
async function foreignProof(url) {
  const { subtle } = webcrypto;
  const key = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  const { kty, crv, x, y } = await subtle.exportKey('jwk', key.publicKey);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } })}.${b64({
    jti: webcrypto.randomUUID(), htm: 'POST', htu: url, iat: Math.floor(Date.now() / 1000) })}`;
  const sig = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, Buffer.from(input));
  return `${input}.${Buffer.from(sig).toString('base64url')}`;
}

// One request to the embedded server as if it came through the front (same Host header, so
// the server's htu is the front's URL). Resolves { status, headers, body }.
function upstream(port, host, { method = 'GET', path, headers = {}, body }) {
  return new Promise((ok, no) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...headers, host } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', no);
    req.end(body);
  });
}

// The front: the test page and pkg/ under the CSP, /rfc/* proxied to the embedded server, the
// token endpoint's refresh tokens kept, and /__steal (a thief's server trying a refresh token).
async function startFront() {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const front = {
    origin: `http://${host}`, refreshTokens: [], upstreamPort: 0, workerCsp: CSP, fetched: [],
    codeExchanges: [], // { dpop: whether it carried a DPoP proof } for each code exchange sent
  };
  const tokenUrl = `${front.origin}/rfc/oauth/token`;
  const refresh = (rt, extra = {}) => upstream(front.upstreamPort, host, {
    method: 'POST', path: '/rfc/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...extra },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rt, client_id: 'demo-public' }).toString(),
  }).then((r) => ({ status: r.status, error: JSON.parse(r.body).error }));
  front.refresh = refresh;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, front.origin);
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const send = (status, type, text, csp) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...(csp ? { 'content-security-policy': csp } : {}) });
      res.end(text);
    };
    try {
      if (url.pathname === '/') {
        const csp = url.searchParams.get('mode') === 'refusals' ? CSP_NO_WORKER : CSP;
        send(200, 'text/html', '<!doctype html><meta charset=utf-8><title>vault</title><body><script type=module src=/app.js></script>', csp);
      } else if (url.pathname === '/app.js') {
        send(200, 'text/javascript', APP, CSP);
      } else if (url.pathname === '/stall') {
        send(200, 'text/html', '<!doctype html><meta charset=utf-8><title>stall</title>', CSP);
      } else if (url.pathname === '/forge') {
        // A forged answer: the redirect URI with a code and a state of no login of this page.
        send(200, 'text/html', '<!doctype html><meta charset=utf-8><title>forge</title><script type=module src=/forge.js></script>', CSP);
      } else if (url.pathname === '/forge.js') {
        send(200, 'text/javascript', "location.replace('/?code=c0de&state=' + localStorage.getItem('vault-test-other-state'));", CSP);
      } else if (url.pathname === '/favicon.ico') {
        send(404, 'text/plain', '');
      } else if (url.pathname.startsWith('/pkg/')) {
        front.fetched.push(url.pathname);
        const csp = url.pathname === '/pkg/oauth_spa_vault.js' ? front.workerCsp : CSP;
        send(200, 'text/javascript', await readFile(join(ROOT, 'pkg', basename(url.pathname))), csp);
      } else if (url.pathname === '/__fail-next-token') {
        front.failNextToken = true;
        send(204, 'text/plain', '');
      } else if (url.pathname === '/rfc/oauth/token' && front.failNextToken) {
        front.failNextToken = false;
        send(503, 'text/html', '<h1>busy</h1>');
      } else if (url.pathname === '/__steal') {
        const rt = body.toString();
        send(200, 'application/json', JSON.stringify({
          withoutProof: await refresh(rt),
          otherKey: await refresh(rt, { dpop: await foreignProof(tokenUrl) }),
        }));
      } else {
        if (url.pathname === '/rfc/oauth/token' && new URLSearchParams(body.toString()).get('grant_type') === 'authorization_code') {
          front.codeExchanges.push({ dpop: typeof req.headers.dpop === 'string' && req.headers.dpop.split('.').length === 3 });
        }
        const r = await upstream(front.upstreamPort, host, { method: req.method, path: req.url, headers: req.headers, body });
        if (url.pathname === '/rfc/oauth/token' && r.status === 200) {
          const rt = JSON.parse(r.body).refresh_token;
          if (rt) front.refreshTokens.push(rt);
        }
        res.writeHead(r.status, r.headers);
        res.end(r.body);
      }
    } catch (e) {
      send(500, 'text/plain', String(e));
    }
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  front.stop = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
  return front;
}

// Where each refresh token the server issued appears in what the page could read.
function placesOf(scan, tokens) {
  return tokens.map((rt) => Object.entries(scan).filter(([, v]) => v.some((s) => s.includes(rt))).map(([k]) => k));
}

// The checks of one signed-in mode, given the page's report.
async function checkSignedIn(mode, r, front, server) {
  assert.equal(r.ok, true, JSON.stringify(r));
  const dpop = mode !== 'bearer';
  assert.equal(r.tokenType, dpop ? 'DPoP' : 'Bearer');
  const stats = await server.stats();
  if (mode === 'dpop-nonce') {
    // Exactly one nonce challenge, at the code exchange (the worker's request), then none: the
    // worker's refresh and the page's resource calls (proofs the worker signed, with the nonce
    // this server gave for the origin) pass at once.
    assert.equal(stats.token.rfc.authorization_code.use_dpop_nonce, 1, JSON.stringify(stats.token));
    assert.equal(stats.token.rfc.refresh_token.use_dpop_nonce, undefined, JSON.stringify(stats.token));
    assert.deepEqual(stats.resource.rfc, { ok: 2 });
  }
  if (dpop) assert.equal(r.dpopKey, 'stored');
  assert.deepEqual([r.hasRefreshToken, r.rawRefresh, r.getTokensRefresh], [false, false, false],
    'the page never gets a refresh token');
  assert.doesNotMatch(r.url, /code=/, 'the callback cleaned the address bar');
  assert.deepEqual(r.statuses, [200, 200]);
  assert.equal(r.user, 'demo-user');
  assert.equal(r.refreshed, true);
  assert.ok(r.changes >= 4);
  const issued = front.refreshTokens;
  assert.ok(issued.length >= 2, `the server issued ${issued.length} refresh tokens`);
  const places = placesOf(r.scan, issued);
  if (mode === 'dpop-local') {
    // The stored one (the latest before the theft attempt) is in the session store only.
    assert.ok(places.every((p) => p.length === 0 || (p.length === 1 && p[0] === 'idb:oauth-spa/s')), JSON.stringify(places));
    assert.ok(places.some((p) => p.length === 1), 'the persisted session holds the refresh token');
    assert.deepEqual(r.stolen, {
      withoutProof: { status: 400, error: 'invalid_grant' }, otherKey: { status: 400, error: 'invalid_grant' },
    });
    assert.equal(r.afterTheft, true, 'the owner refreshes after the theft attempts');
    assert.equal(r.otherTab, true, 'a second vault on the store gets the same access token');
    assert.equal(r.closed, 'aborted');
  } else {
    assert.deepEqual(places, issued.map(() => []), 'no refresh token anywhere the page can read');
  }
  assert.deepEqual(r.afterSignOut, [null, ['not_signed_in', true]]);
  assert.deepEqual(r.endings, ['signOut'], 'onSignedOut once, without a reason, for signOut()');
  if (mode === 'bearer') {
    assert.deepEqual(r.failed, ['http_error', 503, true]);
    assert.deepEqual(r.errors, [['http_error', 503, true]]);
    assert.equal(r.stillThere, true);
  } else {
    assert.deepEqual(r.errors, []);
  }
  assert.equal(stats.token.rfc.authorization_code.ok, 1);
  assert.equal(stats.token.rfc.refresh_token.ok, mode === 'dpop-local' ? 2 : 1, JSON.stringify(stats.token));
  assert.ok(stats.revocations >= 2, `revocations: ${stats.revocations}`);
  const last = issued.at(-1);
  if (!dpop) {
    // Revoked: the last refresh token and access token are refused.
    assert.deepEqual(await front.refresh(last), { status: 400, error: 'invalid_grant' });
    const res = await upstream(front.upstreamPort, new URL(front.origin).host,
      { path: '/rfc/userinfo', headers: { authorization: `Bearer ${r.lastAccessToken}` } });
    assert.equal(res.status, 401);
  }
}

function checkRefusals(r) {
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.sessionStorage[0], 'invalid_argument');
  assert.match(r.sessionStorage[1], /options\.storage.*sessionStorage/);
  assert.equal(r.localWithoutDpop[0], 'invalid_argument');
  assert.match(r.localWithoutDpop[1], /options\.storage.*config\.dpop/);
  assert.equal(r.otherValue[0], 'invalid_argument');
  assert.match(r.otherValue[1], /options\.vault/);
  assert.equal(r.fullEntry[0], 'invalid_argument');
  assert.match(r.fullEntry[1], /options\.vault.*oauth-spa\/dpop/);
  assert.equal(r.badUrl[0], 'invalid_argument');
  assert.equal(r.blocked.code, 'vault_unavailable');
  assert.equal(r.blocked.isOAuthError, true);
  assert.equal(r.callbackBlocked, 'vault_unavailable');
  assert.equal(r.loginKept, true);
}

const MODES = ['bearer', 'dpop', 'dpop-local', 'dpop-nonce', 'dpop-js-worker'];

// One suite per browser: `open(url)` navigates, `click(selector)` clicks an element once it is
// there, `result()` waits for the page's report.
// `pageJs`: the browser's pages have no WebAssembly (Chromium under OAUTH_SPA_E2E_ENGINE=js).
function suite(name, pageJs, start) {
  describe(`the vault in ${name}`, () => {
    let front, plain, nonces, browser;
    before(async () => {
      front = await startFront();
      plain = await startEmbeddedServer({ origins: [front.origin] });
      nonces = await startEmbeddedServer({ origins: [front.origin], args: ['--dpop-nonce'] });
      browser = await start();
    });
    after(async () => {
      await browser?.close();
      await plain?.stop();
      await nonces?.stop();
      await front?.stop();
    });
    for (const mode of MODES) {
      test(`${mode}: signs in, refreshes in the worker, the page sees no usable refresh token`, async () => {
        const server = mode === 'dpop-nonce' ? nonces : plain;
        front.upstreamPort = server.port;
        front.workerCsp = mode === 'dpop-js-worker' ? CSP_NO_WASM : CSP;
        await server.reset();
        front.refreshTokens.length = 0;
        front.fetched.length = 0;
        await browser.open(`${front.origin}/?mode=${mode}`);
        await checkSignedIn(mode, await browser.result(), front, server);
        // The page runs WebAssembly (its policy allows it; not in Chromium under
        // OAUTH_SPA_E2E_ENGINE=js); the worker, whose own policy does not in dpop-js-worker,
        // loads the JavaScript engine (each realm fetches it, no-store; the page on both its loads).
        const fallback = front.fetched.filter((f) => f === '/pkg/oauth_spa_dpop_fallback.js').length;
        assert.equal(fallback, (pageJs ? 2 : 0) + (mode === 'dpop-js-worker' ? 1 : 0), front.fetched.join(' '));
      });
    }
    // Clicks #go on /?mode=M (a popup sign-in); resolves the page's report.
    async function popupRun(mode, pages = 2) {
      front.upstreamPort = plain.port;
      front.workerCsp = CSP;
      await plain.reset();
      front.refreshTokens.length = 0;
      front.fetched.length = 0;
      front.codeExchanges.length = 0;
      await browser.open(`${front.origin}/?mode=${mode}`);
      await browser.click('#go');
      const r = await browser.result();
      assert.equal(r.ok, true, JSON.stringify(r));
      // The page and the popup's redirect page (`pages` in all) each load the JavaScript
      // engine when the browser's pages have no WebAssembly; the worker keeps it.
      const fallback = front.fetched.filter((f) => f === '/pkg/oauth_spa_dpop_fallback.js').length;
      assert.equal(fallback, pageJs ? pages : 0, front.fetched.join(' '));
      return r;
    }
    test('popup: loginWithPopup signs in, the worker exchanges the code with a proof, the page gets no refresh token', async () => {
      const r = await popupRun('popup');
      assert.equal(r.refused, undefined, JSON.stringify(r.refused));
      assert.equal(r.tokenType, 'DPoP');
      assert.equal(r.dpopKey, 'stored');
      assert.equal(r.appState, 'from-popup');
      assert.deepEqual([r.hasRefreshToken, r.rawRefresh, r.getTokensRefresh], [false, false, false],
        'the page never gets a refresh token');
      assert.equal(r.same, true, 'getTokens() holds the TokenSet loginWithPopup resolved to');
      assert.equal(r.pending, 0, 'the pending login was consumed');
      assert.deepEqual(front.codeExchanges, [{ dpop: true }], 'one code exchange, with a DPoP proof');
      const stats = await plain.stats();
      assert.equal(stats.token.rfc.authorization_code.ok, 1, JSON.stringify(stats.token));
      assert.equal(stats.token.rfc.total, 1, `the code exchange only: ${JSON.stringify(stats.token)}`);
      assert.equal(r.status, 200, 'session.fetch with the vault\'s proof');
      assert.equal(r.user, 'demo-user');
      assert.equal(front.refreshTokens.length, 1, 'the code exchange issued a refresh token');
      assert.deepEqual(placesOf(r.scan, front.refreshTokens), [[]], 'no refresh token anywhere the page can read');
      assert.equal(r.afterSignOut, null);
    });
    test('popup: an answer with the state of another pending login is refused (unknown_state), nothing is sent', async () => {
      const r = await popupRun('popup-forged');
      assert.equal(r.refused?.code, 'unknown_state', JSON.stringify(r));
      assert.equal(r.refused.isOAuthError, true);
      // The popup's own login went with the refused answer; the other one is still pending.
      assert.deepEqual(r.pendingKeys, [`oauth-spa:tx:${r.other}`]);
      assert.equal(r.tokens, null);
      assert.deepEqual(front.codeExchanges, []);
      assert.equal((await plain.stats()).token_requests, 0);
    });
    test('popup: no answer within popupTimeoutMs → timeout, nothing pending or sent', async () => {
      const r = await popupRun('popup-stall', 1);
      assert.equal(r.refused?.code, 'timeout', JSON.stringify(r));
      assert.deepEqual(r.pendingKeys, [], 'a timed-out popup leaves no pending login');
      assert.equal(r.tokens, null);
      assert.deepEqual(front.codeExchanges, []);
      assert.equal((await plain.stats()).token_requests, 0);
    });
    test('refusals: options, the full entry, and a CSP without worker-src', async () => {
      front.upstreamPort = plain.port;
      await plain.reset();
      await browser.open(`${front.origin}/?mode=refusals`);
      checkRefusals(await browser.result());
      assert.equal((await plain.stats()).token_requests, 0);
    });
  });
}

suite('Chromium', ENGINE === 'js', async () => {
  const b = await launchBrowser();
  return {
    open: (url) => b.page.goto(url),
    click: (selector) => b.page.click(selector),
    result: async () => {
      await b.page.waitForSelector('body[data-result]', { state: 'attached', timeout: 30000 });
      const r = JSON.parse(await b.page.evaluate(() => document.body.dataset.result));
      await b.page.evaluate(() => { delete document.body.dataset.result; });
      return r;
    },
    close: () => b.close(),
  };
});

suite('Firefox', false, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-vault-firefox-'));
  await mkdir(join(dir, 'tmp'));
  const driver = await startDriver(GECKODRIVER, [], { env: { ...process.env, TMPDIR: join(dir, 'tmp') } });
  const s = await newSession(driver, { browserName: 'firefox', 'moz:firefoxOptions': { args: ['-headless'] } });
  return {
    open: (url) => s.navigate(url),
    click: (selector) => s.click(selector),
    result: async () => {
      const r = await waitForResult(s, 30000);
      await s.execute('delete document.body.dataset.result');
      return r;
    },
    close: async () => {
      await s.close().catch(() => {});
      await driver.stop();
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
});

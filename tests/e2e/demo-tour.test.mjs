// The demo's whole tour in Chromium against the embedded server with its consent page and
// 70-second access tokens (so the session's automatic refresh, 60 s before expiry, comes after
// 10 s): sign-in, automatic and manual refresh with rotation, API calls in both dialects, popup
// sign-in, sign-out with RFC 7009 revocation checked at the server, discover() for Custom; form
// errors next to their field; one attempt per panel and a truthful page after a reload; the
// server's error page and its way back; axe-core with 0 violations in light and dark themes at
// desktop and phone widths on the demo, consent and error pages; the page's wrapping. Then DPoP
// (RFC 9449) on the demo, against the embedded server demanding nonces: the option where it is
// offered, a sign-in with the nonce retry, a refresh and an API call through session.fetch, each
// proof shown decoded and compared with what reached the network, the server's counts. The
// vault (createSession(config, { vault: 'worker' })), with and without DPoP, redirect and popup:
// no refresh token the server issued (read from the worker's answers at the browser's network)
// anywhere a script of the page can read, refreshes and a revoking sign-out through the worker.
// OAUTH_SPA_DEMO_SCREENSHOTS=1 also writes the tour's screenshots to docs/ (see README).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import {
  ROOT, configure, errorShown, journalTable, openDemo, pendingTransactions, useServerAndBrowser,
  waitForState,
} from './harness.mjs';
import { paletteInPlace } from './png-palette.mjs';
import { jktOf } from './dpop-checks.mjs';

const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 740 };
const SHOTS = process.env.OAUTH_SPA_DEMO_SCREENSHOTS === '1';
const LIFETIME = 70; // --expires-in: the automatic refresh is due 70 - 60 = 10 s after sign-in

/** axe-core's violations on the page as it is now (WCAG 2.x A and AA rules, best practices). */
async function axe(page) {
  // page.evaluate runs outside the page's CSP, which allows no inline script.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
}

/** 0 violations in light and dark, at desktop and phone width; the viewport is left at desktop. */
async function axeEverywhere(page, what) {
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    for (const size of [DESKTOP, PHONE]) {
      await page.setViewportSize(size);
      const violations = await axe(page);
      assert.deepEqual(violations, [], `${what}, ${colorScheme}, ${size.width} px: ${JSON.stringify(violations, null, 1)}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(DESKTOP);
}

async function stepStatus(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#flow-steps li')]
    .map((li) => [li.dataset.step, li.dataset.status])));
}

/** The SVG's arrow groups agree with the list under the diagram. */
async function assertDiagramMatchesList(page) {
  const svg = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#flow-svg g.step')]
    .map((g) => [g.dataset.step, g.dataset.status])));
  assert.deepEqual(svg, await stepStatus(page));
}

/** With OAUTH_SPA_DEMO_SCREENSHOTS=1: docs/demo-NAME.png, the page from `from` to `to` (selectors). */
async function screenshot(page, name, size, from, to) {
  if (!SHOTS) return;
  await page.setViewportSize(size);
  const clip = await page.evaluate(([a, b]) => {
    const top = document.querySelector(a).getBoundingClientRect().top + window.scrollY - 8;
    const bottom = document.querySelector(b).getBoundingClientRect().bottom + window.scrollY + 8;
    return { x: 0, y: Math.max(0, top), width: document.documentElement.clientWidth, height: bottom - Math.max(0, top) };
  }, [from, to]);
  const file = join(ROOT, 'docs', `demo-${name}.png`);
  await page.screenshot({ path: file, fullPage: true, clip });
  const [before, after] = paletteInPlace(file, 128);
  console.log(`docs/demo-${name}.png: ${clip.width}x${Math.round(clip.height)}, ${before} B as taken, ${after} B with 128 colours`);
}

/**
 * Everything a script of the demo page can read, as one string per place: the session's
 * TokenSet (demoSession().getTokens()), the DOM's markup and text, sessionStorage,
 * localStorage, cookies and every record of every IndexedDB database.
 */
async function pageReadable(page) {
  return page.evaluate(async () => {
    const done = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
    const tokens = globalThis.demoSession()?.getTokens() ?? null;
    const out = {
      getTokens: JSON.stringify(tokens),
      dom: document.documentElement.outerHTML + document.body.innerText,
      sessionStorage: JSON.stringify({ ...sessionStorage }),
      localStorage: JSON.stringify({ ...localStorage }),
      cookie: document.cookie,
    };
    for (const { name } of await indexedDB.databases()) {
      const db = await done(indexedDB.open(name));
      for (const store of db.objectStoreNames) {
        const s = () => db.transaction(store).objectStore(store);
        out[`idb:${name}/${store}`] = JSON.stringify([await done(s().getAllKeys()), await done(s().getAll())]);
      }
      db.close();
    }
    return { out, hasRefreshToken: tokens ? 'refreshToken' in tokens : null, rawRefresh: tokens ? 'refresh_token' in (tokens.raw ?? {}) : null };
  });
}

/**
 * Watches the token endpoint's answers at the browser's network (the vault worker's requests,
 * which the page's own fetch does not see). Returns a function resolving to the refresh tokens
 * issued so far, and the requests (method, status, DPoP header) in order.
 */
function watchTokenEndpoint(context, tokenEndpoint) {
  const seen = [];
  context.on('requestfinished', (r) => {
    if (r.url() !== tokenEndpoint) return;
    seen.push(Promise.all([r.allHeaders(), r.response()]).then(async ([headers, res]) => {
      let body = null;
      try { body = await res.json(); } catch { /* not JSON */ }
      return { method: r.method(), status: res.status(), dpop: headers.dpop, nonce: (await res.allHeaders())['dpop-nonce'], body };
    }));
  });
  return async (count = 0) => {
    for (let t = 0; t < 50 && seen.length < count; t += 1) await new Promise((ok) => setTimeout(ok, 100));
    const all = await Promise.all(seen);
    return { requests: all, issued: all.map((r) => r.body?.refresh_token).filter((t) => typeof t === 'string') };
  };
}

/** No refresh token of `issued` (at least one) is anywhere the page can read. */
async function assertNoRefreshTokenReadable(page, issued, when) {
  assert.ok(issued.length > 0, `${when}: the server issued refresh tokens to look for`);
  const { out, hasRefreshToken, rawRefresh } = await pageReadable(page);
  assert.equal(hasRefreshToken, false, `${when}: session.getTokens() has no refreshToken`);
  assert.equal(rawRefresh, false, `${when}: nor a refresh_token in its raw answer`);
  for (const [place, text] of Object.entries(out)) {
    for (const token of issued) assert.ok(!text.includes(token), `${when}: a refresh token in ${place}`);
  }
}

describe('demo tour', () => {
  const fx = useServerAndBrowser({ autoApprove: false, args: ['--expires-in', String(LIFETIME)] });
  // No script error on any page of any test (console messages about refused requests are the
  // server's answers, shown on the page; uncaught exceptions are defects).
  afterEach(() => {
    assert.deepEqual(fx.browser.problems.filter((p) => p.startsWith('pageerror')), []);
  });

  async function allow(page) {
    await page.getByRole('button', { name: /allow/i }).click();
  }

  test('Ellipsis dialect: sign in, automatic refresh with rotation, the API, Refresh now, sign-out', async () => {
    const { page } = fx.browser;
    const requested = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.setViewportSize(DESKTOP);
    await openDemo(page, fx.server.origin);
    assert.ok(Object.values(await stepStatus(page)).every((s) => s === 'idle'), 'nothing lit before a sign-in');
    await axeEverywhere(page, 'demo page before a sign-in');
    await configure(page, { 'provider-local': true, 'local-flavor': 'v3', 'local-client-id': 'demo-public' });
    await page.click('#sign-in');
    await page.waitForURL((url) => url.pathname === '/v3/oauth/authorize');
    await axeEverywhere(page, 'consent page');
    await allow(page);
    assert.equal(await waitForState(page), 'signed-in', JSON.stringify(await errorShown(page)));
    const signedInAt = Date.now();

    const lit = await stepStatus(page);
    assert.deepEqual(
      { authorize: lit.authorize, consent: lit.consent, callback: lit.callback, token: lit.token, refresh: lit.refresh, revoke: lit.revoke },
      { authorize: 'done', consent: 'done', callback: 'done', token: 'done', refresh: 'idle', revoke: 'idle' });
    await assertDiagramMatchesList(page);
    assert.match(await page.textContent('#token-expiry'), /^in 1 min \d+ s/);
    assert.match(await page.textContent('#next-refresh'), /^in \d+ s .*60 s before expiry/);
    assert.match(await page.textContent('#refresh-token'), /^present: •+… \(\d+ chars, #[0-9a-f]{8}\)$/);
    const firstRefreshToken = await page.textContent('#refresh-token');
    assert.match(await page.textContent('#journal-attempt'), /^Sign-in through a redirect/);

    // The automatic refresh: the session's timer, 60 s before expiry, rotates the refresh token.
    await page.waitForSelector('#refresh-count:text-is("1")', { timeout: 30000 });
    const waited = (Date.now() - signedInAt) / 1000;
    assert.ok(waited >= 5 && waited <= 20, `refreshed after ${waited} s, due after ${LIFETIME - 60} s`);
    assert.match(await page.textContent('#refresh-summary'), /started by the timer \(automatic, before expiry\): HTTP 200.*Refresh token rotated: sent #([0-9a-f]{8}), received #(?!\1)[0-9a-f]{8}/);
    const refreshBody = await journalTable(page, 'refresh-request-params');
    assert.equal(refreshBody.grant_type, 'refresh_token');
    assert.match(refreshBody.refresh_token, /^•+… \(\d+ chars, #[0-9a-f]{8}\)$/, 'the refresh token is masked');
    const refreshAnswer = await journalTable(page, 'refresh-response');
    assert.match(refreshAnswer.refresh_token, /^•+…/);
    assert.match(refreshAnswer.access_token, /^•+…/);
    assert.notEqual(await page.textContent('#refresh-token'), firstRefreshToken, 'the page holds the rotated token');
    assert.equal((await stepStatus(page)).refresh, 'done');
    assert.match(await page.textContent('#token-expiry'), /^in 1 min \d+ s/, 'a new access token, a new expiry');

    // The API (the Ellipsis dialect's /v3/account) with the Bearer token.
    await page.click('#call-api');
    await page.waitForSelector('#flow-steps li[data-step=api][data-status=done]');
    assert.equal(await page.textContent('#api-request-line'), `GET ${fx.server.origin}/v3/account`);
    const apiHeaders = await journalTable(page, 'api-request-headers');
    assert.match(apiHeaders.authorization, /^Bearer •+… \(\d+ chars\)$/);
    assert.match(apiHeaders.dpop, /^\(none: no DPoP proof, DPoP is off/, 'a clear place for DPoP, and no fake proof');
    assert.equal(await page.isVisible('#dpop-api'), false, 'no proof shown for a request without one');
    assert.equal(await page.textContent('#api-label'), '7 Bearer → account');
    assert.equal(await page.isVisible('#dpop'), false, 'DPoP is not offered for the Ellipsis dialect');
    assert.equal((await stepStatus(page)).dpop, 'idle');
    assert.match(await page.textContent('#token-key'), /^no: a Bearer token/);
    const apiAnswer = await journalTable(page, 'api-response');
    assert.equal(apiAnswer['HTTP status'], '200');
    assert.equal(apiAnswer.sub, 'demo-user');
    assert.equal(apiAnswer.client_id, 'demo-public');

    // Each step links to its panel entry and to the library's lines that did it, which are
    // those of the sources (scripts/demo-snippets.mjs --check fails when they moved).
    execFileSync(process.execPath, [join(ROOT, 'scripts/demo-snippets.mjs'), '--check'], { stdio: 'pipe' });
    const links = await page.evaluate(() => [...document.querySelectorAll('#flow-steps li[data-step=token] a')]
      .map((a) => [a.textContent, a.getAttribute('href'), Boolean(document.querySelector(a.getAttribute('href')))]));
    assert.deepEqual(links, [['on the wire', '#j-token', true], ['library code', '#code-token', true], ['with the vault', '#code-vault', true]]);
    const dangling = await page.evaluate(() => [...document.querySelectorAll('#flow-steps a')]
      .map((a) => a.getAttribute('href')).filter((href) => !document.querySelector(href)));
    assert.deepEqual(dangling, [], 'every link of the steps has its target');
    await page.click('#flow-steps li[data-step=token] a[href="#code-token"]');
    assert.match(await page.textContent('#code-token'), /src\/core\/token\.rs: token_request[\s\S]*pub fn token_request/);
    const source = readFileSync(join(ROOT, 'src/core/token.rs'), 'utf8');
    assert.ok(source.includes((await page.textContent('#code-token pre')).split('\n')[1]), 'the lines are the source\'s');

    // Every panel is full now: the accessibility checks and the screenshots of the tour.
    await axeEverywhere(page, 'demo page, signed in');
    await screenshot(page, 'desktop-session', DESKTOP, '#status', '#flow');
    await screenshot(page, 'desktop-wire', DESKTOP, '#journal-refresh', '#journal-api');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'phone-dark', PHONE, '#status', '#flow');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(PHONE);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling at 360 px');
    await page.setViewportSize(DESKTOP);

    // Refresh now: a forced refresh, rotated again. (The timer keeps refreshing every 10 s, so
    // the count may have moved on since.)
    const before = Number(await page.textContent('#refresh-count'));
    await page.click('#refresh-now');
    await page.waitForFunction((n) => Number(document.getElementById('refresh-count').textContent) > n
      && /started by “Refresh now”/.test(document.getElementById('refresh-summary').textContent), before);
    assert.match(await page.textContent('#refresh-summary'), /started by “Refresh now”: HTTP 200.*rotated/);
    const refreshes = Number(await page.textContent('#refresh-count'));
    const stats = await fx.server.stats();
    assert.equal(stats.token.v3.refresh_token.ok, refreshes,
      `every refresh the page counted, and no other, at the server: ${JSON.stringify(stats.token)}`);

    // Sign-out: the Ellipsis dialect has no revocation endpoint, and the page says so.
    await page.click('#sign-out');
    assert.equal(await waitForState(page, ['ready']), 'ready');
    assert.match(await page.textContent('#revoke-summary'), /no revocation endpoint/);
    assert.equal(await page.isVisible('#journal-body'), false, 'the sign-in attempt is cleared');
    assert.equal((await stepStatus(page)).token, 'idle', 'the diagram shows the sign-out alone');
    assert.equal((await fx.server.stats()).revocations, 0);
    assert.deepEqual(requested.filter((u) => !u.startsWith(`${fx.server.origin}/`)), [], 'no external requests');
  });

  test('the vault: the refresh token stays in the worker; refreshes, the API and a revoking sign-out through the session', async () => {
    const { page, context } = fx.browser;
    const meta = await (await fetch(`${fx.server.origin}/rfc/.well-known/oauth-authorization-server`)).json();
    const tokenEndpoint = watchTokenEndpoint(context, meta.token_endpoint);
    await page.setViewportSize(DESKTOP);
    await openDemo(page, fx.server.origin);
    // Offered for every server (the vault needs no DPoP).
    const option = page.getByRole('checkbox', { name: 'Keep the refresh token in a worker (vault)' });
    for (const settings of [{ 'provider-local': true, 'local-flavor': 'v3' }, { 'provider-ellipsis': true }, { 'provider-custom': true }]) {
      await configure(page, settings);
      assert.equal(await option.isVisible(), true, JSON.stringify(settings));
    }
    await configure(page, { 'provider-local': true, 'local-flavor': 'rfc', 'local-client-id': 'demo-public', vault: true });
    await page.click('#sign-in');
    await page.waitForURL((url) => url.pathname === '/rfc/oauth/authorize');
    await allow(page);
    assert.equal(await waitForState(page), 'signed-in', JSON.stringify(await errorShown(page)));
    const signedInAt = Date.now();

    // The code exchange went from the worker (the page's journal did not see it, and says so).
    let wire = await tokenEndpoint(1);
    assert.deepEqual(wire.requests.map((r) => [r.method, r.status, r.body?.token_type]), [['POST', 200, 'Bearer']]);
    assert.equal(await page.textContent('#token-request-line'),
      `POST ${meta.token_endpoint}: sent by the vault worker; this page never held the refresh token (nor sees the worker's requests)`);
    assert.equal(await page.isVisible('#token-request-params'), false, 'no request body shown that the page did not see');
    const answer = await journalTable(page, 'token-response');
    assert.equal(answer.refreshToken, 'not in the TokenSet this page got: the vault worker keeps it');
    assert.ok(!answer['raw: its members'].split(', ').includes('refresh_token'), answer['raw: its members']);
    assert.match(answer.accessToken, /^•+… \(\d+ chars, #[0-9a-f]{8}\)$/, 'masked');
    assert.equal((await stepStatus(page)).token, 'done');
    assert.equal(await page.isVisible('#vault-note'), true);
    assert.equal(await page.isVisible('#session-note'), false, 'no claim that the tokens live in this page');
    assert.match(await page.textContent('#refresh-token'),
      /^held by the vault worker, not by this page: session\.getTokens\(\) has no refreshToken \(its members: accessToken, tokenType, .*raw\)$/);
    assert.ok(!(await page.textContent('#refresh-token')).includes('refreshToken,'), 'the members listed are the real ones');
    await assertNoRefreshTokenReadable(page, wire.issued, 'after the sign-in');
    const firstAccess = await page.evaluate(() => demoSession().getTokens().accessToken);

    // The automatic refresh (60 s before expiry: 10 s after the sign-in), in the worker.
    await page.waitForSelector('#refresh-count:text-is("1")', { timeout: 30000 });
    const waited = (Date.now() - signedInAt) / 1000;
    assert.ok(waited >= 5 && waited <= 20, `refreshed after ${waited} s, due after ${LIFETIME - 60} s`);
    assert.match(await page.textContent('#refresh-summary'),
      /^At .*, started by the timer \(automatic, before expiry\): sent by the vault worker; this page never held the refresh token\. /);
    assert.equal(await page.textContent('#refresh-request-line'), `POST ${meta.token_endpoint}: from the vault worker, not seen by this page`);
    assert.equal(await page.isVisible('#refresh-request-params'), false);
    assert.notEqual(await page.evaluate(() => demoSession().getTokens().accessToken), firstAccess, 'a new access token');
    // Refresh now: getAccessToken({ forceRefresh: true }) through the vault.
    const before = Number(await page.textContent('#refresh-count'));
    const accessBefore = await page.evaluate(() => demoSession().getTokens().accessToken);
    await page.click('#refresh-now');
    await page.waitForFunction((n) => Number(document.getElementById('refresh-count').textContent) > n
      && /started by “Refresh now”/.test(document.getElementById('refresh-summary').textContent), before);
    assert.match(await page.textContent('#session-result'), /^Refreshed by “Refresh now”, in the vault worker: this page got a new access token, and no refresh token\.$/);
    assert.notEqual(await page.evaluate(() => demoSession().getTokens().accessToken), accessBefore);
    const refreshes = Number(await page.textContent('#refresh-count'));
    wire = await tokenEndpoint(1 + refreshes);
    const stats = await fx.server.stats();
    assert.equal(stats.token.rfc.refresh_token.ok, refreshes, `every refresh the page counted, and no other: ${JSON.stringify(stats.token)}`);
    assert.equal(wire.issued.length, 1 + refreshes, 'each refresh rotated the refresh token (seen on the network)');
    await assertNoRefreshTokenReadable(page, wire.issued, 'after the refreshes');

    // The API through session.fetch: the page sends it (and shows it), with the worker's token.
    await page.click('#call-api');
    await page.waitForSelector('#flow-steps li[data-step=api][data-status=done]');
    assert.match((await journalTable(page, 'api-request-headers')).authorization, /^Bearer •+… \(\d+ chars\)$/);
    assert.equal((await journalTable(page, 'api-response')).sub, 'demo-user');
    await axeEverywhere(page, 'demo page, signed in with the vault');
    // The code an app writes for it: this page's own, as in www/app.js (--check: not stale).
    execFileSync(process.execPath, [join(ROOT, 'scripts/demo-snippets.mjs'), '--check'], { stdio: 'pipe' });
    await page.click('#flow-steps li[data-step=token] a[href="#code-vault"]');
    assert.match(await page.textContent('#code-vault'), /www\/app\.js: vaultCallback[\s\S]*createSession\(config, \{ vault: 'worker'[\s\S]*vault\.handleCallback\(\)/);
    for (const [id, file] of [['code-vault', 'www/app.js'], ['code-vault-worker', 'js/vault-worker.js']]) {
      const source = readFileSync(join(ROOT, file), 'utf8');
      const lines = (await page.textContent(`#${id} pre`)).split('\n');
      assert.ok(lines.length > 5 && lines.every((l) => source.includes(l)), `${id}: the lines of ${file}`);
    }
    await assertNoRefreshTokenReadable(page, wire.issued, 'after the API call');

    // Sign-out through the vault: the worker revokes both tokens (the server counts them).
    const lastAccess = await page.evaluate(() => demoSession().getTokens().accessToken);
    const lastRefresh = (await tokenEndpoint()).issued.at(-1);
    await page.click('#sign-out');
    assert.equal(await waitForState(page, ['ready']), 'ready');
    assert.match(await page.textContent('#revoke-summary'),
      /^The vault worker revoked both tokens at .*\/rfc\/oauth\/revoke \(RFC 7009\), the refresh token first, then the access token: it sent the requests, so this page cannot show them/);
    assert.equal(await page.isVisible('#revoke-requests'), false, 'no table of requests the page did not see');
    assert.equal((await stepStatus(page)).revoke, 'done');
    assert.equal((await fx.server.stats()).revocations, 2);
    assert.equal((await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${lastAccess}` } })).status, 401,
      'the access token is dead at the server');
    const refused = await fetch(meta.token_endpoint, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: lastRefresh, client_id: 'demo-public' }),
    });
    assert.deepEqual([refused.status, (await refused.json()).error], [400, 'invalid_grant'], 'and so is the refresh token');
    assert.equal(await page.evaluate(() => demoSession()), null);
    assert.ok(!(await page.content()).includes(lastAccess), 'the access token is gone from the page');
  });

  test('the vault in a popup: session.loginWithPopup, the worker\'s code exchange, no refresh token in the page, a reload', async () => {
    const { page, context } = fx.browser;
    const meta = await (await fetch(`${fx.server.origin}/rfc/.well-known/oauth-authorization-server`)).json();
    const tokenEndpoint = watchTokenEndpoint(context, meta.token_endpoint);
    await openDemo(page, fx.server.origin);
    await configure(page, { 'provider-local': true, 'local-flavor': 'rfc', 'local-client-id': 'demo-public', vault: true });
    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#sign-in-popup')]);
    await popup.waitForURL((url) => url.pathname === '/rfc/oauth/authorize');
    await allow(popup);
    assert.equal(await waitForState(page, ['signed-in', 'error']), 'signed-in', JSON.stringify(await errorShown(page)));
    assert.match(await page.textContent('#journal-attempt'), /^Sign-in in a popup/);
    assert.equal((await journalTable(page, 'callback-params')).iss, meta.issuer);
    assert.match(await page.textContent('#token-request-line'), /: sent by the vault worker; this page never held the refresh token/);
    assert.equal(await page.textContent('#token-app-state'), 'popup');
    assert.deepEqual(await pendingTransactions(page), []);
    const seen = await tokenEndpoint(1);
    assert.deepEqual(seen.requests.map((r) => r.status), [200]);
    await assertNoRefreshTokenReadable(page, seen.issued, 'after the popup sign-in');
    // A reload ends the worker with the page: the page says where the tokens were.
    await page.reload();
    assert.equal(await waitForState(page, ['ready', 'signed-in', 'error']), 'ready');
    assert.match(await page.textContent('#status'), /reloaded, so it is signed out: the last sign-in's tokens lived in the vault worker's memory only/);
    assert.equal(await page.evaluate(() => demoSession()), null);
  });

  test('strict RFC 6749: popup sign-in, the userinfo API, sign-out with RFC 7009 revocation', async () => {
    const { page, context } = fx.browser;
    await openDemo(page, fx.server.origin);
    await configure(page, { 'provider-local': true, 'local-flavor': 'rfc', 'local-client-id': 'demo-public' });
    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#sign-in-popup')]);
    await popup.waitForURL((url) => url.pathname === '/rfc/oauth/authorize');
    assert.equal(new URL(page.url()).pathname, '/', 'the app page stays where it is');
    await allow(popup);
    assert.equal(await waitForState(page, ['signed-in', 'error']), 'signed-in', JSON.stringify(await errorShown(page)));
    if (!popup.isClosed()) await popup.waitForEvent('close');
    assert.match(await page.textContent('#journal-attempt'), /^Sign-in in a popup/);
    const lit = await stepStatus(page);
    assert.equal(lit.authorize, 'done');
    assert.equal(lit.callback, 'done');
    assert.equal(lit.token, 'done');
    const callback = await journalTable(page, 'callback-params');
    const meta = await (await fetch(`${fx.server.origin}/rfc/.well-known/oauth-authorization-server`)).json();
    assert.equal(callback.iss, meta.issuer);
    assert.match(callback.code, /^•+…/);
    assert.equal((await journalTable(page, 'token-request-params')).grant_type, 'authorization_code');
    assert.deepEqual(await pendingTransactions(page), []);

    await page.click('#reveal-token');
    const accessToken = (await page.textContent('#access-token')).trim();
    const userinfo = `${fx.server.origin}/rfc/userinfo`;
    const asApi = () => fetch(userinfo, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal((await asApi()).status, 200, 'the token works before the sign-out');

    await page.click('#call-api');
    await page.waitForSelector('#flow-steps li[data-step=api][data-status=done]');
    assert.equal(await page.textContent('#api-request-line'), `GET ${userinfo}`);
    assert.equal((await journalTable(page, 'api-response')).sub, 'demo-user');

    // A form error while signed in clears the panel but not the session, which keeps refreshing.
    await page.fill('#local-client-id', '');
    await page.click('#sign-in');
    assert.match(await page.textContent('.field-error'), /^Client id is empty/);
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'signed-in');
    await page.waitForSelector('#journal-refresh:not([hidden])', { timeout: 30000 });
    assert.match(await page.textContent('#refresh-summary'), /started by the timer .*HTTP 200.*rotated/);
    assert.match(await page.textContent('#journal-attempt'), /^The session/);

    await page.click('#sign-out');
    assert.equal(await waitForState(page, ['ready']), 'ready');
    assert.match(await page.textContent('#revoke-summary'), /^Both tokens revoked at .*\/rfc\/oauth\/revoke \(RFC 7009\)/);
    const revoked = await journalTable(page, 'revoke-requests');
    assert.deepEqual(Object.keys(revoked).map((k) => k.split(' ')[0]), ['refresh_token', 'access_token'], JSON.stringify(revoked));
    assert.deepEqual(Object.values(revoked), ['HTTP 200', 'HTTP 200']);
    assert.equal((await stepStatus(page)).revoke, 'done');
    const stats = await fx.server.stats();
    assert.equal(stats.revocations, 2, JSON.stringify(stats.revoke));
    assert.equal((await asApi()).status, 401, 'the access token is dead at the server');
    assert.ok(!(await page.content()).includes(accessToken), 'and gone from the page');
  });

  test('Custom: discover() fills in the form, then a sign-in and a revoking sign-out', async () => {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    const meta = await (await fetch(`${fx.server.origin}/rfc/.well-known/oauth-authorization-server`)).json();
    await configure(page, {
      'provider-custom': true, 'custom-issuer': meta.issuer, 'custom-client-id': 'demo-public',
      'custom-scope': 'projects', 'custom-authorization-endpoint': '', 'custom-token-endpoint': '',
      'custom-revocation-endpoint': '', 'custom-api-url': '',
    });
    await page.click('#custom-discover');
    await page.waitForSelector('#custom-discover-result:has-text("Filled in")');
    assert.equal(await page.inputValue('#custom-authorization-endpoint'), meta.authorization_endpoint);
    assert.equal(await page.inputValue('#custom-token-endpoint'), meta.token_endpoint);
    assert.equal(await page.inputValue('#custom-revocation-endpoint'), meta.revocation_endpoint);
    assert.equal(await page.inputValue('#custom-api-url'), meta.userinfo_endpoint);
    assert.equal(await page.isChecked('#custom-iss-required'), true);
    const tried = await journalTable(page, 'discover-tried');
    assert.deepEqual(Object.values(tried), ['HTTP 200'], JSON.stringify(tried));
    assert.ok(Object.keys(tried)[0].includes('/.well-known/oauth-authorization-server'));
    assert.equal((await stepStatus(page)).discover, 'done');

    await page.click('#sign-in');
    await page.waitForURL((url) => url.pathname === '/rfc/oauth/authorize');
    await allow(page);
    assert.equal(await waitForState(page), 'signed-in', JSON.stringify(await errorShown(page)));
    await page.click('#call-api');
    await page.waitForSelector('#flow-steps li[data-step=api][data-status=done]');
    await page.click('#sign-out');
    await waitForState(page, ['ready']);
    assert.deepEqual(Object.values(await journalTable(page, 'revoke-requests')), ['HTTP 200', 'HTTP 200']);
    assert.equal((await fx.server.stats()).revocations, 2);
  });

  test('form errors sit next to their field, in the form\'s words, with the focus there; nothing stale in the panel', async () => {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    const fieldError = async (id) => page.evaluate((inputId) => {
      const input = document.getElementById(inputId);
      const described = (input.getAttribute('aria-describedby') ?? '').split(' ').map((d) => document.getElementById(d)?.textContent ?? '');
      return {
        invalid: input.getAttribute('aria-invalid'),
        focused: document.activeElement === input,
        next: input.nextElementSibling?.classList.contains('field-error') ? input.nextElementSibling.textContent : null,
        described: described.join(' | '),
        errorPanel: !document.getElementById('error-panel').hidden,
        journal: !document.getElementById('journal-empty').hidden,
      };
    }, id);

    // An empty client id.
    await configure(page, { 'provider-local': true, 'local-flavor': 'v3', 'local-client-id': '' });
    await page.click('#sign-in');
    let shown = await fieldError('local-client-id');
    assert.equal(shown.invalid, 'true');
    assert.ok(shown.focused, 'the focus moved to the field');
    assert.match(shown.next, /^Client id is empty/);
    assert.ok(shown.described.includes(shown.next), 'the field is described by its error');
    assert.equal(shown.errorPanel, false);
    // Typing clears it.
    await page.fill('#local-client-id', 'demo-public');
    assert.equal((await fieldError('local-client-id')).invalid, null);

    // Custom: an http endpoint on a public host (the library's insecure_endpoint), after a
    // discovery attempt whose panel must not stay above it.
    await configure(page, {
      'provider-custom': true, 'custom-issuer': 'not a URL', 'custom-client-id': 'x',
      'custom-authorization-endpoint': 'http://as.example/authorize', 'custom-token-endpoint': 'https://as.example/token',
    });
    await page.click('#custom-discover');
    shown = await fieldError('custom-issuer');
    assert.match(shown.next, /^Issuer /);
    assert.ok(!/config\.|options\.|Failed to construct/.test(shown.next), shown.next);
    assert.ok(shown.focused);
    await page.fill('#custom-issuer', '');
    await page.click('#sign-in');
    shown = await fieldError('custom-authorization-endpoint');
    assert.equal(shown.next, 'Authorization endpoint must use https (http only on localhost, 127.0.0.0/8, [::1])');
    assert.ok(shown.focused);
    assert.equal(shown.errorPanel, false, 'no error panel for a form error');
    assert.equal(shown.journal, true, 'the panel is empty: nothing was sent');
    assert.equal(await page.isVisible('#journal-body'), false);
    assert.equal((await fx.server.stats()).authorize_requests, 0);
    await axeEverywhere(page, 'demo page with a form error');
  });

  test('one attempt per panel; after a reload and after a replay the page says what happened', async () => {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    await configure(page, { 'provider-local': true, 'local-flavor': 'v3', 'local-client-id': 'demo-public', 'clean-url': false });
    await page.click('#sign-in');
    await page.waitForURL((url) => url.pathname === '/v3/oauth/authorize');
    await allow(page);
    assert.equal(await waitForState(page), 'signed-in');
    const callbackUrl = page.url();
    assert.match(callbackUrl, /[?&]code=/);
    assert.equal((await journalTable(page, 'token-response'))['HTTP status'], '200');
    assert.deepEqual(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('oauth-spa-demo.attempt.'))), [],
      'the attempt no longer waits once its login is used');

    // A replay of the callback: a new attempt of its own, without the old exchange's figures.
    await page.goto(callbackUrl);
    assert.equal(await waitForState(page), 'error');
    assert.equal((await errorShown(page)).code, 'unknown_state');
    assert.match(await page.textContent('#journal-attempt'), /not waiting for/);
    const timings = await journalTable(page, 'timings');
    assert.ok(!('token request (network)' in timings), JSON.stringify(timings));
    assert.ok(!('at the authorization server (redirect to redirect back)' in timings));
    assert.equal(await page.textContent('#token-request-line'), 'not sent');
    assert.deepEqual(await journalTable(page, 'token-response'), {});
    assert.equal((await stepStatus(page)).callback, 'failed');

    // Signed in again, then a reload: signed out, and the page says why; no 200 left on show.
    await configure(page, { 'clean-url': true });
    await page.click('#sign-in');
    await page.waitForURL((url) => url.pathname === '/v3/oauth/authorize');
    await allow(page);
    assert.equal(await waitForState(page), 'signed-in');
    await page.reload();
    assert.equal(await waitForState(page, ['ready', 'signed-in', 'error']), 'ready');
    assert.match(await page.textContent('#status'), /reloaded, so it is signed out.*memory only/);
    assert.equal(await page.isVisible('#tokens'), false);
    assert.equal(await page.isVisible('#journal-body'), false);
    assert.ok(Object.values(await stepStatus(page)).every((s) => s === 'idle'));
  });

  test('an unknown client id: the server\'s error page names the client id and leads back to the demo', async () => {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    await configure(page, { 'provider-local': true, 'local-flavor': 'v3', 'local-client-id': 'nobody' });
    await page.click('#sign-in');
    await page.waitForURL((url) => url.pathname === '/v3/oauth/authorize');
    const text = await page.textContent('main');
    assert.match(text, /No application is registered with client_id "nobody"[\s\S]*Check the client id/);
    assert.ok(!/return to is not one registered/.test(text), 'the redirect address is not blamed');
    await axeEverywhere(page, 'error page');
    await page.getByRole('link', { name: 'Back to the demo page' }).click();
    assert.equal(await waitForState(page, ['ready']), 'ready');
    assert.match(await page.textContent('#status'), /still pending/, 'the unanswered sign-in is reported');
  });

  test('wrapping: the checkbox label is one column, and no short word breaks on a phone', async () => {
    const { page } = fx.browser;
    await page.setViewportSize(PHONE);
    await openDemo(page, fx.server.origin);
    await configure(page, { 'provider-custom': true });
    const label = await page.evaluate(() => {
      const span = document.querySelector('label[for=custom-iss-required], #custom-iss-required').closest('label').querySelector('span');
      return { width: span.getBoundingClientRect().width, lines: Math.round(span.getBoundingClientRect().height / parseFloat(getComputedStyle(span).lineHeight)) };
    });
    assert.ok(label.width > 240, `the label's text has the row's width: ${JSON.stringify(label)}`);
    assert.ok(label.lines <= 6, JSON.stringify(label));
    await configure(page, { 'provider-local': true, 'local-flavor': 'v3', 'local-client-id': 'demo-public' });
    await page.click('#sign-in');
    await page.waitForURL((url) => url.pathname === '/v3/oauth/authorize');
    await allow(page);
    assert.equal(await waitForState(page), 'signed-in');
    // Each piece between break points (<wbr> after / ? & = _ . : ,) shorter than 24 characters
    // sits on one line: "authorization_code" may wrap after "_", never inside "code".
    const broken = await page.evaluate(() => {
      const out = [];
      const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const words = node.textContent.split(/\s+/).filter(Boolean);
        if (!node.parentElement.closest('table, dl, .url') || node.parentElement.closest('[hidden]')) continue;
        // A hyphen is a break point of its own ("SHA-256" may wrap after "SHA-").
        if (words.length !== 1 || words[0].length >= 24 || words[0].includes('-')) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) out.push(node.textContent);
      }
      return out;
    });
    assert.deepEqual(broken, []);
  });
});

// The proof a request carried, as the server received it: [JOSE header, claims, signature].
function decodeProof(jws) {
  const [h, c, sig] = jws.split('.');
  return [JSON.parse(Buffer.from(h, 'base64url')), JSON.parse(Buffer.from(c, 'base64url')), sig];
}

/** The proof table `id` shows exactly the proof `jws` (signature masked) and its checks passed. */
async function assertProofShown(page, id, jws, request) {
  const shown = await journalTable(page, id);
  const [header, claims, sig] = decodeProof(jws);
  assert.equal(shown['header.typ'], 'dpop+jwt');
  assert.equal(shown['header.typ'], header.typ);
  assert.equal(shown['header.alg'], 'ES256');
  assert.deepEqual(JSON.parse(shown['header.jwk']), header.jwk);
  assert.deepEqual(Object.keys(header.jwk).sort(), ['crv', 'kty', 'x', 'y'], 'the public key only');
  for (const name of ['jti', 'htm', 'htu', 'ath', 'nonce']) {
    assert.equal(shown[`claims.${name}`], claims[name], `${id}: claims.${name}`);
  }
  assert.ok(shown['claims.iat'].startsWith(`${claims.iat} (`), shown['claims.iat']);
  assert.equal(claims.htm, request.method, 'htm is the request\'s method');
  assert.equal(claims.htu, request.url.split('?')[0], 'htu is the request\'s URL');
  assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 120, `iat ${claims.iat} is now`);
  assert.match(shown.signature, /^•+… \(86 chars\): ES256/);
  assert.ok(!shown.signature.includes(sig.slice(0, 8)), 'the signature is masked');
  assert.match(shown['check: htm'], /^equals/);
  assert.match(shown['check: htu'], /^equals/);
  return { shown, header, claims };
}

describe('demo tour with DPoP (RFC 9449), the server demanding nonces', () => {
  const fx = useServerAndBrowser({ autoApprove: false, args: ['--dpop-nonce'] });
  afterEach(() => {
    assert.deepEqual(fx.browser.problems.filter((p) => p.startsWith('pageerror')), []);
  });

  /**
   * Every request of `page`, with its headers and its answer's status and DPoP-Nonce, in order.
   * The returned function resolves them; given a URL and a count, it first waits (up to 5 s)
   * until that many requests to the URL have finished, since Playwright's events may arrive
   * after the page has shown the answer.
   */
  function wire(page) {
    const seen = [];
    page.on('requestfinished', (r) => {
      seen.push(Promise.all([r.allHeaders(), r.response()]).then(async ([h, res]) => ({
        method: r.method(), url: r.url(), dpop: h.dpop, authorization: h.authorization,
        status: res?.status(), nonce: (await res?.allHeaders())?.['dpop-nonce'],
      })));
    });
    return async (url, count = 0) => {
      for (let t = 0; t < 50 && (await Promise.all(seen)).filter((r) => r.url === url).length < count; t += 1) {
        await new Promise((r) => setTimeout(r, 100));
      }
      return Promise.all(seen);
    };
  }

  test('strict RFC 6749: the option, sign-in with the nonce retry, refresh, the API via session.fetch, each proof shown', async () => {
    const { page } = fx.browser;
    const requests = wire(page);
    const requested = []; // every request made, answered or not
    page.on('request', (r) => requested.push(r.url()));
    await page.setViewportSize(DESKTOP);
    await openDemo(page, fx.server.origin);
    const meta = await (await fetch(`${fx.server.origin}/rfc/.well-known/oauth-authorization-server`)).json();
    assert.deepEqual(meta.dpop_signing_alg_values_supported, ['ES256']);

    // Offered where the server may have DPoP: the strict RFC server and Custom, not Ellipsis.
    const option = page.getByRole('checkbox', { name: 'Bind the tokens to a key in this browser (DPoP)' });
    for (const [settings, visible] of [
      [{ 'provider-local': true, 'local-flavor': 'v3' }, false],
      [{ 'provider-ellipsis': true }, false],
      [{ 'provider-custom': true }, true],
      [{ 'provider-local': true, 'local-flavor': 'rfc', 'local-client-id': 'demo-public' }, true],
    ]) {
      await configure(page, settings);
      assert.equal(await option.isVisible(), visible, JSON.stringify(settings));
    }
    // From the keyboard: Tab reaches it after the client fields, Space ticks it.
    await page.focus('#local-client-id');
    for (let i = 0; i < 5 && await page.evaluate(() => document.activeElement?.id) !== 'dpop'; i += 1) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'dpop');
    await page.keyboard.press('Space');
    assert.equal(await option.isChecked(), true);
    await axeEverywhere(page, 'demo page with the DPoP option');

    await page.click('#sign-in');
    await page.waitForURL((url) => url.pathname === '/rfc/oauth/authorize');
    await page.getByRole('button', { name: /allow/i }).click();
    assert.equal(await waitForState(page), 'signed-in', JSON.stringify(await errorShown(page)));
    assert.equal(await page.textContent('#token-type'), 'DPoP');
    assert.match(await page.textContent('#token-key'), /^yes \(DPoP\): to a key kept in this browser's IndexedDB/);
    assert.equal((await journalTable(page, 'token-response')).token_type, 'DPoP');

    // The token request: refused once for want of a nonce, then sent again with it.
    const tokenCalls = (await requests(meta.token_endpoint, 2)).filter((r) => r.url === meta.token_endpoint);
    assert.deepEqual(tokenCalls.map((r) => [r.method, r.status, Boolean(r.dpop)]), [['POST', 400, true], ['POST', 200, true]]);
    const serverNonce = tokenCalls[0].nonce;
    assert.ok(serverNonce, 'the 400 carried a DPoP-Nonce');
    assert.equal(decodeProof(tokenCalls[0].dpop)[1].nonce, undefined, 'the first proof had no nonce');
    // The demo loads the key before startLogin (prepareDpop): the authorization request bound
    // the code to it, dpop_jkt being the thumbprint of the key that signs the proofs (RFC 9449 §10).
    assert.equal((await journalTable(page, 'authorize-params')).dpop_jkt, jktOf(decodeProof(tokenCalls[0].dpop)[0].jwk));
    assert.equal(await page.textContent('#token-dpop-challenge'),
      `The server demanded a nonce (RFC 9449 §8): the first request, whose proof carried no nonce, was answered HTTP 400 use_dpop_nonce with DPoP-Nonce: ${serverNonce}. `
      + 'The library sent it once more with a new proof carrying that nonce: the proof below.');
    assert.match((await journalTable(page, 'token-request-headers')).dpop, /^a JWT of \d+ chars, decoded below/);
    const token = await assertProofShown(page, 'token-dpop-proof', tokenCalls[1].dpop, tokenCalls[1]);
    assert.equal(token.claims.nonce, serverNonce);
    assert.equal(token.claims.ath, undefined, 'no ath at the token endpoint');
    let stats = await fx.server.stats();
    assert.equal(stats.token.rfc.authorization_code.use_dpop_nonce, 1, JSON.stringify(stats.token));
    assert.equal(stats.token.rfc.authorization_code.ok, 1);
    let lit = await stepStatus(page);
    assert.equal(lit.dpop, 'done');
    assert.match(await page.textContent('#flow-steps li[data-step=dpop] .status'), /^\(done: 2 proofs sent, 1 sent again with the server's nonce\)$/);
    await assertDiagramMatchesList(page);

    // Refresh now: a proof of the same key, with the nonce the page remembered.
    await page.click('#refresh-now');
    await page.waitForSelector('#refresh-count:text-is("1")');
    const refreshCall = (await requests(meta.token_endpoint, 3)).filter((r) => r.url === meta.token_endpoint).at(-1);
    assert.equal(refreshCall.status, 200);
    const refresh = await assertProofShown(page, 'refresh-dpop-proof', refreshCall.dpop, refreshCall);
    assert.deepEqual(refresh.header.jwk, token.header.jwk, 'the same key');
    assert.notEqual(refresh.claims.jti, token.claims.jti);
    assert.equal(await page.isVisible('#refresh-dpop-challenge'), false, 'no demand: the nonce was remembered');
    assert.equal((await journalTable(page, 'refresh-response')).token_type, 'DPoP');
    assert.match((await journalTable(page, 'refresh-request-headers')).dpop, /^a JWT of/);

    // The API through session.fetch: Authorization DPoP (masked) and a proof with ath.
    await page.click('#call-api');
    await page.waitForSelector('#flow-steps li[data-step=api][data-status=done]');
    const apiCall = (await requests(meta.userinfo_endpoint, 1)).filter((r) => r.url === meta.userinfo_endpoint).at(-1);
    assert.equal(apiCall.status, 200);
    const headers = await journalTable(page, 'api-request-headers');
    assert.match(headers.authorization, /^DPoP •+… \(\d+ chars\)$/);
    const accessToken = apiCall.authorization.replace(/^DPoP /, '');
    assert.ok(!headers.authorization.includes(accessToken.slice(0, 8)), 'the token is masked');
    const api = await assertProofShown(page, 'api-dpop-proof', apiCall.dpop, apiCall);
    assert.equal(api.claims.ath, createHash('sha256').update(accessToken).digest('base64url'), 'ath is the hash of the token sent');
    assert.match(api.shown['check: ath'], /^equals BASE64URL\(SHA-256/);
    assert.deepEqual(api.header.jwk, token.header.jwk);
    const answer = await journalTable(page, 'api-response');
    assert.equal(answer['HTTP status'], '200');
    assert.equal(answer.sub, 'demo-user');
    stats = await fx.server.stats();
    assert.equal(stats.resource.rfc.ok, 1, JSON.stringify(stats.resource));
    assert.equal(stats.token.rfc.refresh_token.ok, 1, JSON.stringify(stats.token));
    assert.match(await page.textContent('#flow-steps li[data-step=dpop] .status'), /^\(done: \d+ proofs sent/);
    assert.equal(await page.textContent('#api-label'), '7 DPoP → account');

    // The library lines that made the proof, as in the sources.
    execFileSync(process.execPath, [join(ROOT, 'scripts/demo-snippets.mjs'), '--check'], { stdio: 'pipe' });
    await page.click('#flow-steps li[data-step=dpop] a[href="#code-dpop"]');
    assert.match(await page.textContent('#code-dpop'), /src\/core\/dpop\.rs: signing_input[\s\S]*pub fn signing_input/);
    const source = readFileSync(join(ROOT, 'src/core/dpop.rs'), 'utf8');
    for (const id of ['code-dpop', 'code-dpop-nonce', 'code-dpop-type']) {
      const lines = (await page.textContent(`#${id} pre`)).split('\n').filter((l) => !l.trim().startsWith('// …'));
      assert.ok(lines.length > 3 && lines.every((l) => source.includes(l)), `${id}: the source's lines`);
    }

    await axeEverywhere(page, 'demo page, signed in with DPoP');
    await screenshot(page, 'desktop-dpop', DESKTOP, '#journal-api', '#journal-api');
    await page.setViewportSize(PHONE);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling at 360 px');
    await page.setViewportSize(DESKTOP);

    // Sign-out revokes both bound tokens (revocation carries no proof).
    await page.click('#sign-out');
    assert.equal(await waitForState(page, ['ready']), 'ready');
    assert.deepEqual(Object.values(await journalTable(page, 'revoke-requests')), ['HTTP 200', 'HTTP 200']);
    assert.deepEqual(requested.filter((u) => !u.startsWith(`${fx.server.origin}/`)), [], 'no external requests');
  });

  test('the vault with DPoP: the worker\'s proofs at the token endpoint, the page\'s API proof, no refresh token in the page', async () => {
    const { page, context } = fx.browser;
    const meta = await (await fetch(`${fx.server.origin}/rfc/.well-known/oauth-authorization-server`)).json();
    const tokenEndpoint = watchTokenEndpoint(context, meta.token_endpoint);
    const requests = wire(page);
    await page.setViewportSize(DESKTOP);
    await openDemo(page, fx.server.origin);
    await configure(page, { 'provider-local': true, 'local-flavor': 'rfc', 'local-client-id': 'demo-public', dpop: true, vault: true });
    await page.click('#sign-in');
    await page.waitForURL((url) => url.pathname === '/rfc/oauth/authorize');
    await page.getByRole('button', { name: /allow/i }).click();
    assert.equal(await waitForState(page), 'signed-in', JSON.stringify(await errorShown(page)));
    assert.equal(await page.textContent('#token-type'), 'DPoP');
    assert.match(await page.textContent('#token-key'), /^yes \(DPoP\)/);

    // The worker's code exchange: refused once for want of a nonce, then sent again with it,
    // each with a proof of the key the page bound the code to (dpop_jkt, RFC 9449 §10).
    let seen = await tokenEndpoint(2);
    assert.deepEqual(seen.requests.map((r) => [r.method, r.status, Boolean(r.dpop)]), [['POST', 400, true], ['POST', 200, true]]);
    const jwk = decodeProof(seen.requests[1].dpop)[0].jwk;
    assert.equal((await journalTable(page, 'authorize-params')).dpop_jkt, jktOf(jwk));
    assert.equal(decodeProof(seen.requests[1].dpop)[1].nonce, seen.requests[0].nonce);
    assert.match(await page.textContent('#token-request-line'), /: sent by the vault worker; this page never held the refresh token/);
    assert.equal(await page.isVisible('#token-dpop'), false, 'no proof shown that the page did not see');
    assert.equal((await journalTable(page, 'token-response')).tokenType, 'DPoP');
    assert.equal(await page.textContent('#flow-steps li[data-step=dpop] .status'),
      '(done: the token request\'s proof was signed and sent by the vault worker)');
    await assertNoRefreshTokenReadable(page, seen.issued, 'after the sign-in');

    // Refresh now, in the worker, with a proof of the same key.
    await page.click('#refresh-now');
    await page.waitForSelector('#refresh-count:text-is("1")');
    seen = await tokenEndpoint(3);
    assert.deepEqual([seen.requests[2].status, decodeProof(seen.requests[2].dpop)[0].jwk], [200, jwk]);
    assert.equal((await journalTable(page, 'refresh-response')).tokenType, 'DPoP');

    // The API through session.fetch: sent by the page with the worker's proof, shown decoded.
    await page.click('#call-api');
    await page.waitForSelector('#flow-steps li[data-step=api][data-status=done]');
    const apiCall = (await requests(meta.userinfo_endpoint, 1)).filter((r) => r.url === meta.userinfo_endpoint).at(-1);
    assert.equal(apiCall.status, 200);
    const api = await assertProofShown(page, 'api-dpop-proof', apiCall.dpop, apiCall);
    assert.deepEqual(api.header.jwk, jwk, 'the worker signs with the same key');
    assert.equal(api.claims.ath, createHash('sha256').update(apiCall.authorization.replace(/^DPoP /, '')).digest('base64url'));
    assert.match(await page.textContent('#flow-steps li[data-step=dpop] .status'),
      /^\(done: \d+ proofs? sent from this page.*; the vault worker signs them, and its own requests' proofs are not seen here\)$/);
    await assertNoRefreshTokenReadable(page, seen.issued, 'after a refresh and an API call');
    assert.equal((await fx.server.stats()).token.rfc.refresh_token.ok, 1);

    await page.click('#sign-out');
    assert.equal(await waitForState(page, ['ready']), 'ready');
    assert.match(await page.textContent('#revoke-summary'), /^The vault worker revoked both tokens/);
    assert.equal((await fx.server.stats()).revocations, 2);
  });

  test('Custom: discover(), DPoP on, a popup sign-in and the API with proofs', async () => {
    const { page, context } = fx.browser;
    const requests = wire(page);
    await openDemo(page, fx.server.origin);
    const meta = await (await fetch(`${fx.server.origin}/rfc/.well-known/oauth-authorization-server`)).json();
    await configure(page, {
      'provider-custom': true, 'custom-issuer': meta.issuer, 'custom-client-id': 'demo-public',
      'custom-scope': 'projects', dpop: true,
    });
    await page.click('#custom-discover');
    await page.waitForSelector('#custom-discover-result:has-text("Filled in")');
    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#sign-in-popup')]);
    await popup.waitForURL((url) => url.pathname === '/rfc/oauth/authorize');
    await popup.getByRole('button', { name: /allow/i }).click();
    assert.equal(await waitForState(page, ['signed-in', 'error']), 'signed-in', JSON.stringify(await errorShown(page)));
    assert.equal(await page.textContent('#token-type'), 'DPoP');
    const tokenCall = (await requests(meta.token_endpoint, 2)).filter((r) => r.url === meta.token_endpoint).at(-1);
    await assertProofShown(page, 'token-dpop-proof', tokenCall.dpop, tokenCall);
    assert.match(await page.textContent('#token-dpop-challenge'), /HTTP 400 use_dpop_nonce/);
    await page.click('#call-api');
    await page.waitForSelector('#flow-steps li[data-step=api][data-status=done]');
    const apiCall = (await requests(meta.userinfo_endpoint, 1)).filter((r) => r.url === meta.userinfo_endpoint).at(-1);
    assert.equal(apiCall.status, 200);
    const api = await assertProofShown(page, 'api-dpop-proof', apiCall.dpop, apiCall);
    assert.equal(api.claims.ath, createHash('sha256').update(apiCall.authorization.replace(/^DPoP /, '')).digest('base64url'));
    assert.equal((await stepStatus(page)).dpop, 'done');
  });

  test('a server that ignores the proof: dpop_error, and the DPoP row says why', async () => {
    const { page } = fx.browser;
    await openDemo(page, fx.server.origin);
    const meta = await (await fetch(`${fx.server.origin}/rfc/.well-known/oauth-authorization-server`)).json();
    // As a server without DPoP would answer: the embedded server's real answer to the code
    // exchange, with token_type Bearer instead of DPoP.
    await page.route(meta.token_endpoint, async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      if (body.token_type) body.token_type = 'Bearer';
      await route.fulfill({ response, json: body });
    });
    await configure(page, { 'provider-local': true, 'local-flavor': 'rfc', 'local-client-id': 'demo-public', dpop: true });
    await page.click('#sign-in');
    await page.waitForURL((url) => url.pathname === '/rfc/oauth/authorize');
    await page.getByRole('button', { name: /allow/i }).click();
    assert.equal(await waitForState(page), 'error');
    assert.equal((await errorShown(page)).code, 'dpop_error');
    assert.equal(await page.isVisible('#tokens'), false, 'no tokens kept');
    const lit = await stepStatus(page);
    assert.deepEqual([lit.token, lit.dpop], ['failed', 'failed']);
    assert.equal(await page.textContent('#flow-steps li[data-step=dpop] .status'),
      '(failed: the server ignored the proof (token_type Bearer))');
    assert.equal((await journalTable(page, 'token-response')).token_type, 'Bearer');
  });
});

// Shared sessions across two and three Chromium tabs: the release package (pkg/, the session
// state machine in wasm) with `storage: "localStorage"` (IndexedDB under Web Locks, tabs told
// through BroadcastChannel). The "server" is this file's HTTP endpoint: it rotates refresh
// tokens and refuses a spent one (reuse detection), answers each tab after its own delay, logs
// every refresh and revocation, and says which refresh tokens are still valid. Each test checks
// that every refresh token is spent once, that the newest tokens are kept, and that no valid
// refresh token is left that nobody holds. The session starts from a set the previous release
// stored in localStorage (migrated to IndexedDB at the first read).
//
// Needs pkg/ (bash scripts/build.sh) and Chromium. Run: node --test tests/e2e/session-tabs.test.mjs
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, ROOT } from './harness.mjs';

const PKG = process.env.OAUTH_SPA_PKG ?? join(ROOT, 'pkg');
const PAGE = `<!doctype html><link rel="icon" href="data:,"><script type="module">
import init, * as lib from '/pkg/oauth_spa.js';
await init();
// A shared session of tab \`tab\` whose refreshes the server answers after \`delay\` ms.
window.makeSession = (tab, delay) => lib.createSession({
  clientId: 'tabs',
  authorizationEndpoint: location.origin + '/authorize',
  tokenEndpoint: location.origin + '/token?tab=' + tab + '&delay=' + delay,
  revocationEndpoint: location.origin + '/revoke?tab=' + tab,
}, { storage: 'localStorage', storageKey: 'k' });
window.ready = true;
</script>`;

const T0 = JSON.stringify({ accessToken: 'at-0', refreshToken: 'rt-0', expiresAt: Date.now() + 3600e3 });
const TNEW = { accessToken: 'at-new', refreshToken: 'rt-new', expiresAt: Date.now() + 3600e3 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('shared sessions across tabs (IndexedDB, Web Locks, BroadcastChannel)', () => {
  let server, browser, origin, srv;
  before(async () => {
    if (!existsSync(join(PKG, 'oauth_spa.js'))) throw new Error(`no package in ${PKG}: run bash scripts/build.sh`);
    server = http.createServer(async (req, res) => {
      const url = new URL(req.url, 'http://x');
      const q = url.searchParams;
      let body = '';
      for await (const c of req) body += c;
      const form = new URLSearchParams(body);
      const json = (status, v) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(v)); };
      if (url.pathname === '/token') {
        const rt = form.get('refresh_token');
        await sleep(+q.get('delay'));
        srv.log.push(`${q.get('tab')} refresh ${rt}`);
        if (!srv.valid.get(rt)) return json(400, { error: 'invalid_grant' });
        srv.valid.set(rt, false);
        const n = ++srv.n;
        srv.valid.set(`rt-${n}`, true);
        return json(200, { access_token: `at-${n}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt-${n}` });
      }
      if (url.pathname === '/revoke') {
        const token = form.get('token');
        srv.log.push(`${q.get('tab')} revoke ${token}`);
        if (srv.revokeDelay) await sleep(srv.revokeDelay);
        srv.valid.set(token, false);
        return json(200, {});
      }
      if (url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(PAGE);
      }
      const file = normalize(join(PKG, url.pathname.slice(5)));
      if (url.pathname.startsWith('/pkg/') && file.startsWith(PKG) && existsSync(file)) {
        res.writeHead(200, { 'content-type': extname(file) === '.js' ? 'text/javascript' : 'application/octet-stream' });
        return res.end(readFileSync(file));
      }
      res.writeHead(404).end();
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${server.address().port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  // Two (or three) tabs of one origin, a fresh server whose only valid refresh token is rt-0,
  // and the previous release's copy of T0 in localStorage; `srv.revokeDelay` makes revocation
  // answers slow.
  async function tabs(three = false) {
    const ctx = await browser.newContext();
    srv = { n: 0, valid: new Map([['rt-0', true]]), log: [] };
    const page = async () => {
      const p = await ctx.newPage();
      await p.goto(origin);
      await p.waitForFunction(() => window.ready);
      return p;
    };
    const a = await page();
    const b = await page();
    const c = three ? await page() : null;
    await a.evaluate((t0) => localStorage.setItem('k', t0), T0);
    return { a, b, c, srv, close: () => ctx.close() };
  }
  // The session stored now (IndexedDB), or null.
  const stored = (p) => p.evaluate(() => new Promise((ok, no) => {
    const r = indexedDB.open('oauth-spa', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('s');
    r.onerror = () => no(r.error);
    r.onsuccess = () => {
      const g = r.result.transaction('s').objectStore('s').get('k');
      g.onsuccess = () => { r.result.close(); ok(g.result ?? null); };
    };
  }));

  // Each tab's session holds T0 once it read the store.
  const loaded = (...pages) => Promise.all(pages.map((p) => p.waitForFunction(() => window.s.getTokens()?.accessToken === 'at-0')));

  test('a refresh superseded by setTokens: the late result is revoked, the other tab does not spend rt-0 again', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate(() => { window.s = makeSession('B', 50); });
    await a.evaluate(() => { window.s = makeSession('A', 300); });
    await loaded(a, b);
    await a.evaluate(() => {
      window.got = s.getAccessToken({ forceRefresh: true }).catch((e) => e.code);
      setTimeout(() => s.setTokens({ accessToken: 'at-new', refreshToken: 'rt-new', expiresAt: Date.now() + 3600e3 }), 100);
    });
    await sleep(50);
    const gotB = b.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code));
    assert.equal(await a.evaluate(() => got), 'at-new');
    assert.equal(await gotB, 'at-new', 'B adopted the new tokens');
    assert.deepEqual(srv.log, ['A refresh rt-0', 'A revoke rt-1', 'A revoke at-1'], 'rt-0 spent once');
    await close();
  });

  test('a session closed right after its refresh: the other tab gets its result, rt-0 spent once', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate(() => { window.s = makeSession('B', 50); });
    await a.evaluate(() => { window.s = makeSession('A', 300); });
    await loaded(a, b);
    await a.evaluate(() => {
      window.got = s.getAccessToken({ forceRefresh: true }).then((t) => { s.close(); return t; });
    });
    await sleep(50);
    const gotB = b.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code));
    assert.equal(await a.evaluate(() => got), 'at-1');
    assert.equal(await gotB, 'at-1');
    assert.deepEqual(srv.log, ['A refresh rt-0'], 'rt-0 spent once');
    await close();
  });

  test('tokens another tab sets while a refresh is out win in every tab', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate(() => { window.s = makeSession('B', 50); });
    await a.evaluate(() => { window.s = makeSession('A', 300); });
    await loaded(a, b);
    await a.evaluate(() => { window.got = s.getAccessToken({ forceRefresh: true }).catch((e) => e.code); });
    await sleep(100);
    await b.evaluate((t) => s.setTokens(t), TNEW);
    assert.equal(await a.evaluate(() => got), 'at-new');
    assert.equal(await a.evaluate(() => s.getTokens()?.accessToken), 'at-new');
    assert.equal(await b.evaluate(() => s.getTokens()?.accessToken), 'at-new');
    assert.equal((await stored(a)).accessToken, 'at-new');
    assert.deepEqual(srv.log, ['A refresh rt-0', 'A revoke rt-1', 'A revoke at-1'], 'the late result revoked');
    await close();
  });

  test('tokens set while a sign-out waits for the lock stay, in the store and at the server', async () => {
    const { a, srv, close } = await tabs();
    await a.evaluate(() => { window.s = makeSession('A', 300); });
    await loaded(a);
    await a.evaluate(() => { window.got = s.getAccessToken({ forceRefresh: true }).catch((e) => e.code); });
    await sleep(50);
    await a.evaluate(() => { window.out = s.signOut(); });
    await sleep(50);
    await a.evaluate((t) => s.setTokens(t), TNEW);
    await a.evaluate(() => out);
    assert.equal(await a.evaluate(() => s.getTokens()?.accessToken), 'at-new');
    assert.equal((await stored(a)).accessToken, 'at-new');
    assert.ok(!srv.log.some((l) => /revoke (rt|at)-new/.test(l)), srv.log.join(', '));
    assert.ok(srv.log.includes('A revoke rt-0'), 'the signed-out tokens are revoked');
    await close();
  });

  test('a sign-out during this tab\'s refresh leaves nothing for a queued tab to spend again', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate(() => {
      window.s = makeSession('B', 50);
      window.why = [];
      s.onSignedOut((r) => why.push(r?.code ?? 'sign-out'));
    });
    await a.evaluate(() => { window.s = makeSession('A', 300); });
    await loaded(a, b);
    await a.evaluate(() => { window.got = s.getAccessToken({ forceRefresh: true }).catch((e) => e.code); });
    await sleep(50);
    const gotB = b.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code));
    await sleep(50);
    await a.evaluate(() => s.signOut());
    assert.equal(await gotB, 'not_signed_in');
    assert.equal(await a.evaluate(() => got), 'not_signed_in');
    assert.deepEqual(await b.evaluate(() => why), ['sign-out']);
    assert.equal(srv.log.filter((l) => l.endsWith('refresh rt-0')).length, 1, srv.log.join(', '));
    await close();
  });

  test('a tab that forces a refresh while the other tab refreshes a second time uses the newest tokens', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate(() => { window.s = makeSession('B', 50); });
    await a.evaluate(() => { window.s = makeSession('A', 100); });
    await loaded(a, b);
    await a.evaluate(() => s.getAccessToken({ forceRefresh: true }));
    const second = a.evaluate(() => s.getAccessToken({ forceRefresh: true }));
    await sleep(20); // B forces a refresh of what it holds while A's second refresh is out
    const gotB = b.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code));
    assert.equal(await second, 'at-2');
    assert.equal(await gotB, 'at-2');
    assert.deepEqual(srv.log, ['A refresh rt-0', 'A refresh rt-1']);
    await close();
  });

  test('a sign-out in one tab revokes the refresh token that is valid now', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate(() => { window.s = makeSession('B', 300); });
    await a.evaluate(() => { window.s = makeSession('A', 50); });
    await loaded(a, b);
    const gotB = b.evaluate(() => s.getAccessToken({ forceRefresh: true }));
    await sleep(50);
    await a.evaluate(() => s.signOut());
    assert.equal(await gotB, 'at-1');
    assert.equal(await stored(a), null);
    assert.ok(srv.log.includes('A revoke rt-1'), srv.log.join(', '));
    assert.equal(srv.valid.get('rt-1'), false, 'no refresh token of the grant stays valid');
    await close();
  });

  for (const slowRevocation of [true, false]) {
    test(`a tab does not undo another tab's sign-out (revocation ${slowRevocation ? 'slow' : 'quick'})`, async () => {
      const { a, b, srv, close } = await tabs();
      if (slowRevocation) srv.revokeDelay = 300;
      await b.evaluate(() => { window.s = makeSession('B', 50); });
      await a.evaluate(() => { window.s = makeSession('A', 50); });
      await loaded(a, b);
      await a.evaluate(() => { window.out = s.signOut(); });
      await sleep(30);
      const gotB = b.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code));
      await a.evaluate(() => out);
      assert.equal(await gotB, 'not_signed_in');
      assert.ok(!srv.log.includes('B refresh rt-0'), `B spent the signed-out refresh token: ${srv.log.join(', ')}`);
      assert.equal(await stored(a), null, 'the sign-out stands');
      assert.equal(await a.evaluate(() => s.getTokens()), null);
      await b.waitForFunction(() => s.getTokens() === null);
      assert.equal(await b.evaluate(() => s.getTokens()), null);
      await close();
    });
  }

  test('a sign-out overtaken by setTokens leaves no valid refresh token that nobody holds', async () => {
    const { a, b, c, srv, close } = await tabs(true);
    await c.evaluate(() => { window.s = makeSession('C', 50); });
    await a.evaluate(() => { window.s = makeSession('A', 300); });
    await b.evaluate(() => { window.s = makeSession('B', 300); });
    await loaded(a, b, c);
    await b.evaluate(() => { window.got = s.getAccessToken({ forceRefresh: true }).catch((e) => e.code); });
    await sleep(50);
    const gotC = c.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code));
    await sleep(50);
    await a.evaluate(() => { window.out = s.signOut(); });
    await sleep(400);
    await a.evaluate((t) => s.setTokens(t), TNEW);
    await a.evaluate(() => out);
    await gotC;
    await sleep(300); // the last notices reach every tab
    const holders = [];
    for (const p of [a, b, c]) holders.push(await p.evaluate(() => s.getTokens()?.refreshToken ?? null));
    holders.push((await stored(a))?.refreshToken ?? null);
    const orphans = [...srv.valid].filter(([rt, valid]) => valid && !holders.includes(rt));
    assert.deepEqual(orphans, [], `valid refresh tokens nobody holds (${srv.log.join(', ')})`);
    await close();
  });

  for (const lease of [false, true]) {
    test(`three tabs forcing a refresh at once spend rt-0 once (${lease ? 'IndexedDB lease' : 'Web Locks'})`, async () => {
      const { a, b, c, srv, close } = await tabs(true);
      if (lease) for (const p of [a, b, c]) await p.evaluate(() => { delete Navigator.prototype.locks; });
      for (const [p, t] of [[a, 'A'], [b, 'B'], [c, 'C']]) await p.evaluate((tab) => { window.s = makeSession(tab, 100); }, t);
      await loaded(a, b, c);
      const gets = [a, b, c].map((p) => p.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code)));
      const got = await Promise.all(gets);
      assert.equal(srv.log.filter((l) => l.endsWith('refresh rt-0')).length, 1, srv.log.join(', '));
      assert.ok(!got.includes('token_error'), JSON.stringify(got));
      await close();
    });
  }
});

// js/session.js across two tabs whose localStorage views lag, as Chromium's do: a write of one
// tab reaches the other one's getItem and `storage` event later. No real browser can be made to
// lag on purpose, so here one tab's getItem is held at the old value and its storage events are
// held back until `thaw()`. The protocol side is a stand-in `core` (step/refresh/revoke) whose
// "server" rotates refresh tokens and refuses a spent one (reuse detection): it counts how often
// a refresh token was spent. The real core is tested everywhere else (tests/session.rs,
// session.test.mjs); this file is about the JS lock, markers and adoption only.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, ROOT } from './harness.mjs';

const MOCK = `
import { makeSession } from './session.js';
import { OAuthError } from './error.js';
import { STORAGE_LOCAL, STEP_USE_TOKEN, STEP_REFRESH, STEP_SIGN_IN } from './boundary.js';
// The stand-in core: expiry from expiresAt (60 s skew), refresh and revoke through the test's
// server bindings.
window.mockCore = (delay) => ({
  step(t, force) {
    const renew = t?.refreshToken ? STEP_REFRESH : STEP_SIGN_IN;
    if (!t || !t.accessToken) return STEP_SIGN_IN;
    if (force) return renew;
    if (t.expiresAt == null || t.expiresAt - 60000 > Date.now()) return STEP_USE_TOKEN;
    return renew;
  },
  async refresh(t) {
    const r = await window.serverRefresh(t.refreshToken, delay);
    if (r.error) throw new OAuthError('token_error', 'refused', r.error, undefined, undefined, 400);
    return { accessToken: r.at, tokenType: 'Bearer', refreshToken: r.rt, expiresAt: Date.now() + 3600e3 };
  },
  revoke(token, hint) { return window.serverRevoke(token, hint); },
  ends(code, error) { return code === 'token_error' && error === 'invalid_grant'; },
  free() {},
});
window.makeSession = makeSession;
window.STORAGE_LOCAL = STORAGE_LOCAL;
// This tab's view of key 'k' lags: getItem answers the old value and storage events wait.
window.lag = (old) => {
  const get = Storage.prototype.getItem;
  const held = [];
  let frozen = true;
  Storage.prototype.getItem = function (k) { return frozen && k === 'k' ? old : get.call(this, k); };
  addEventListener('storage', (e) => { if (frozen) { e.stopImmediatePropagation(); held.push(e); } }, true);
  window.thaw = () => {
    frozen = false;
    for (const e of held) dispatchEvent(new StorageEvent('storage', { key: e.key, storageArea: localStorage }));
  };
};
window.ready = true;
`;

const T0 = JSON.stringify({ accessToken: 'at-0', refreshToken: 'rt-0', expiresAt: Date.now() + 3600e3 });
const TNEW = { accessToken: 'at-new', refreshToken: 'rt-new', expiresAt: Date.now() + 3600e3 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('shared sessions across tabs with lagging localStorage (js/session.js)', () => {
  let dir, server, browser, origin;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-tabs-'));
    await copyFile(join(ROOT, 'js', 'session.js'), join(dir, 'session.js'));
    await copyFile(join(ROOT, 'js', 'glue.js'), join(dir, 'glue.js'));
    await copyFile(join(ROOT, 'js', 'error.js'), join(dir, 'error.js'));
    await copyFile(join(ROOT, 'js', 'boundary.js'), join(dir, 'boundary.js'));
    await writeFile(join(dir, 'mock.js'), MOCK);
    await writeFile(join(dir, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="mock.js"></script>');
    server = http.createServer(async (req, res) => {
      const name = req.url === '/' ? 'index.html' : req.url.slice(1);
      if (!['index.html', 'mock.js', 'session.js', 'glue.js', 'error.js', 'boundary.js'].includes(name)) { res.writeHead(404); return res.end(); }
      const { readFile } = await import('node:fs/promises');
      res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html' });
      res.end(await readFile(join(dir, name)));
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
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Two (or three) tabs of one origin and the "server": rotation, a spent refresh token
  // refused; `srv.revokeDelay` makes revocation answers slow.
  async function tabs(three = false) {
    const ctx = await browser.newContext();
    const srv = { n: 0, valid: new Map([['rt-0', true]]), log: [] };
    await ctx.exposeBinding('serverRefresh', async ({ page }, rt, delay) => {
      await sleep(delay);
      srv.log.push(`${page.tab} refresh ${rt}`);
      if (!srv.valid.get(rt)) return { error: 'invalid_grant' };
      srv.valid.set(rt, false);
      const n = ++srv.n;
      srv.valid.set(`rt-${n}`, true);
      return { at: `at-${n}`, rt: `rt-${n}` };
    });
    await ctx.exposeBinding('serverRevoke', async ({ page }, token) => {
      srv.log.push(`${page.tab} revoke ${token}`);
      if (srv.revokeDelay) await sleep(srv.revokeDelay);
      srv.valid.set(token, false);
    });
    const page = async (tab) => {
      const p = await ctx.newPage();
      p.tab = tab;
      await p.goto(origin);
      await p.waitForFunction(() => window.ready);
      return p;
    };
    const a = await page('A');
    const b = await page('B');
    const c = three ? await page('C') : null;
    await a.evaluate((t0) => localStorage.setItem('k', t0), T0);
    return { a, b, c, srv, close: () => ctx.close() };
  }

  test('a refresh superseded by setTokens still makes a lagging tab wait instead of spending its token', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate((t0) => { lag(t0); window.s = makeSession(mockCore(50), STORAGE_LOCAL, 'k', null, 30000); }, T0);
    await a.evaluate(() => {
      window.s = makeSession(mockCore(300), STORAGE_LOCAL, 'k', null, 30000);
      window.got = s.getAccessToken({ forceRefresh: true }).catch((e) => e.code);
      setTimeout(() => s.setTokens({ accessToken: 'at-new', refreshToken: 'rt-new', expiresAt: Date.now() + 3600e3 }), 100);
    });
    await sleep(50);
    const gotB = b.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code));
    await sleep(900);
    await b.evaluate(() => thaw());
    assert.equal(await a.evaluate(() => got), 'at-new');
    assert.equal(await gotB, 'at-new', 'B adopted the new tokens');
    assert.deepEqual(srv.log, ['A refresh rt-0', 'A revoke rt-1', 'A revoke at-1'], 'rt-0 spent once');
    await close();
  });

  test('a session closed right after its refresh keeps marking the spent tokens for a lagging tab', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate((t0) => { lag(t0); window.s = makeSession(mockCore(50), STORAGE_LOCAL, 'k', null, 30000); }, T0);
    await a.evaluate(() => {
      window.s = makeSession(mockCore(300), STORAGE_LOCAL, 'k', null, 30000);
      window.got = s.getAccessToken({ forceRefresh: true }).then((t) => { s.close(); return t; });
    });
    await sleep(50);
    const gotB = b.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code));
    await sleep(900);
    await b.evaluate(() => thaw());
    assert.equal(await a.evaluate(() => got), 'at-1');
    assert.equal(await gotB, 'at-1');
    assert.deepEqual(srv.log, ['A refresh rt-0'], 'rt-0 spent once');
    await close();
  });

  test('tokens another tab sets while a refresh is out win in every tab', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate(() => { window.s = makeSession(mockCore(50), STORAGE_LOCAL, 'k', null, 30000); });
    await a.evaluate(() => {
      window.s = makeSession(mockCore(300), STORAGE_LOCAL, 'k', null, 30000);
      window.got = s.getAccessToken({ forceRefresh: true }).catch((e) => e.code);
    });
    await sleep(100);
    await b.evaluate((t) => s.setTokens(t), TNEW);
    assert.equal(await a.evaluate(() => got), 'at-new');
    assert.equal(await a.evaluate(() => s.getTokens()?.accessToken), 'at-new');
    assert.equal(await b.evaluate(() => s.getTokens()?.accessToken), 'at-new');
    assert.equal(await a.evaluate(() => JSON.parse(localStorage.getItem('k')).accessToken), 'at-new');
    assert.deepEqual(srv.log, ['A refresh rt-0', 'A revoke rt-1', 'A revoke at-1'], 'the late result revoked');
    await close();
  });

  test('tokens set while a sign-out waits for the lock stay, in the store and at the server', async () => {
    const { a, srv, close } = await tabs();
    await a.evaluate(() => {
      window.s = makeSession(mockCore(300), STORAGE_LOCAL, 'k', null, 30000);
      window.got = s.getAccessToken({ forceRefresh: true }).catch((e) => e.code);
    });
    await sleep(50);
    await a.evaluate(() => { window.out = s.signOut(); });
    await sleep(50);
    await a.evaluate((t) => s.setTokens(t), TNEW);
    await a.evaluate(() => out);
    assert.equal(await a.evaluate(() => s.getTokens()?.accessToken), 'at-new');
    assert.equal(await a.evaluate(() => JSON.parse(localStorage.getItem('k')).accessToken), 'at-new');
    assert.ok(!srv.log.some((l) => /revoke (rt|at)-new/.test(l)), srv.log.join(', '));
    assert.ok(srv.log.includes('A revoke rt-0'), 'the signed-out tokens are revoked');
    await close();
  });

  test('a sign-out during this tab\'s refresh leaves nothing for a queued tab to spend again', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate(() => {
      window.s = makeSession(mockCore(50), STORAGE_LOCAL, 'k', null, 30000);
      window.why = [];
      s.onSignedOut((r) => why.push(r?.code ?? 'sign-out'));
    });
    await a.evaluate(() => {
      window.s = makeSession(mockCore(300), STORAGE_LOCAL, 'k', null, 30000);
      window.got = s.getAccessToken({ forceRefresh: true }).catch((e) => e.code);
    });
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

  test('a lagging tab waits out two refreshes of the other tab', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate((t0) => { lag(t0); window.s = makeSession(mockCore(50), STORAGE_LOCAL, 'k', null, 30000); }, T0);
    await a.evaluate(() => { window.s = makeSession(mockCore(100), STORAGE_LOCAL, 'k', null, 30000); });
    await a.evaluate(() => s.getAccessToken({ forceRefresh: true }));
    await a.evaluate(() => s.getAccessToken({ forceRefresh: true }));
    const gotB = b.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code));
    await sleep(500);
    await b.evaluate(() => thaw());
    assert.equal(await gotB, 'at-2');
    assert.deepEqual(srv.log, ['A refresh rt-0', 'A refresh rt-1']);
    await close();
  });

  test('a sign-out in a lagging tab revokes the refresh token that is valid now', async () => {
    const { a, b, srv, close } = await tabs();
    await b.evaluate(() => { window.s = makeSession(mockCore(300), STORAGE_LOCAL, 'k', null, 30000); });
    await a.evaluate((t0) => { lag(t0); window.s = makeSession(mockCore(50), STORAGE_LOCAL, 'k', null, 30000); }, T0);
    const gotB = b.evaluate(() => s.getAccessToken({ forceRefresh: true }));
    await sleep(50);
    setTimeout(() => a.evaluate(() => thaw()), 900);
    await a.evaluate(() => s.signOut());
    assert.equal(await gotB, 'at-1');
    assert.equal(await a.evaluate(() => localStorage.getItem('k')), null);
    assert.ok(srv.log.includes('A revoke rt-1'), srv.log.join(', '));
    assert.equal(srv.valid.get('rt-1'), false, 'no refresh token of the grant stays valid');
    await close();
  });

  for (const slowRevocation of [true, false]) {
    test(`a lagging tab does not undo another tab's sign-out (revocation ${slowRevocation ? 'slow' : 'quick'})`, async () => {
      const { a, b, srv, close } = await tabs();
      if (slowRevocation) srv.revokeDelay = 300;
      await b.evaluate((t0) => { lag(t0); window.s = makeSession(mockCore(50), STORAGE_LOCAL, 'k', null, 30000); }, T0);
      await a.evaluate(() => { window.s = makeSession(mockCore(50), STORAGE_LOCAL, 'k', null, 30000); window.out = s.signOut(); });
      await sleep(30);
      const gotB = b.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code));
      await sleep(600);
      await b.evaluate(() => thaw());
      await a.evaluate(() => out);
      assert.equal(await gotB, 'not_signed_in');
      assert.ok(!srv.log.includes('B refresh rt-0'), `B spent the signed-out refresh token: ${srv.log.join(', ')}`);
      assert.equal(await a.evaluate(() => localStorage.getItem('k')), null, 'the sign-out stands');
      assert.equal(await a.evaluate(() => s.getTokens()), null);
      assert.equal(await b.evaluate(() => s.getTokens()), null);
      await close();
    });
  }

  test('a sign-out overtaken by setTokens leaves no valid refresh token that nobody holds', async () => {
    const { a, b, c, srv, close } = await tabs(true);
    await c.evaluate((t0) => { lag(t0); window.s = makeSession(mockCore(50), STORAGE_LOCAL, 'k', null, 30000); }, T0);
    for (const p of [a, b]) await p.evaluate(() => { window.s = makeSession(mockCore(300), STORAGE_LOCAL, 'k', null, 30000); });
    await b.evaluate(() => { window.got = s.getAccessToken({ forceRefresh: true }).catch((e) => e.code); });
    await sleep(50);
    const gotC = c.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code));
    await sleep(50);
    await a.evaluate(() => { window.out = s.signOut(); });
    await sleep(400); // B stored T1 (A, leaving, ignores it); C waits on B's marker; A is queued
    await a.evaluate((t) => s.setTokens(t), TNEW);
    await sleep(300);
    await c.evaluate(() => thaw());
    await a.evaluate(() => out);
    await gotC;
    const holders = [];
    for (const p of [a, b, c]) holders.push(await p.evaluate(() => s.getTokens()?.refreshToken ?? null));
    const orphans = [...srv.valid].filter(([rt, valid]) => valid && !holders.includes(rt));
    assert.deepEqual(orphans, [], `valid refresh tokens nobody holds (${srv.log.join(', ')})`);
    await close();
  });

  for (const lease of [false, true]) {
    test(`three tabs forcing a refresh at once, one lagging, spend rt-0 once (${lease ? 'localStorage lease' : 'Web Locks'})`, async () => {
      const { a, b, c, srv, close } = await tabs(true);
      if (lease) for (const p of [a, b, c]) await p.evaluate(() => { delete Navigator.prototype.locks; });
      await c.evaluate((t0) => lag(t0), T0);
      for (const p of [a, b, c]) await p.evaluate(() => { window.s = makeSession(mockCore(100), STORAGE_LOCAL, 'k', null, 30000); });
      const gets = [a, b, c].map((p) => p.evaluate(() => s.getAccessToken({ forceRefresh: true }).catch((e) => e.code)));
      await sleep(lease ? 150 : 900);
      await c.evaluate(() => thaw());
      const got = await Promise.all(gets);
      assert.equal(srv.log.filter((l) => l.endsWith('refresh rt-0')).length, 1, srv.log.join(', '));
      assert.ok(!got.includes('token_error'), JSON.stringify(got));
      await close();
    });
  }
});

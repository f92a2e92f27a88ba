// DPoP (RFC 9449) in Firefox: the release package, driven over WebDriver (geckodriver) like
// firefox.test.mjs, against the embedded server demanding nonces. The page signs in with
// `dpop: true` through the redirect flow, calls the resource with `session.fetch`, refreshes,
// and calls it again; it keeps the proofs `session.fetch` sent (by wrapping the page's `fetch`)
// and sends the last one again (a replay) and the bound token as Bearer: both must be refused.
// The bad paths in full are in dpop.test.mjs (Chromium) and server/tests/dpop.rs.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEmbeddedServer } from './harness.mjs';
import { newSession, startDriver, waitForResult } from './webdriver.mjs';

const GECKODRIVER = process.env.GECKODRIVER ?? join(homedir(), '.cargo', 'bin', 'geckodriver');

const APP = `
import init, * as lib from '/pkg/oauth_spa_dpop.js';
const report = (r) => { document.body.dataset.result = JSON.stringify(r); };
const o = location.origin;
const config = {
  clientId: 'demo-public', authorizationEndpoint: o + '/rfc/oauth/authorize',
  tokenEndpoint: o + '/rfc/oauth/token', redirectUri: o + '/', issuer: o + '/rfc',
  scope: 'projects offline_access', dpop: true,
};
// What session.fetch sends, kept: the page's fetch, wrapped.
const sent = [];
const realFetch = fetch;
window.fetch = (req, init) => {
  if (req instanceof Request && req.headers.has('DPoP')) {
    sent.push({ authorization: req.headers.get('Authorization'), dpop: req.headers.get('DPoP') });
  }
  return realFetch(req, init);
};
const challenge = (r) => /error="([^"]+)"/.exec(r.headers.get('WWW-Authenticate') ?? '')?.[1];
try {
  await init();
  if (new URLSearchParams(location.search).has('state')) {
    const t = await lib.handleCallback(config);
    const session = lib.createSession(config, { tokens: t });
    const resource = o + '/rfc/userinfo';
    const first = await session.fetch(resource);
    const at2 = await session.getAccessToken({ forceRefresh: true });
    const second = await session.fetch(resource);
    const last = sent.at(-1);
    const replay = await realFetch(resource, { headers: { Authorization: last.authorization, DPoP: last.dpop } });
    const bearer = await realFetch(resource, { headers: { Authorization: 'Bearer ' + at2 } });
    const key = await new Promise((ok, no) => {
      const r = indexedDB.open('oauth-spa-dpop');
      r.onerror = () => no(r.error);
      r.onsuccess = () => {
        const g = r.result.transaction('keys').objectStore('keys').getAll();
        g.onsuccess = () => ok(g.result.map((p) => [p.privateKey.extractable, p.privateKey.algorithm.namedCurve]));
      };
    });
    report({
      ok: true, tokenType: t.tokenType, dpopKey: t.dpopKey, refreshedType: session.getTokens().tokenType,
      statuses: [first.status, second.status], user: (await first.json()).sub,
      authorization: sent[0].authorization.split(' ')[0],
      replay: [replay.status, challenge(replay)], bearer: [bearer.status, challenge(bearer)], key,
    });
  } else {
    location.assign(lib.startLogin(config));
  }
} catch (e) {
  report({ ok: false, name: e.name, code: e.code, message: e.message, stack: e.stack });
}
`;

describe('DPoP in Firefox (geckodriver)', () => {
  let dir, server, driver, session;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-dpop-firefox-'));
    const www = join(dir, 'www');
    await mkdir(www);
    await mkdir(join(dir, 'tmp'));
    await writeFile(join(www, 'index.html'), '<!doctype html><meta charset="utf-8"><title>dpop</title>'
      + '<link rel="icon" href="data:,"><script type="module" src="/app.js"></script>');
    await writeFile(join(www, 'app.js'), APP);
    server = await startEmbeddedServer({ www, args: ['--dpop-nonce'] });
    driver = await startDriver(GECKODRIVER, [], { env: { ...process.env, TMPDIR: join(dir, 'tmp') } });
    session = await newSession(driver, { browserName: 'firefox', 'moz:firefoxOptions': { args: ['-headless'] } });
  });

  after(async () => {
    await session?.close().catch(() => {});
    await driver?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  test('signs in and refreshes with DPoP, session.fetch works, a replay and Bearer are refused', async () => {
    await session.navigate(`${server.origin}/`);
    const r = await waitForResult(session, 30000);
    assert.deepEqual(r, {
      ok: true, tokenType: 'DPoP', dpopKey: 'stored', refreshedType: 'DPoP',
      statuses: [200, 200], user: 'demo-user', authorization: 'DPoP',
      replay: [401, 'invalid_dpop_proof'], bearer: [401, 'invalid_token'],
      key: [[false, 'P-256']],
    });
    // The code exchange: first refused for want of a nonce (RFC 9449 §8), then accepted.
    const stats = await server.stats();
    assert.equal(stats.token.rfc.authorization_code.use_dpop_nonce, 1);
    assert.equal(stats.token.rfc.authorization_code.ok, 1);
    assert.equal(stats.token.rfc.refresh_token.ok, 1);
  });
});

// DPoP (RFC 9449) in Firefox: the release package, driven over WebDriver (geckodriver) like
// firefox.test.mjs, against the embedded server demanding nonces. The page loads its key with
// `prepareDpop` and signs in with `dpop: true` through the redirect flow, its code bound to the
// key (`dpop_jkt`, RFC 9449 §10); it stops on the redirect page and hands the code and its
// verifier over, which this test exchanges without a proof and with another key's proof (both
// refused, the code not spent). Then the page exchanges the code itself, calls the resource with
// `session.fetch`, refreshes, calls it again, and makes three proofs it holds back (its `fetch`
// wrapped: they never reach the server). With what it sent and held, this test runs the bad
// paths Chromium runs (dpop-checks.mjs): a replayed proof, a proof for another URL and for
// another method, the bound token as Bearer, the tokens with another key; the page then
// refreshes and calls the resource once more (the owner unharmed).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEmbeddedServer } from './harness.mjs';
import { newSession, startDriver, waitForResult } from './webdriver.mjs';
import {
  anotherKeyRefused, boundCodeRefused, decodeProof, dpopJktOf, jktOf, resourceBadPaths,
} from './dpop-checks.mjs';

const GECKODRIVER = process.env.GECKODRIVER ?? join(homedir(), '.cargo', 'bin', 'geckodriver');

const APP = `
import init, * as lib from '/pkg/oauth_spa_dpop.js';
const report = (r) => { document.body.dataset.result = JSON.stringify(r); };
// The next step waits for the test to call window.proceed() (after reading the result).
const proceed = () => new Promise((ok) => { window.proceed = ok; });
const o = location.origin;
const config = {
  clientId: 'demo-public', authorizationEndpoint: o + '/rfc/oauth/authorize',
  tokenEndpoint: o + '/rfc/oauth/token', redirectUri: o + '/', issuer: o + '/rfc',
  scope: 'projects offline_access', dpop: true,
};
const resource = o + '/rfc/userinfo';
// What the package sends with a DPoP header, kept: the page's fetch, wrapped. Requests to
// /rfc/held, or with the query ?hold, are held back: answered 204 here, never sent.
const sent = [], held = [];
const realFetch = fetch;
window.fetch = (req, init) => {
  const isRequest = req instanceof Request;
  const headers = new Headers(isRequest ? req.headers : init?.headers);
  if (headers.has('DPoP')) {
    const url = new URL(isRequest ? req.url : req);
    const h = { url: url.href, authorization: headers.get('Authorization'), dpop: headers.get('DPoP') };
    if (url.pathname === '/rfc/held' || url.search === '?hold') {
      held.push(h);
      return Promise.resolve(new Response(null, { status: 204 }));
    }
    sent.push(h);
  }
  return realFetch(req, init);
};
try {
  await init();
  const q = new URLSearchParams(location.search);
  if (!q.has('state')) {
    const jkt = await lib.prepareDpop(config);
    const url = lib.startLogin(config);
    sessionStorage.setItem('e2e', JSON.stringify({ jkt, url }));
    location.assign(url);
  } else {
    // 1. The code and its verifier, before this page exchanges the code.
    const { jkt, url } = JSON.parse(sessionStorage.getItem('e2e'));
    const tx = JSON.parse(sessionStorage.getItem('oauth-spa:tx:' + q.get('state')));
    report({ step: 'code', jkt, url, code: q.get('code'), verifier: tx.verifier });
    await proceed();
    // 2. Signed in; the proofs sent and held back.
    const t = await lib.handleCallback(config);
    const session = lib.createSession(config, { tokens: t });
    const first = await session.fetch(resource);
    const at = await session.getAccessToken({ forceRefresh: true });
    const second = await session.fetch(resource);
    const heldStatus = [
      (await session.fetch(o + '/rfc/held')).status,
      (await session.fetch(o + '/rfc/held', { method: 'POST', body: 'x' })).status,
      (await session.fetch(resource + '?hold')).status,
    ];
    const key = await new Promise((ok, no) => {
      const r = indexedDB.open('oauth-spa-dpop');
      r.onerror = () => no(r.error);
      r.onsuccess = () => {
        const g = r.result.transaction('keys').objectStore('keys').getAll();
        g.onsuccess = () => ok(g.result.map((p) => [p.privateKey.extractable, p.privateKey.algorithm.namedCurve]));
      };
    });
    report({
      step: 'signed-in', tokenType: t.tokenType, dpopKey: t.dpopKey, refreshedType: session.getTokens().tokenType,
      statuses: [first.status, second.status], user: (await first.json()).sub, heldStatus, key,
      at, refreshToken: session.getTokens().refreshToken, sent, held,
    });
    await proceed();
    // 3. After the bad paths: the owner refreshes and calls the resource.
    await session.getAccessToken({ forceRefresh: true });
    report({ step: 'after', status: (await session.fetch(resource)).status });
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

  // The page's next result: clears the last one, lets the page go on, waits.
  async function next() {
    await session.execute('delete document.body.dataset.result; window.proceed(); return null;');
    return waitForResult(session, 30000);
  }

  test('signs in with dpop_jkt and refreshes with DPoP; the bad paths are refused', async () => {
    const { origin } = server;
    const config = { tokenEndpoint: `${origin}/rfc/oauth/token`, clientId: 'demo-public', redirectUri: `${origin}/` };
    const resource = `${origin}/rfc/userinfo`;
    await session.navigate(`${origin}/`);
    const coded = await waitForResult(session, 30000);
    assert.equal(coded.step, 'code', JSON.stringify(coded));
    assert.match(coded.jkt, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(dpopJktOf(coded.url), [coded.jkt]);
    // RFC 9449 §10: the bound code, exchanged without a proof and with another key's proof.
    const refusals = await boundCodeRefused({ ...config, code: coded.code, verifier: coded.verifier });
    assert.match(refusals[0], /bound to a DPoP key/);
    assert.match(refusals[1], /another DPoP key/);
    assert.equal((await server.stats()).token.rfc.authorization_code.ok, undefined, 'no tokens issued');

    const r = await next();
    assert.equal(r.step, 'signed-in', JSON.stringify(r));
    const { at, refreshToken, sent, held, ...rest } = r;
    assert.deepEqual(rest, {
      step: 'signed-in', tokenType: 'DPoP', dpopKey: 'stored', refreshedType: 'DPoP',
      statuses: [200, 200], user: 'demo-user', heldStatus: [204, 204, 204], key: [[false, 'P-256']],
    });
    // The exchange (after the nonce retry) was signed by the key dpop_jkt named.
    const exchanges = sent.filter((s) => s.url === config.tokenEndpoint);
    assert.equal(jktOf(decodeProof(exchanges[0].dpop).header.jwk), coded.jkt);
    const toResource = sent.filter((s) => s.url === resource);
    assert.equal(toResource.at(-1).authorization, `DPoP ${at}`);
    assert.equal(decodeProof(toResource.at(-1).dpop).claims.htm, 'GET');
    assert.deepEqual(held.map((h) => [new URL(h.url).pathname, decodeProof(h.dpop).claims.htm]),
      [['/rfc/held', 'GET'], ['/rfc/held', 'POST'], ['/rfc/userinfo', 'GET']]);
    // The bad paths, from here, with what Firefox sent and held back (dpop-checks.mjs).
    await resourceBadPaths({
      resource, at, last: toResource.at(-1), otherUrl: held[0].dpop, otherPost: held[1].dpop, ownGet: held[2].dpop,
    });
    await anotherKeyRefused({ resource, tokenEndpoint: config.tokenEndpoint, clientId: config.clientId, at, refreshToken });

    const after = await next();
    assert.deepEqual(after, { step: 'after', status: 200 });
    // The two refusals of the bound code (the one with a proof after its own nonce retry);
    // the page's exchange: first refused for want of a nonce (RFC 9449 §8), then accepted; the
    // owner's two refreshes.
    const stats = await server.stats();
    assert.equal(stats.token.rfc.authorization_code.invalid_grant, 2);
    assert.equal(stats.token.rfc.authorization_code.use_dpop_nonce, 2);
    assert.equal(stats.token.rfc.authorization_code.ok, 1);
    assert.equal(stats.token.rfc.refresh_token.ok, 2);
  });
});

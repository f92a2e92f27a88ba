// Where WebAssembly cannot run, the package runs on its JavaScript engine: a page whose
// Content-Security-Policy lacks 'wasm-unsafe-eval' (a <meta> of the page, which the callback
// navigation gets too: a route would miss it, as it arrives through the server's redirect)
// signs in through the whole redirect flow with both entries on the JavaScript engine, which
// only such a page downloads. Also: a synchronous call before init() is an OAuthError
// `not_initialized` of the one OAuthError class, and a JavaScript engine that fails to load is
// `not_initialized` with its cause; and a browser with WebAssembly but without
// DecompressionStream and Uint8Array.fromBase64 (Safari before 16.4) runs the wasm. (Chromium
// without WebAssembly at all: run every e2e file with OAUTH_SPA_E2E_ENGINE=js, as npm test does.)
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ENGINE, tokenRequests, useServerAndBrowser } from './harness.mjs';

const APP = `
import init, { createPkcePair, ellipsis, startLogin, handleCallback } from '/pkg/oauth_spa_core.js';
import * as full from '/pkg/oauth_spa.js';
const report = (r) => { document.body.dataset.result = JSON.stringify(r); };
let early;
try { createPkcePair(); early = 'no error'; } catch (e) {
  early = { code: e.code, fullError: e instanceof full.OAuthError, message: e.message };
}
try {
  const engines = [await init(), await full.default()];
  const config = ellipsis({ clientId: 'demo-public', redirectUri: location.origin + '/', baseUrl: location.origin + '/v3' });
  if (new URLSearchParams(location.search).has('state')) {
    const t = await handleCallback(config);
    report({ ok: true, engines, tokenType: t.tokenType, appState: t.appState, early: JSON.parse(sessionStorage.getItem('early')) });
  } else {
    sessionStorage.setItem('early', JSON.stringify(early));
    location.assign(startLogin(config, { appState: 'reach' }));
  }
} catch (e) {
  report({ ok: false, code: e.code, message: e.message, fullError: e instanceof full.OAuthError, cause: String(e.cause) });
}
`;

describe('reach: CSP without wasm-unsafe-eval, calls before init', () => {
  let www;
  before(async () => {
    www = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-reach-'));
    await writeFile(join(www, 'app.js'), APP);
    // What an older browser lacks, removed before the modules run (a classic script runs first).
    await writeFile(join(www, 'older.js'),
      'delete globalThis.DecompressionStream; delete globalThis.CompressionStream; delete Uint8Array.fromBase64;\n');
  });
  after(async () => { if (www) await rm(www, { recursive: true, force: true }); });
  const fx = useServerAndBrowser({ autoApprove: true, get www() { return www; } });

  // The page carries `csp` (and runs the classic script `before` first, if given); every
  // request the page makes is recorded.
  async function open(csp, before = '') {
    const { page } = fx.browser;
    await writeFile(join(www, 'index.html'), '<!doctype html><meta charset="utf-8">'
      + `<meta http-equiv="Content-Security-Policy" content="${csp}">`
      + '<title>reach</title><link rel="icon" href="data:,">'
      + (before && `<script src="/${before}"></script>`) + '<script type="module" src="/app.js"></script>');
    const requested = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`${fx.server.origin}/`);
    await page.waitForSelector('body[data-result]', { state: 'attached', timeout: 20000 });
    return { result: JSON.parse(await page.getAttribute('body', 'data-result')), requested };
  }

  const early = { code: 'not_initialized', fullError: true,
    message: 'oauth-spa is not initialized: await init() first' };

  test("script-src 'self': both entries sign in on the JavaScript engine", async () => {
    const { result, requested } = await open("script-src 'self'");
    assert.deepEqual(result, { ok: true, engines: ['js', 'js'], tokenType: 'Bearer', appState: 'reach', early },
      fx.browser.problems.join('\n'));
    assert.ok(requested.includes('/pkg/oauth_spa_core_fallback.js') && requested.includes('/pkg/oauth_spa_fallback.js'));
    assert.equal(tokenRequests(await fx.server.stats()), 1);
    // The CSP refused the wasm (Chromium reports that on the console): nothing else went wrong.
    assert.deepEqual(fx.browser.problems.filter((p) => !/WebAssembly|wasm-unsafe-eval/i.test(p)), []);
  });

  test("script-src 'self' 'wasm-unsafe-eval': WebAssembly, and the JavaScript engine is not downloaded", async () => {
    const { result, requested } = await open("script-src 'self' 'wasm-unsafe-eval'");
    assert.deepEqual(result, { ok: true, engines: [ENGINE, ENGINE], tokenType: 'Bearer', appState: 'reach', early },
      fx.browser.problems.join('\n'));
    assert.equal(requested.some((p) => p.includes('_fallback')), ENGINE === 'js');
    assert.equal(tokenRequests(await fx.server.stats()), 1);
    assert.deepEqual(fx.browser.problems, []);
  });

  test('without DecompressionStream and Uint8Array.fromBase64 (Safari before 16.4): WebAssembly still', async () => {
    const { result, requested } = await open("script-src 'self' 'wasm-unsafe-eval'", 'older.js');
    assert.deepEqual(result, { ok: true, engines: [ENGINE, ENGINE], tokenType: 'Bearer', appState: 'reach', early },
      fx.browser.problems.join('\n'));
    assert.equal(requested.some((p) => p.includes('_fallback')), ENGINE === 'js');
    // The callback page ran without them too (the same page, with ?code&state).
    assert.deepEqual(await fx.browser.page.evaluate(() => [typeof DecompressionStream, typeof Uint8Array.fromBase64]),
      ['undefined', 'undefined']);
    assert.equal(tokenRequests(await fx.server.stats()), 1);
    assert.deepEqual(fx.browser.problems, []);
  });

  test('a JavaScript engine that cannot be loaded: not_initialized with the cause, nothing sent', async () => {
    const { page } = fx.browser;
    await page.route('**/pkg/*_fallback.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
    const { result } = await open("script-src 'self'");
    assert.equal(result.ok, false);
    assert.equal(result.code, 'not_initialized');
    assert.equal(result.fullError, true);
    assert.match(result.cause, /import|module|fetch/i);
    assert.equal(tokenRequests(await fx.server.stats()), 0);
  });
});

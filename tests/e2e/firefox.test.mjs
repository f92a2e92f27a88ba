// The release package (pkg/, the no_std wasm with its own allocator and random pool, and the
// minified glue) in a second engine: Firefox, driven over WebDriver by geckodriver (both
// installed by scripts/setup.sh for the browser tests), against the embedded server. The other
// e2e tests run Chromium; the browser tests run Firefox too, but on the std test build.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, startEmbeddedServer, tokenRequests } from './harness.mjs';

const GECKODRIVER = process.env.GECKODRIVER ?? join(homedir(), '.cargo', 'bin', 'geckodriver');

// Signs in with `oauth-spa/core` (Ellipsis dialect), then refreshes the tokens through a session
// of the full entry, and checks 1000 PKCE pairs; the outcome goes into <body data-result>.
const APP = `
import initCore, * as core from '/pkg/oauth_spa_core.js';
import initFull, * as full from '/pkg/oauth_spa.js';
await Promise.all([initCore(), initFull()]);
const options = { clientId: 'demo-public', redirectUri: location.origin + '/', baseUrl: location.origin + '/v3' };
const config = core.ellipsis(options);
const report = (r) => { document.body.dataset.result = JSON.stringify(r); };
try {
  if (new URLSearchParams(location.search).has('state')) {
    const t = await core.handleCallback(config);
    const session = full.createSession(full.ellipsis(options), { tokens: t });
    const refreshed = await session.getAccessToken({ forceRefresh: true });
    const seen = new Set();
    let pairs = 0;
    for (let i = 0; i < 1000; i++) {
      const p = core.createPkcePair();
      if (/^[A-Za-z0-9_-]{43}$/.test(p.verifier) && core.computeCodeChallenge(p.verifier) === p.challenge
        && !seen.has(p.verifier)) pairs++;
      seen.add(p.verifier);
    }
    report({
      ok: true, tokenType: t.tokenType, appState: t.appState, search: location.search,
      rotated: refreshed !== t.accessToken && session.getTokens().refreshToken !== t.refreshToken,
      pairs, vector: core.computeCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
      pending: Object.keys(sessionStorage).length,
    });
  } else {
    location.assign(core.startLogin(config, { appState: 'from Firefox' }));
  }
} catch (e) {
  report({ ok: false, name: e.name, code: e.code, message: e.message });
}
`;

describe('release package in Firefox (geckodriver)', () => {
  let dir, server, driver, base, session;
  const wd = async (method, path, body) => {
    const res = await fetch(base + path, {
      method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body),
    });
    const { value } = await res.json();
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(value)}`);
    return value;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-firefox-'));
    const www = join(dir, 'www');
    await mkdir(www);
    await mkdir(join(dir, 'tmp'));
    await writeFile(join(www, 'index.html'), '<!doctype html><meta charset="utf-8"><title>firefox</title>'
      + '<link rel="icon" href="data:,"><script type="module" src="/app.js"></script>');
    await writeFile(join(www, 'app.js'), APP);
    server = await startEmbeddedServer({ autoApprove: true, www });
    const port = await freePort();
    // Firefox's profile goes into this test's temp folder, removed afterwards.
    driver = spawn(GECKODRIVER, ['--port', String(port)], {
      stdio: 'ignore', env: { ...process.env, TMPDIR: join(dir, 'tmp') },
    });
    base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        await fetch(`${base}/status`);
        break;
      } catch (e) {
        if (i > 100) throw new Error(`geckodriver did not start: ${e.message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    ({ sessionId: session } = await wd('POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'firefox', 'moz:firefoxOptions': { args: ['-headless'] } } },
    }));
  });

  after(async () => {
    if (session) await wd('DELETE', `/session/${session}`).catch(() => {});
    if (driver) {
      const exited = new Promise((r) => driver.once('exit', r));
      driver.kill();
      await exited;
    }
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  test('signs in through the redirect flow, refreshes through a session, makes valid PKCE pairs', async () => {
    await wd('POST', `/session/${session}/url`, { url: `${server.origin}/` });
    let result = null;
    for (let i = 0; i < 200 && result === null; i++) {
      result = await wd('POST', `/session/${session}/execute/sync`, {
        script: 'return document.body ? document.body.dataset.result ?? null : null', args: [],
      });
      if (result === null) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(result, 'the page reported within 20 s');
    assert.deepEqual(JSON.parse(result), {
      ok: true, tokenType: 'Bearer', appState: 'from Firefox', search: '', rotated: true,
      pairs: 1000, vector: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', pending: 0,
    });
    // The code exchange and the refresh; nothing else.
    assert.equal(tokenRequests(await server.stats()), 2);
  });
});

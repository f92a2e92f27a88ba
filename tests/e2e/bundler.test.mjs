// The package as an app with a bundler gets it: npm pack, npm install of the tarball into an
// empty app, webpack 5 bundles an app that imports `oauth-spa/core` and `oauth-spa` by name, and
// the bundle signs in through the whole redirect flow in Chromium against the embedded server
// (Ellipsis dialect), with no webpack configuration beyond entry and output: the entries carry
// their wasm, so there is no asset to emit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, tokenRequests, useServerAndBrowser } from './harness.mjs';

// The app: signs in on its first load, finishes the sign-in when it comes back with a response,
// and writes what happened into <body data-result>. `#forged` runs a callback with a state no
// login made, through the full entry.
const app = (init) => `
import ${init ? 'initCore, ' : ''}{ ellipsis, startLogin, handleCallback } from 'oauth-spa/core';
import ${init ? 'initFull, ' : ''}* as full from 'oauth-spa';
${init ? 'await Promise.all([initCore(), initFull()]);' : ''}

const config = ellipsis({ clientId: 'demo-public', redirectUri: location.origin + '/', baseUrl: location.origin + '/v3' });
const report = (r) => { document.body.dataset.result = JSON.stringify(r); };
const failed = (e) => report({ ok: false, code: e.code, message: e.message,
  fullError: e instanceof full.OAuthError });

if (location.hash === '#forged') {
  full.handleCallback(full.ellipsis({ clientId: 'demo-public', baseUrl: location.origin + '/v3' }),
    location.origin + '/?code=abc&state=' + 'f'.repeat(43)).then(() => report({ ok: true }), failed);
} else if (new URLSearchParams(location.search).has('state')) {
  handleCallback(config).then((t) => report({
    ok: true, tokenType: t.tokenType, accessToken: typeof t.accessToken, appState: t.appState,
    search: location.search, session: typeof full.createSession,
  }), failed);
} else {
  location.assign(startLogin(config, { appState: 'from the bundle' }));
}
`;

for (const { folder, init } of [{ folder: 'pkg', init: true }]) {
  describe(`${folder}/ bundled by webpack`, () => {
    const pkg = join(ROOT, folder);
    let dir;
    before(async () => {
      if (!existsSync(join(pkg, 'oauth_spa_core_fallback.js'))) {
        throw new Error(`${folder}/ is missing (run: bash scripts/build.sh)`);
      }
      dir = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-bundler-'));
      const appDir = join(dir, 'app');
      const www = join(dir, 'www');
      await mkdir(appDir);
      await mkdir(www);
      const tarball = execFileSync('npm', ['pack', '--silent', '--offline', '--pack-destination', appDir], { cwd: pkg })
        .toString().trim().split('\n').pop();
      await writeFile(join(appDir, 'package.json'), '{"name":"bundler-app","private":true,"type":"module"}');
      execFileSync('npm', ['install', '--silent', '--offline', '--no-audit', '--no-fund', `./${tarball}`], { cwd: appDir });
      await writeFile(join(appDir, 'app.js'), app(init));
      await writeFile(join(www, 'index.html'),
        '<!doctype html><meta charset="utf-8"><title>bundled</title><link rel="icon" href="data:,"><script src="/main.js"></script>');
      const webpack = createRequire(import.meta.url)('webpack');
      const stats = await new Promise((resolve, reject) => webpack({
        mode: 'production',
        context: appDir,
        entry: './app.js',
        output: { path: www, filename: 'main.js', publicPath: '/' },
        performance: { hints: false },
      }, (err, s) => (err ? reject(err) : resolve(s))));
      assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
      const emitted = await readdir(www);
      assert.equal(emitted.filter((f) => f.endsWith('.wasm')).length, 0,
        `no .wasm asset: ${emitted.join(', ')}`);
      fx.www = www;
    });
    after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

    // The server starts after the bundle exists (this `before` runs after the one above).
    const fx = useServerAndBrowser({ autoApprove: true, get www() { return fx.www; } });

    async function result(page) {
      await page.waitForSelector('body[data-result]', { state: 'attached', timeout: 20000 });
      return JSON.parse(await page.getAttribute('body', 'data-result'));
    }

    test('signs in through the redirect flow with the Ellipsis dialect', async () => {
      const { page, problems } = fx.browser;
      await page.goto(`${fx.server.origin}/`);
      const r = await result(page);
      assert.deepEqual(r, {
        ok: true, tokenType: 'Bearer', accessToken: 'string', appState: 'from the bundle',
        search: '', session: 'function',
      }, problems.join('\n'));
      assert.equal(tokenRequests(await fx.server.stats()), 1);
      assert.deepEqual(problems, []);
    });

    test('a forged response is an OAuthError of the package, and nothing is sent', async () => {
      const { page, problems } = fx.browser;
      await page.goto(`${fx.server.origin}/#forged`);
      const r = await result(page);
      assert.equal(r.code, 'unknown_state', JSON.stringify(r));
      assert.equal(r.fullError, true, 'instanceof the full entry\'s OAuthError');
      assert.equal(tokenRequests(await fx.server.stats()), 0);
      assert.deepEqual(problems, []);
    });
  });
}

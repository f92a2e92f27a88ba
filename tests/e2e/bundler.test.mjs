// The package as an app gets it, with each bundler run the way its documentation starts: no
// configuration file, no plugin beyond the one a tool cannot resolve packages without (Rollup's
// node-resolve), and where a tool cannot do without one, the one line the README shows (the
// row's `line`). pkg/ is packed once (npm pack) and installed offline into an empty app; each row
// gets a copy of that app, builds or serves it with its tool, and the result signs in through the
// whole redirect flow in Chromium against the embedded server (Ellipsis dialect), then again with
// `WebAssembly` deleted (the package's JavaScript fallback, which the tool must keep). A forged
// response gives `unknown_state`, an `instanceof` the full entry's `OAuthError`, with no token
// request. The rows marked `dpop` (esbuild, Vite build) import the third entry too,
// `oauth-spa/dpop`, and sign in through it with `dpop: true`: DPoP-bound tokens, each token
// request with a proof the server verified.
//
// Built apps are served by the embedded server itself (same origin). A dev server serves the app
// on its own port; that origin is a registered redirect URI of the server's clients, which also
// lets it call the token endpoint (CORS), as an app on its own origin would.
//
// Figures for each row (wall time of its build or start; gzip -9 bytes of what the tool emitted
// and of what the app's pages loaded) are printed as test diagnostics; with
// E2E_BUNDLER_SUMMARY=file they are also written there as JSON.
//   E2E_BUNDLERS=vite,parcel   runs only the rows whose name contains one of these words.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ENGINE, ROOT, freePort, tokenRequests, useServerAndBrowser } from './harness.mjs';

// E2E_BUNDLER_PKG=folder tries another package folder (default pkg/).
const PKG = process.env.E2E_BUNDLER_PKG ?? join(ROOT, 'pkg');
const modules = join(ROOT, 'node_modules');

// The app: signs in on its first load, finishes the sign-in when it comes back with a response,
// and writes what happened into <body data-result>. `#forged` runs a callback with a state no
// login made, through the full entry. The authorization server is the page's own origin unless
// <meta name="authorization-server"> names another (a dev server's page).
// With `dpop`, the sign-in goes through oauth-spa/dpop with `dpop: true`, in a vault session
// (`createSession(config, { vault: "worker" })`): the tool must bundle the package's worker
// file (from the entry's `new Worker(new URL(...))`), or, with `vaultUrl`, the app names the
// worker the tool built from `oauth-spa/vault` (the row's one line).
const appSource = (dpop, vaultUrl) => `
import initCore, { ellipsis, ${dpop ? '' : 'startLogin, handleCallback '}} from 'oauth-spa/core';
import initFull, * as full from 'oauth-spa';
${dpop ? "import initDpop, { startLogin, createSession } from 'oauth-spa/dpop';\n" : ''}\
// init() resolves to the engine each entry runs on: 'wasm', or 'js' (the fallback).
const engines = await Promise.all([initCore(), initFull()${dpop ? ', initDpop()' : ''}]);

const server = document.querySelector('meta[name="authorization-server"]')?.content || location.origin;
const config = { ...ellipsis({ clientId: 'demo-public', redirectUri: location.origin + '/', baseUrl: server + '/v3' })${dpop ? ', dpop: true' : ''} };
const report = (r) => { document.body.dataset.result = JSON.stringify(r); };
const failed = (e) => report({ ok: false, code: e.code, message: String(e.message),
  fullError: e instanceof full.OAuthError });
${dpop ? `const handleCallback = (c) => createSession(c, { vault: 'worker'${vaultUrl ? ", vaultUrl: new URL('./vault.js', import.meta.url)" : ''} })
  .handleCallback().then((t) => ({ ...t, dpopKey: t.dpopKey + (t.refreshToken === undefined ? '' : ', with a refresh token') }));` : ''}
if (location.hash === '#forged') {
  full.handleCallback(full.ellipsis({ clientId: 'demo-public', baseUrl: server + '/v3' }),
    location.origin + '/?code=abc&state=' + 'f'.repeat(43)).then(() => report({ ok: true }), failed);
} else if (new URLSearchParams(location.search).has('state')) {
  handleCallback(config).then((t) => report({
    ok: true, tokenType: t.tokenType, accessToken: typeof t.accessToken, appState: t.appState,
    search: location.search, session: typeof full.createSession, engines, dpopKey: t.dpopKey ?? null,
  }), failed);
} else {
  location.assign(startLogin(config, { appState: 'from the bundle' }));
}
`;

const page = ({ head = '', script }) => `<!doctype html>
<meta charset="utf-8"><title>bundled</title><link rel="icon" href="data:,">${head}
<script ${script}></script>
`;

/** Runs a tool's command line in the app folder; rejects with its output on failure. */
function run(file, args, cwd) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 120000, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${[file, ...args].join(' ')} failed (${err.code ?? err.signal}):\n${stdout}\n${stderr}`));
        else resolve(stdout + stderr);
      });
  });
}
const node = (bin, args, cwd) => run(process.execPath, [join(modules, bin), ...args], cwd);

/** The `import` target of an `exports` entry (conditions browser, import, default). */
function target(entry) {
  if (typeof entry === 'string') return entry;
  for (const c of ['browser', 'import', 'default']) if (entry?.[c]) return target(entry[c]);
  throw new Error(`no import target in ${JSON.stringify(entry)}`);
}

// ---------- the rows ----------
// A build row: `build(app)` runs the tool in the app folder and returns the folder to serve; when
// the tool takes no HTML (`html` names the script tag), the test writes index.html next to its
// output. A dev row: `start(app, port)` returns the dev server's process. `line` says what the
// app adds for the tool, `prepare(app)` adds it.
const viteBin = (name) => `${name}/bin/vite.js`;
const vite = (name, version, dpop = false, extra = {}) => [
  {
    name: `Vite ${version} dev server${dpop ? ', oauth-spa/dpop' : ''}`,
    dpop,
    ...extra,
    command: `vite --host 127.0.0.1 --port PORT --strictPort`,
    start: (app, port) => spawn(process.execPath, [join(modules, viteBin(name)), '--host', '127.0.0.1',
      '--port', String(port), '--strictPort'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] }),
  },
  {
    name: `Vite ${version} build${dpop ? ', oauth-spa/dpop' : ''}`,
    dpop,
    ...extra,
    command: 'vite build',
    build: async (app) => { await node(viteBin(name), ['build'], app); return join(app, 'dist'); },
  },
];

// Vite 7 bundles a worker as an IIFE unless told otherwise, and an IIFE cannot hold the
// entry's dynamic import of its JavaScript engine: an app that imports oauth-spa/dpop (whose
// vault starts `new Worker(new URL(...))`) sets `worker.format` (the build fails without it),
// and keeps the package out of the dev server's dependency pre-bundling (where the worker
// file is not served). Vite 8 needs neither.
const VITE7_DPOP = {
  line: "worker: { format: 'es' }, optimizeDeps: { exclude: ['oauth-spa'] } in vite.config.js",
  prepare: (app) => writeFile(join(app, 'vite.config.js'),
    "export default { worker: { format: 'es' }, optimizeDeps: { exclude: ['oauth-spa'] } };\n"),
};

const ROWS = [
  ...vite('vite7', 7),
  ...vite('vite7', 7, true, VITE7_DPOP),
  ...vite('vite', 8, true),
  {
    name: 'webpack 5',
    // The Node API with webpack's defaults (entry ./src, output dist/main.js): what the CLI
    // does with `--mode production` and no webpack.config.js (the CLI's dist/ is under the
    // folder it runs in, the API's under the test's: hence output.path).
    command: 'webpack --mode production',
    dpop: true,
    html: 'src="./main.js"',
    build: async (app) => {
      const webpack = createRequire(import.meta.url)('webpack');
      const stats = await new Promise((resolve, reject) => webpack({ context: app, mode: 'production', output: { path: join(app, 'dist') } },
        (err, s) => (err ? reject(err) : resolve(s))));
      if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }));
      return join(app, 'dist');
    },
  },
  {
    // Like esbuild, Rollup leaves `new Worker(new URL(...))` alone: the vault's worker is a
    // second input (`vault=oauth-spa/vault`), named by `vaultUrl`.
    name: 'Rollup 4 with node-resolve',
    dpop: true,
    vaultUrl: true,
    line: 'vault=oauth-spa/vault as a second input, and vaultUrl',
    command: 'rollup index=src/index.js vault=oauth-spa/vault -p node-resolve -d dist -f es',
    html: 'type="module" src="./index.js"',
    build: async (app) => {
      await node('rollup/dist/bin/rollup', ['index=src/index.js', 'vault=oauth-spa/vault', '-p', 'node-resolve', '-d', 'dist', '-f', 'es'], app);
      return join(app, 'dist');
    },
  },
  // esbuild leaves `new Worker(new URL(...))` alone: the vault's worker is one more entry point
  // (`vault=oauth-spa/vault`, the README's line) and the app names it with `vaultUrl`.
  ...[[], ['--splitting']].map((extra) => {
    const vault = extra.length === 0 ? ['vault=oauth-spa/vault'] : [];
    return {
      name: `esbuild --bundle --format=esm ${extra.join(' ')}`.trim(),
      inlinesFallback: extra.length === 0,
      dpop: extra.length === 0,
      vaultUrl: extra.length === 0,
      line: vault.length ? 'vault=oauth-spa/vault as a second entry point, and vaultUrl' : undefined,
      command: ['esbuild src/index.js', ...vault, '--bundle --format=esm', ...extra, '--outdir=dist'].join(' '),
      html: 'type="module" src="./index.js"',
      build: async (app) => {
        await run(join(modules, '.bin', 'esbuild'), ['src/index.js', ...vault, '--bundle', '--format=esm', ...extra, '--outdir=dist'], app);
        return join(app, 'dist');
      },
    };
  }),
  ...[false, true].map((exportsOn) => ({
    name: `Parcel 2${exportsOn ? ' with package exports on' : ''}`,
    dpop: !exportsOn,
    command: 'parcel build index.html',
    // Parcel 2 ignores package.json `exports` unless the app turns them on; without them,
    // `oauth-spa/core` is a path inside the package folder.
    line: exportsOn ? '"@parcel/resolver-default": { "packageExports": true } in the app\'s package.json' : undefined,
    prepare: exportsOn ? async (app) => {
      const file = join(app, 'package.json');
      const json = JSON.parse(await readFile(file, 'utf8'));
      json['@parcel/resolver-default'] = { packageExports: true };
      await writeFile(file, JSON.stringify(json));
    } : undefined,
    build: async (app) => { await node('parcel/lib/bin.js', ['build', 'index.html'], app); return join(app, 'dist'); },
  })),
  {
    name: 'no bundler (import map)',
    // The one line: an import map naming the package's two entries inside node_modules (read
    // from the package's `exports`).
    line: '<script type="importmap"> in the page',
    head: async (app) => {
      const { exports } = JSON.parse(await readFile(join(app, 'node_modules/oauth-spa/package.json'), 'utf8'));
      const imports = Object.fromEntries(['.', './core'].map((k) => [
        `oauth-spa${k.slice(1)}`, `./node_modules/oauth-spa/${target(exports[k]).replace(/^\.\//, '')}`]));
      return `\n<script type="importmap">${JSON.stringify({ imports })}</script>`;
    },
    command: 'none: the embedded server serves the app folder',
    build: async (app) => app,
  },
];

const only = process.env.E2E_BUNDLERS?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
const rows = ROWS.filter((r) => !only || only.some((w) => r.name.toLowerCase().includes(w)));

// ---------- one app, installed once ----------
let work;
let template;
const summary = [];
before(async () => {
  if (!existsSync(join(PKG, 'package.json'))) throw new Error('pkg/ is missing (run: bash scripts/build.sh)');
  work = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-bundler-'));
  template = join(work, 'template');
  await mkdir(join(template, 'src'), { recursive: true });
  const tarball = execFileSync('npm', ['pack', '--silent', '--offline', '--pack-destination', work], { cwd: PKG })
    .toString().trim().split('\n').pop();
  await writeFile(join(template, 'package.json'), '{"name":"bundler-app","private":true,"type":"module"}\n');
  execFileSync('npm', ['install', '--silent', '--offline', '--no-audit', '--no-fund', join(work, tarball)], { cwd: template });
  await writeFile(join(template, 'src', 'index.js'), appSource(false));
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true, maxRetries: 5 });
  if (process.env.E2E_BUNDLER_SUMMARY) await writeFile(process.env.E2E_BUNDLER_SUMMARY, JSON.stringify(summary, null, 2));
});

/** gzip -9 bytes of each file under `dir` (no HTML, no source maps), by path relative to it. */
async function gzipSizes(dir) {
  const out = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    const rel = relative(dir, file);
    if (['.html', '.map'].includes(extname(rel))) continue;
    out[rel] = gzipSync(await readFile(file), { level: 9 }).length;
  }
  return out;
}
const total = (sizes) => Object.values(sizes).reduce((a, b) => a + b, 0);

/**
 * What the app wrote into <body data-result> (after its redirects). An uncaught error in the page
 * ends the wait a second later (the app then never writes a result); so do 30 s without one.
 */
async function result(p, problems, context = '') {
  const deadline = Date.now() + 30000;
  let failedAt;
  for (;;) {
    // null while a navigation replaces the document
    const r = await p.evaluate(() => document.body?.dataset.result ?? null).catch(() => null);
    if (r) return JSON.parse(r);
    if (problems.some((x) => x.startsWith('pageerror'))) failedAt ??= Date.now();
    if (Date.now() > deadline || (failedAt && Date.now() - failedAt > 1000)) {
      throw new Error(`no result from the app at ${p.url()}\n${problems.join('\n')}${context}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const row of rows) {
  describe(row.name, () => {
    const fx = { www: undefined, origins: [] };
    const figures = { row: row.name, command: row.command, line: row.line ?? null };
    summary.push(figures);
    let app;
    let dev;
    let t0;
    before(async () => {
      t0 = performance.now();
      app = join(work, row.name.replace(/[^a-z0-9]+/gi, '-'));
      await cp(template, app, { recursive: true });
      if (row.dpop) await writeFile(join(app, 'src', 'index.js'), appSource(true, row.vaultUrl));
      await row.prepare?.(app);
      if (row.start) {
        fx.devPort = await freePort();
        fx.origins = [`http://127.0.0.1:${fx.devPort}`];
        return; // the page names the server, which starts next
      }
      if (!row.html) await writeFile(join(app, 'index.html'), page({ head: await row.head?.(app) ?? '', script: 'type="module" src="./src/index.js"' }));
      const t = performance.now();
      const out = await row.build(app);
      figures.buildSeconds = +((performance.now() - t) / 1000).toFixed(1);
      if (row.html) await writeFile(join(out, 'index.html'), page({ script: row.html }));
      if (out !== app) figures.emitted = await gzipSizes(out);
      fx.www = out;
    });

    const server = useServerAndBrowser({
      autoApprove: true, get www() { return fx.www; }, get origins() { return fx.origins; },
    });

    if (row.start) {
      before(async () => {
        await writeFile(join(app, 'index.html'), page({
          head: `\n<meta name="authorization-server" content="${server.server.origin}">`,
          script: 'type="module" src="./src/index.js"',
        }));
        const t = performance.now();
        dev = row.start(app, fx.devPort);
        const log = [];
        dev.stdout.on('data', (c) => log.push(c.toString()));
        dev.stderr.on('data', (c) => log.push(c.toString()));
        const origin = fx.origins[0];
        const deadline = Date.now() + 60000;
        for (;;) {
          if (dev.exitCode !== null) throw new Error(`${row.command} exited with ${dev.exitCode}:\n${log.join('')}`);
          if (Date.now() > deadline) throw new Error(`${row.command} did not answer within 60 s:\n${log.join('')}`);
          const ok = await fetch(`${origin}/`).then((r) => r.ok, () => false);
          if (ok) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        figures.startSeconds = +((performance.now() - t) / 1000).toFixed(1);
        fx.devLog = log;
      });
    }
    after(async () => {
      if (dev && dev.exitCode === null) {
        const exited = new Promise((r) => dev.once('exit', r));
        dev.kill('SIGTERM');
        const timer = setTimeout(() => dev.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      figures.rowSeconds = +((performance.now() - t0) / 1000).toFixed(1);
    });

    const appOrigin = () => (row.start ? fx.origins[0] : server.server.origin);
    const devLog = () => (fx.devLog ? `\n${row.command} said:\n${fx.devLog.join('').slice(-4000)}` : '');

    /** Signs in from the app's first page; returns the seconds it took and what the pages loaded. */
    async function signIn(p, problems, engine) {
      // What the app's pages load from its origin, for the byte figures.
      const loaded = new Set();
      const onRequest = (r) => {
        const url = new URL(r.url());
        if (url.origin === appOrigin() && !url.pathname.startsWith('/v3/')) loaded.add(decodeURIComponent(url.pathname));
      };
      p.on('request', onRequest);
      const t1 = performance.now();
      await p.goto(`${appOrigin()}/`);
      const r = await result(p, problems, devLog());
      p.off('request', onRequest);
      const seconds = +((performance.now() - t1) / 1000).toFixed(1);
      assert.deepEqual(r, {
        ok: true, tokenType: row.dpop ? 'DPoP' : 'Bearer', accessToken: 'string', appState: 'from the bundle',
        search: '', session: 'function', engines: row.dpop ? [engine, engine, engine] : [engine, engine],
        dpopKey: row.dpop ? 'stored' : null,
      }, problems.join('\n') + devLog());
      assert.equal(tokenRequests(await server.server.stats()), 1);
      assert.deepEqual(problems, []);
      if (!fx.www) return { seconds, paths: loaded };
      const sizes = {};
      for (const path of loaded) {
        const f = path.replace(/^\//, '');
        const file = join(fx.www, f);
        if (f && !f.endsWith('.html') && (await stat(file).catch(() => null))?.isFile()) {
          sizes[f] = gzipSync(await readFile(file), { level: 9 }).length;
        }
      }
      return { seconds, paths: loaded, sizes };
    }
    const bytes = (sizes) => `${total(sizes)} B gzip -9 (${Object.entries(sizes).map(([f, n]) => `${f} ${n}`).join(', ')})`;

    // This file runs both engines itself; with OAUTH_SPA_E2E_ENGINE=js no page has WebAssembly.
    const wasmSkip = ENGINE === 'js' && 'OAUTH_SPA_E2E_ENGINE=js: no WebAssembly (the next test is this engine)';
    test('signs in through the redirect flow (Ellipsis dialect)', { skip: wasmSkip }, async (t) => {
      const { page: p, problems } = server.browser;
      const { seconds, paths, sizes } = await signIn(p, problems, 'wasm');
      fx.paths = paths;
      figures.signInSeconds = seconds;
      figures.loaded = sizes;
      t.diagnostic(`${row.command}${row.line ? ` + one line (${row.line})` : ''}: ${[
        figures.buildSeconds !== undefined ? `build ${figures.buildSeconds} s` : `dev server up in ${figures.startSeconds} s`,
        `sign-in ${seconds} s`,
        figures.emitted ? `emitted ${total(figures.emitted)} B gzip -9 in ${Object.keys(figures.emitted).length} files` : null,
        sizes ? `the app loaded ${bytes(sizes)}` : null,
      ].filter(Boolean).join('; ')}`);
    });

    // Where WebAssembly is missing (Apple's Lockdown Mode), the package loads its JavaScript
    // translation: the tool must have kept that import working.
    test('signs in without WebAssembly (the JavaScript fallback)', async (t) => {
      const { context, page: p, problems } = server.browser;
      await context.addInitScript(() => { delete globalThis.WebAssembly; });
      const { seconds, paths, sizes } = await signIn(p, problems, 'js');
      figures.loadedWithoutWasm = sizes;
      // Nobody with WebAssembly downloads the fallback: it is a file of its own, loaded only
      // here. Without --splitting, esbuild puts a dynamic import() into the one output file.
      if (fx.paths) {
        const extra = [...paths].filter((f) => !fx.paths.has(f));
        if (row.inlinesFallback) assert.deepEqual(extra, [], 'the fallback is inside the bundle');
        else assert.ok(extra.length > 0, `the fallback is a file loaded only without WebAssembly: ${[...paths].join(', ')}`);
      }
      t.diagnostic(`sign-in ${seconds} s${sizes ? `; the app loaded ${bytes(sizes)}` : ''}`);
    });

    test('a forged response is an OAuthError of the package, and nothing is sent', async () => {
      const { page: p, problems } = server.browser;
      await p.goto(`${appOrigin()}/#forged`);
      const r = await result(p, problems, devLog());
      assert.equal(r.code, 'unknown_state', JSON.stringify(r));
      assert.equal(r.fullError, true, 'instanceof the full entry\'s OAuthError');
      assert.equal(tokenRequests(await server.server.stats()), 0);
      assert.deepEqual(problems, []);
    });
  });
}

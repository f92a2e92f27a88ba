// What users feel: sign-in page timings on a phone-like profile, in headless Chromium.
//
// A small production-like site is written into bench/dist/site/ and served by lib/server.mjs in
// `deploy` mode (gzip, ETag, immutable hashed asset URLs). Every candidate has two pages:
//   /site/<slug>/login.html     the library builds the authorization URL (PKCE S256, state stored)
//                               and navigates to it; the page's navigation listener takes the
//                               time (performance.now(), i.e. since navigation start) and cancels
//                               the navigation: "authorize URL ready"
//   /site/<slug>/callback.html  opened with ?code&state: the library finds its transaction,
//                               exchanges the code at the token endpoint (another loopback origin,
//                               CORS) and resolves the tokens: "TokenSet in hand"
// Each page carries its application code inline (a module script) and loads the library from
// /v/<content hash>/...: oauth-spa as its package is shipped (pkg/, no bundler), the others as an
// app bundles them (esbuild --bundle --minify --format=esm of bench/entries/<lib>.js).
//
// Every page load runs on the phone profile: CDP Emulation.setCPUThrottlingRate and the network
// conditions (latency, download and upload throughput), checked at the start of the run by a
// known-size download and a fixed CPU loop. First visit = a new browser context (empty HTTP
// cache); repeat visit = the same context, a second navigation (HTTP cache warm).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import * as esbuild from 'esbuild';
import { summary } from './stats.mjs';

/** The phone-like profile (throughputs in kbit/s, as the figures are usually quoted). */
export const PROFILE = { cpuThrottlingRate: 4, latencyMs: 150, downloadKbps: 1600, uploadKbps: 750 };
const bytesPerSecond = (kbps) => (kbps * 1000) / 8;

export const ACCESS_TOKEN = 'bench-access-token-2YotnFZFEjr1zCsicMWpAA'; // lib/server.mjs TOKEN_RESPONSE
const CLIENT_ID = 'bench-client';
const SCOPE = 'read write';

/**
 * The candidates, in the order of round 0 (rotated each round). `engine` is what oauth-spa's
 * init() must resolve to; 'js' is forced by deleting WebAssembly before any page script runs.
 */
export function candidates(spaEntries) {
  const list = [
    { name: 'oauth-spa (wasm)', slug: 'spa-wasm', lib: 'spa', entry: 'oauth_spa.js', engine: 'wasm' },
    { name: 'oauth-spa (JS engine)', slug: 'spa-js', lib: 'spa', entry: 'oauth_spa.js', engine: 'js' },
    { name: 'oauth-spa/core (wasm)', slug: 'core-wasm', lib: 'spa', entry: 'oauth_spa_core.js', engine: 'wasm' },
    { name: 'oauth4webapi', slug: 'oauth4webapi', lib: 'oauth4webapi' },
    { name: 'oidc-client-ts', slug: 'oidc-client-ts', lib: 'oidc-client-ts' },
  ];
  return list.filter((c) => c.lib !== 'spa' || spaEntries.some((e) => e.js === c.entry));
}
export const BASELINE = 'oauth4webapi';
export const SCENARIOS = ['login first', 'login repeat', 'callback first', 'callback repeat'];

// ---------------------------------------------------------------- the site
// Runs first in every page (a classic inline script): how the page reports to the driver.
function harness(authorizeEndpoint, isLogin) {
  return `(() => {
  const report = (r) => console.log('BENCH_VISIT ' + JSON.stringify({ engine: window.__engine, ...r }));
  window.__report = report;
  addEventListener('error', (e) => report({ error: String(e.error && e.error.stack || e.message) }));
  addEventListener('unhandledrejection', (e) => report({ error: String(e.reason && e.reason.stack || e.reason) }));
  ${isLogin ? `navigation.addEventListener('navigate', (e) => {
    const ms = performance.now();
    if (!e.destination.url.startsWith(${JSON.stringify(authorizeEndpoint)})) return;
    e.preventDefault(); // the authorization server is not part of the measure
    report({ kind: 'login', ms, url: e.destination.url });
  });` : ''}
})();`;
}

// The application code of each candidate's pages: what a user of that library writes.
// The first line is the import (a module script imports at its top), the rest runs in a try.
function appCode(c, role, urls, cfg) {
  const spaConfig = {
    clientId: CLIENT_ID,
    authorizationEndpoint: cfg.authorizeEndpoint,
    tokenEndpoint: cfg.tokenEndpoint,
    redirectUri: cfg.redirectUri,
    scope: SCOPE,
  };
  const as = { issuer: cfg.tokenOrigin, authorization_endpoint: cfg.authorizeEndpoint, token_endpoint: cfg.tokenEndpoint };
  const done = `__report({ kind: 'callback', ms, accessToken })`;
  if (c.lib === 'spa') {
    return role === 'login'
      ? `import init, { startLogin } from ${JSON.stringify(urls.lib)};
window.__engine = await init();
location.assign(startLogin(${JSON.stringify(spaConfig)}));`
      : `import init, { handleCallback } from ${JSON.stringify(urls.lib)};
window.__engine = await init();
const tokens = await handleCallback(${JSON.stringify(spaConfig)});
const ms = performance.now();
const accessToken = tokens.accessToken;
${done};`;
  }
  if (c.lib === 'oauth4webapi') {
    return role === 'login'
      ? `import { login } from ${JSON.stringify(urls.lib)};
location.assign(await login(${JSON.stringify(as)}, { client_id: ${JSON.stringify(CLIENT_ID)} }, ${JSON.stringify(cfg.redirectUri)}, ${JSON.stringify(SCOPE)}));`
      : `import { callback, allowInsecureRequests } from ${JSON.stringify(urls.lib)};
// http on loopback only: oauth4webapi refuses http unless told
const tokens = await callback(${JSON.stringify(as)}, { client_id: ${JSON.stringify(CLIENT_ID)} }, location.href, { [allowInsecureRequests]: true });
const ms = performance.now();
const accessToken = tokens.access_token;
${done};`;
  }
  const settings = {
    authority: cfg.tokenOrigin,
    client_id: CLIENT_ID,
    redirect_uri: cfg.redirectUri,
    scope: SCOPE,
    metadata: as, // no discovery request, as for the others
  };
  return role === 'login'
    ? `import { manager, login } from ${JSON.stringify(urls.lib)};
await login(manager(${JSON.stringify(settings)}));`
    : `import { manager, callback } from ${JSON.stringify(urls.lib)};
const user = await callback(manager(${JSON.stringify(settings)}));
const ms = performance.now();
const accessToken = user.access_token;
${done};`;
}

function page(title, harnessJs, app) {
  const [imports, ...body] = app.split('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title>
<script>${harnessJs}</script>
<script type="module">
${imports}
try {
${body.join('\n')}
} catch (e) {
  __report({ error: String(e && e.stack || e) });
}
</script>
</head><body><p>Signing in...</p></body></html>
`;
}

/**
 * Writes the site into `siteDir` (emptied first): the assets under v/<hash>/ and the pages.
 * origins: { pageOrigin, tokenOrigin }. Returns { hash, files (the assets), pages: { slug: { login, callback, authorize } } }.
 */
export async function writeSite({ siteDir, pkgDir, benchDir, list, origins }) {
  fs.rmSync(siteDir, { recursive: true, force: true });
  const staging = path.join(siteDir, 'staging');
  fs.mkdirSync(path.join(staging, 'pkg'), { recursive: true });
  fs.mkdirSync(path.join(staging, 'lib'), { recursive: true });
  // The package as shipped: every file a browser may load (entries, shared error module, the
  // JavaScript engines), no types or docs.
  for (const f of fs.readdirSync(pkgDir)) {
    if (/\.js$/.test(f)) fs.copyFileSync(path.join(pkgDir, f), path.join(staging, 'pkg', f));
  }
  for (const lib of ['oauth4webapi', 'oidc-client-ts']) {
    await esbuild.build({
      entryPoints: [path.join(benchDir, 'entries', `${lib}.js`)],
      bundle: true, minify: true, format: 'esm', outfile: path.join(staging, 'lib', `${lib}.js`), logLevel: 'warning',
    });
  }
  // One content hash for all assets, as a build puts in its asset URLs: the reason they may be
  // cached as immutable.
  const h = crypto.createHash('sha256');
  const files = fs.readdirSync(staging, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(staging, f)).isFile()).sort();
  for (const f of files) h.update(f).update(fs.readFileSync(path.join(staging, f)));
  const hash = h.digest('hex').slice(0, 12);
  fs.mkdirSync(path.join(siteDir, 'v'), { recursive: true });
  fs.renameSync(staging, path.join(siteDir, 'v', hash));
  fs.writeFileSync(path.join(siteDir, 'calib.html'), '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>calibration</title></head><body></body></html>\n');

  const pages = {};
  for (const c of list) {
    const lib = c.lib === 'spa' ? `/v/${hash}/pkg/${c.entry}` : `/v/${hash}/lib/${c.lib}.js`;
    const cfg = {
      tokenOrigin: origins.tokenOrigin,
      authorizeEndpoint: `${origins.tokenOrigin}/authorize`,
      tokenEndpoint: `${origins.tokenOrigin}/token`,
      redirectUri: `${origins.pageOrigin}/site/${c.slug}/callback.html`,
    };
    fs.mkdirSync(path.join(siteDir, c.slug), { recursive: true });
    for (const role of ['login', 'callback']) {
      fs.writeFileSync(path.join(siteDir, c.slug, `${role}.html`),
        page(`${role} · ${c.name}`, harness(cfg.authorizeEndpoint, role === 'login'), appCode(c, role, { lib }, cfg)));
    }
    pages[c.slug] = { login: `${origins.pageOrigin}/site/${c.slug}/login.html`, callback: cfg.redirectUri, authorize: cfg.authorizeEndpoint };
  }
  return { hash, files, pages };
}

// ---------------------------------------------------------------- throttling
/** Applies the profile to a page (CPU and network); returns the CDP session and the network method used. */
export async function throttle(page, profile = PROFILE, { cpu = true } = {}) {
  const cdp = await page.context().newCDPSession(page);
  const net = {
    latency: profile.latencyMs,
    downloadThroughput: bytesPerSecond(profile.downloadKbps),
    uploadThroughput: bytesPerSecond(profile.uploadKbps),
  };
  await cdp.send('Network.enable');
  let method;
  try {
    // Chromium 14x+: Network.emulateNetworkConditions is deprecated in favour of these two.
    await cdp.send('Network.emulateNetworkConditionsByRule', { matchedNetworkConditions: [{ urlPattern: '', ...net, connectionType: 'cellular3g' }] });
    await cdp.send('Network.overrideNetworkState', { offline: false, ...net, connectionType: 'cellular3g' });
    method = 'Network.emulateNetworkConditionsByRule + Network.overrideNetworkState';
  } catch {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...net, connectionType: 'cellular3g' });
    method = 'Network.emulateNetworkConditions';
  }
  if (cpu) await cdp.send('Emulation.setCPUThrottlingRate', { rate: profile.cpuThrottlingRate });
  return { cdp, method };
}

/**
 * Checks the emulation really throttles: a download of `bytes` random bytes (no-store) must take
 * at least 80 % of latency + bytes / throughput, and a fixed CPU loop must run at least 2x slower
 * at rate 4 than at rate 1 (5 alternations, the fastest of each compared; a loaded machine blurs
 * the exact factor: Chromium throttles by pausing the page's thread, and a thread other
 * processes already hold back loses less to the pauses). With `strict` false (the smoke run in
 * `npm test`, whose figures are not published) a CPU factor under 2 is recorded as
 * `cpu.warning` instead of failing: on a machine busy with other work it was seen at 1.05.
 */
export async function calibrate(browser, servers, { bytes, strict = true }) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${servers.pageOrigin}/site/calib.html`);
    const download = (n) => page.evaluate(async (url) => {
      const t0 = performance.now();
      const body = await (await fetch(url, { cache: 'no-store' })).arrayBuffer();
      return { ms: performance.now() - t0, bytes: body.byteLength };
    }, `/calib/${n}`);
    const loop = () => page.evaluate(() => {
      const t0 = performance.now();
      let x = 0x9e3779b9;
      for (let i = 0; i < 4e6; i++) x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + i | 0;
      return { ms: performance.now() - t0, x };
    });
    const unthrottledDownload = await download(bytes);
    await loop(); // warm-up: the first run includes compiling the loop
    const cpu = { rate1: [], rate4: [] };
    const { cdp, method } = await throttle(page, PROFILE, { cpu: false });
    for (let i = 0; i < 5; i++) {
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      cpu.rate1.push((await loop()).ms);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: PROFILE.cpuThrottlingRate });
      cpu.rate4.push((await loop()).ms);
    }
    const throttledDownload = await download(bytes);
    const expectedMs = PROFILE.latencyMs + (bytes / bytesPerSecond(PROFILE.downloadKbps)) * 1000;
    const cpuFactor = Math.min(...cpu.rate4) / Math.min(...cpu.rate1); // the fastest of each: the least disturbed by other load
    const out = {
      networkMethod: method,
      download: { bytes, unthrottledMs: unthrottledDownload.ms, throttledMs: throttledDownload.ms, expectedMs },
      cpu: { rate1Ms: cpu.rate1, rate4Ms: cpu.rate4, factor: cpuFactor },
    };
    if (throttledDownload.bytes !== bytes) throw new Error(`calibration download got ${throttledDownload.bytes} bytes, expected ${bytes}`);
    if (throttledDownload.ms < 0.8 * expectedMs) {
      throw new Error(`the network emulation does not throttle: ${bytes} B took ${throttledDownload.ms.toFixed(0)} ms, expected >= ${(0.8 * expectedMs).toFixed(0)} ms (${method})`);
    }
    if (!(cpuFactor >= 2)) {
      const why = `the CPU throttling does not slow the page: rate 4 / rate 1 = ${cpuFactor.toFixed(2)}`;
      if (strict) throw new Error(why);
      out.cpu.warning = `${why} (a busy machine): these figures are not measurements`;
    }
    return out;
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------- visits
/** Navigates and waits for the page's report; then reads its resource timing. */
async function visit(page, url, kind, timeoutMs) {
  const report = new Promise((resolve, reject) => {
    const timer = setTimeout(() => { page.off('console', onConsole); reject(new Error(`no report from ${url} within ${timeoutMs} ms`)); }, timeoutMs);
    function onConsole(msg) {
      const text = msg.text();
      if (!text.startsWith('BENCH_VISIT ')) return;
      clearTimeout(timer);
      page.off('console', onConsole);
      resolve(JSON.parse(text.slice('BENCH_VISIT '.length)));
    }
    page.on('console', onConsole);
  });
  await page.goto(url, { waitUntil: 'commit', timeout: timeoutMs });
  const r = await report;
  if (r.error) throw new Error(`${url}: ${r.error}`);
  if (r.kind !== kind) throw new Error(`${url}: reported ${r.kind}, expected ${kind}`);
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const scripts = res.filter((e) => e.initiatorType === 'script' || /\.m?js$/.test(new URL(e.name).pathname));
    return {
      htmlEnd: nav.responseEnd,
      htmlStatus: nav.responseStatus,
      scriptsEnd: Math.max(0, ...scripts.map((e) => e.responseEnd)),
      transferBytes: nav.transferSize + res.reduce((a, e) => a + e.transferSize, 0),
      requests: res.map((e) => ({ path: new URL(e.name).pathname.replace(/^\/v\/[0-9a-f]+\//, '/v/<hash>/'), start: e.startTime, end: e.responseEnd, transferSize: e.transferSize, encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize })),
    };
  });
  return { ...r, ...timing };
}

// What the figures rely on: a first visit fetches the library gzip-encoded, a repeat visit takes
// it from the HTTP cache (resource timing: transferSize 0).
function checkCache(c, r, which) {
  const assets = r.requests.filter((q) => q.path.startsWith('/v/'));
  if (!assets.length) throw new Error(`${c.name}: no library request in the resource timing`);
  for (const q of assets) {
    if (which === 'first' && !(q.transferSize > 0 && q.encodedBodySize < q.decodedBodySize)) {
      throw new Error(`${c.name}: ${q.path} on a first visit: transferSize ${q.transferSize}, encoded ${q.encodedBodySize} of ${q.decodedBodySize} B (expected fetched, gzip-encoded)`);
    }
    if (which === 'repeat' && q.transferSize !== 0) throw new Error(`${c.name}: ${q.path} on a repeat visit came over the network (${q.transferSize} B), not from the HTTP cache`);
  }
}

function checkEngine(c, r, url) {
  if (c.lib !== 'spa') return;
  if (r.engine !== c.engine) throw new Error(`${url}: oauth-spa's init() resolved to ${r.engine}, expected ${c.engine}`);
}

/** One candidate, once: login first + repeat (one context), callback first + repeat (another). */
export async function runCandidate(browser, servers, site, c, { timeoutMs }) {
  const urls = site.pages[c.slug];
  const noWasm = () => { delete globalThis.WebAssembly; };
  const out = {};
  const seeds = {};
  // Login: the authorization URL must carry PKCE S256 and a state the library stored.
  {
    const context = await browser.newContext();
    try {
      if (c.engine === 'js') await context.addInitScript(noWasm);
      const page = await context.newPage();
      await throttle(page);
      for (const which of ['first', 'repeat']) {
        const revalidated = servers.stats.notModified;
        const r = await visit(page, urls.login, 'login', timeoutMs);
        checkEngine(c, r, urls.login);
        checkCache(c, r, which);
        if (which === 'repeat' && servers.stats.notModified !== revalidated + 1) throw new Error(`${c.name}: the repeat login did not revalidate its HTML (304)`);
        const authorize = new URL(r.url);
        const state = authorize.searchParams.get('state');
        const p = authorize.searchParams;
        if (!r.url.startsWith(urls.authorize) || p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256'
          || !/^[A-Za-z0-9_-]{43}$/.test(p.get('code_challenge') || '') || !state || p.get('client_id') !== CLIENT_ID) {
          throw new Error(`${c.name}: not a PKCE S256 authorization URL: ${r.url}`);
        }
        // oauth-spa and oauth4webapi keep it in sessionStorage, oidc-client-ts in localStorage.
        const stored = await page.evaluate(() => {
          const read = (s) => Object.fromEntries(Object.keys(s).map((k) => [k, s.getItem(k)]));
          const o = { session: read(sessionStorage), local: read(localStorage) };
          sessionStorage.clear(); // the next login starts from empty stores, as the first did
          localStorage.clear();
          return o;
        });
        if (!Object.keys(stored.session).length && !Object.keys(stored.local).length) throw new Error(`${c.name}: the login stored no transaction`);
        seeds[state] = stored;
        out[`login ${which}`] = { ...r, state };
      }
    } finally {
      await context.close();
    }
  }
  // Callback: the transactions the logins stored are put back into the storage before any
  // page script runs (the user's tab after the authorization server redirected back).
  {
    const context = await browser.newContext();
    try {
      if (c.engine === 'js') await context.addInitScript(noWasm);
      await context.addInitScript((s) => {
        const seed = s[new URLSearchParams(location.search).get('state')];
        if (!seed) return;
        for (const [k, v] of Object.entries(seed.session)) sessionStorage.setItem(k, v);
        for (const [k, v] of Object.entries(seed.local)) localStorage.setItem(k, v);
      }, seeds);
      const page = await context.newPage();
      await throttle(page);
      for (const which of ['first', 'repeat']) {
        const state = out[`login ${which}`].state;
        const url = `${urls.callback}?code=SplxlOBeZQQYbYS6WxSbIA&state=${encodeURIComponent(state)}`;
        const tokensBefore = servers.stats.tokenRequests;
        const r = await visit(page, url, 'callback', timeoutMs);
        checkEngine(c, r, url);
        checkCache(c, r, which);
        if (r.accessToken !== ACCESS_TOKEN) throw new Error(`${c.name}: the callback resolved access token ${r.accessToken}`);
        if (servers.stats.tokenRequests !== tokensBefore + 1) throw new Error(`${c.name}: the callback sent ${servers.stats.tokenRequests - tokensBefore} token requests, expected 1`);
        out[`callback ${which}`] = r;
      }
    } finally {
      await context.close();
    }
  }
  return out;
}

/** `rounds` rounds, every candidate once per round, the order rotated each round (A B C D E, B C D E A, ...). */
export async function runPhone(browser, servers, site, list, { rounds, timeoutMs, log }) {
  const samples = Object.fromEntries(list.map((c) => [c.name, []]));
  const badBefore = servers.stats.badTokenRequests;
  for (let r = 0; r < rounds; r++) {
    const k = r % list.length;
    const order = [...list.slice(k), ...list.slice(0, k)];
    for (const c of order) samples[c.name].push(await runCandidate(browser, servers, site, c, { timeoutMs }));
    if (log) log(`phone round ${r + 1}/${rounds}: ${order.map((c) => `${c.name} ${samples[c.name].at(-1)['login first'].ms.toFixed(0)}/${samples[c.name].at(-1)['callback first'].ms.toFixed(0)}`).join(', ')}`);
  }
  if (servers.stats.badTokenRequests !== badBefore) throw new Error(`the token endpoint refused ${servers.stats.badTokenRequests - badBefore} requests (bad ${servers.stats.lastBadReason})`);
  return summarize(list, samples, rounds);
}

function summarize(list, samples, rounds) {
  const ms = {};
  const ratio = {};
  const detail = {};
  for (const c of list) {
    ms[c.name] = {};
    ratio[c.name] = {};
    detail[c.name] = {};
    for (const s of SCENARIOS) {
      const xs = samples[c.name].map((x) => x[s]);
      ms[c.name][s] = summary(xs.map((x) => x.ms));
      // Per-round ratio to the baseline measured in the same round.
      ratio[c.name][s] = summary(xs.map((x, i) => x.ms / samples[BASELINE][i][s].ms));
      detail[c.name][s] = {
        htmlEndMs: summary(xs.map((x) => x.htmlEnd)).median,
        scriptsEndMs: summary(xs.map((x) => x.scriptsEnd)).median,
        transferBytes: summary(xs.map((x) => x.transferBytes)).median,
        // The requests of the sample closest to the median (what a waterfall of it shows).
        requests: xs.reduce((best, x) => (Math.abs(x.ms - ms[c.name][s].median) < Math.abs(best.ms - ms[c.name][s].median) ? x : best)).requests,
      };
    }
  }
  return {
    profile: PROFILE,
    rounds,
    order: list.map((c) => c.name),
    scenarios: SCENARIOS,
    baseline: BASELINE,
    ms,
    ratioVsBaseline: ratio,
    detail,
    raw: Object.fromEntries(list.map((c) => [c.name, samples[c.name].map((x) => Object.fromEntries(SCENARIOS.map((s) => [s, x[s].ms])))])),
  };
}

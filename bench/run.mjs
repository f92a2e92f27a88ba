// oauth-spa benchmarks: sign-in pages on a phone-like profile (the headline figures), size, PKCE
// speed, code exchange overhead, cold start.
// Usage (from the repo root): bash scripts/bench.sh [--smoke]
//   full:    prints a table, writes bench/results.json and bench/results.svg
//   --smoke: one short round of everything; checks every figure is a real positive number;
//            writes bench/dist/smoke-results.{json,svg}; exits non-zero only if something broke.
// Env: CHROMIUM (default /usr/bin/chromium); OAUTH_SPA_PKG (default pkg/: the release package to measure).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { startServers } from './lib/server.mjs';
import { summary, roundAll } from './lib/stats.mjs';
import { renderSvg } from './lib/svg.mjs';
import * as phone from './lib/phone.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const PKG_SOURCE = path.resolve(process.env.OAUTH_SPA_PKG || path.join(ROOT, 'pkg'));
const DIST_PKG = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist', 'pkg');
// The run measures and serves a snapshot of the package (taken at start), so a rebuild of pkg/
// by someone else during the run cannot mix two builds.
const PKG = DIST_PKG;

// The package's entries: everything, and (if built) the code-flow-only entry 'oauth-spa/core'.
const SPA_ENTRIES = [
  { name: 'oauth-spa', js: 'oauth_spa.js', what: 'import "oauth-spa": everything (code flow + sessions)', required: true },
  { name: 'oauth-spa/core', js: 'oauth_spa_core.js', what: 'import "oauth-spa/core": the code flow only', required: false },
];
let spaEntries = []; // those present in the snapshot
const DIST = path.join(BENCH, 'dist');
const SMOKE = process.argv.includes('--smoke');

export const KB = 1024; // KB = 1024 bytes, as scripts/size.sh prints them (so the two agree)
const TARGETS = { pkceRatio: 5, exchangeOverhead: 0.05, sizeBytes: 12 * KB };

// How much of everything: the full run is ~10 minutes (the phone rounds ~8 of them), the smoke
// run ~30 s (one phone round).
const PLAN = SMOKE
  ? { pkceWarmupMs: 30, pkceRoundMs: 100, pkceRounds: 1, exchangeWarmup: 2, exchangePairs: 5, coldStarts: 3, phoneRounds: 1, calibrationBytes: 50_000 }
  : { pkceWarmupMs: 300, pkceRoundMs: 400, pkceRounds: 20, exchangeWarmup: 40, exchangePairs: 600, coldStarts: 15, phoneRounds: 20, calibrationBytes: 100_000 };
const PHONE_VISIT_TIMEOUT_MS = 60_000;

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const log = (...a) => console.error('[bench]', ...a);
const fail = (msg) => { throw new Error(msg); };

// ---------------------------------------------------------------- versions and machine
function pkgVersion(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}
function depVersion(name) {
  return pkgVersion(path.join(BENCH, 'node_modules', name));
}
function git(...args) {
  try {
    return execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}
function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() || 'unknown',
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 1e9),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}
const loadavg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

// ---------------------------------------------------------------- size
const gzipBytes = (file) => execFileSync('gzip', ['-9', '-c', file], { maxBuffer: 1 << 26 }).length;

const SIZE_ENTRIES = [
  { name: 'oauth4webapi', entry: 'oauth4webapi.js', what: 'code-flow functions: PKCE, state, authorize URL, callback validation, code exchange' },
  { name: 'oidc-client-ts', entry: 'oidc-client-ts.js', what: 'UserManager: signinRedirect + signinCallback' },
  { name: '@auth0/auth0-spa-js', entry: 'auth0-spa-js.js', what: 'Auth0Client: loginWithRedirect + handleRedirectCallback' },
  { name: 'pkce-challenge', entry: 'pkce-challenge.js', what: 'PKCE pair only' },
];

async function measureSizes() {
  const rows = [];
  // What the browser loads for an entry (with WebAssembly): the entry, which carries its wasm.
  const sum = (list) => list.reduce((a, b) => a + b, 0);
  for (const e of spaEntries) {
    const shipped = [e.js];
    const gzipFiles = Object.fromEntries(shipped.map((f) => [f, gzipBytes(path.join(PKG, f))]));
    rows.push({
      name: e.name,
      what: `${e.what}; release pkg/: ${shipped.join(' + ')}`,
      rawBytes: sum(shipped.map((f) => fs.statSync(path.join(PKG, f)).size)),
      gzipBytes: sum(Object.values(gzipFiles)),
      gzipFiles,
    });
  }
  fs.mkdirSync(path.join(DIST, 'size'), { recursive: true });
  for (const e of SIZE_ENTRIES) {
    const outfile = path.join(DIST, 'size', e.entry);
    await esbuild.build({
      entryPoints: [path.join(BENCH, 'entries', e.entry)],
      bundle: true, minify: true, format: 'esm', outfile, logLevel: 'warning',
    });
    rows.push({ name: e.name, what: e.what, entry: `bench/entries/${e.entry}`, rawBytes: fs.statSync(outfile).size, gzipBytes: gzipBytes(outfile) });
  }
  return rows;
}

// ---------------------------------------------------------------- browser runs
async function bundlePage() {
  await esbuild.build({
    entryPoints: [path.join(BENCH, 'pages', 'bench.js')],
    bundle: true, minify: true, format: 'esm', outfile: path.join(DIST, 'bench.js'), logLevel: 'warning',
  });
}

async function openBenchPage(context, servers) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${servers.pageOrigin}/pages/blank.html`);
  const info = await page.evaluate(async (cfg) => {
    window.B = await import('/dist/bench.js');
    return window.B.setup(cfg);
  }, { spaUrl: '/pkg/oauth_spa.js', pageOrigin: servers.pageOrigin, tokenOrigin: servers.tokenOrigin });
  if (!info.crossOriginIsolated) log('warning: page is not cross-origin isolated; timer resolution is coarse');
  return { page, errors, info };
}

async function benchPkce(page) {
  await page.evaluate(() => window.B.checkPkce());
  const order = await page.evaluate(() => window.B.PKCE_NAMES);
  await page.evaluate(([o, ms]) => window.B.pkceRound(o, ms), [order, PLAN.pkceWarmupMs]);
  const rounds = [];
  for (let r = 0; r < PLAN.pkceRounds; r++) {
    rounds.push(await page.evaluate(([o, ms]) => window.B.pkceRound(o, ms), [order, PLAN.pkceRoundMs]));
  }
  const base = 'oauth4webapi';
  const perSecond = {};
  const ratioVsOauth4webapi = {};
  for (const name of order) {
    perSecond[name] = summary(rounds.map((r) => r[name].perSecond));
    ratioVsOauth4webapi[name] = summary(rounds.map((r) => r[name].perSecond / r[base].perSecond));
  }
  return {
    order, roundMs: PLAN.pkceRoundMs, rounds: PLAN.pkceRounds,
    perSecond, ratioVsOauth4webapi,
    raw: rounds.map((r) => Object.fromEntries(order.map((n) => [n, r[n].perSecond]))),
  };
}

async function benchExchange(page, servers) {
  const order = await page.evaluate(() => window.B.EXCHANGE_NAMES);
  const checked = servers.stats.tokenRequests;
  const sent = await page.evaluate(() => window.B.checkExchange());
  if (servers.stats.tokenRequests - checked !== sent) fail(`contract check: the token endpoint saw ${servers.stats.tokenRequests - checked} requests, expected ${sent} (a replayed callback must send none)`);
  const before = servers.stats.tokenRequests;
  await page.evaluate(([o, n]) => window.B.exchangeRound(o, n), [order, PLAN.exchangeWarmup]);
  const times = Object.fromEntries(order.map((n) => [n, []]));
  const chunk = 50;
  for (let done = 0; done < PLAN.exchangePairs; done += chunk) {
    const n = Math.min(chunk, PLAN.exchangePairs - done);
    const t = await page.evaluate(([o, k, s]) => window.B.exchangeRound(o, k, s), [order, n, done]);
    for (const name of order) times[name].push(...t[name]);
  }
  const expected = (PLAN.exchangeWarmup + PLAN.exchangePairs) * order.length;
  const seen = servers.stats.tokenRequests - before;
  if (seen !== expected) fail(`token endpoint saw ${seen} requests, expected ${expected}`);
  if (servers.stats.badTokenRequests) fail(`token endpoint refused ${servers.stats.badTokenRequests} requests (bad ${servers.stats.lastBadReason})`);
  const ms = Object.fromEntries(order.map((n) => [n, summary(times[n])]));
  const fetchMedian = ms['bare fetch'].median;
  const overhead = {};
  const pairedDiffMs = {};
  const pairedOverhead = {};
  for (const name of order) {
    if (name === 'bare fetch') continue;
    overhead[name] = ms[name].median / fetchMedian - 1;
    // Cross-check: the median of per-alternation differences, which cancels slow stretches.
    pairedDiffMs[name] = summary(times[name].map((t, i) => t - times['bare fetch'][i]));
    pairedOverhead[name] = pairedDiffMs[name].median / fetchMedian;
  }
  return {
    order, pairs: PLAN.exchangePairs, warmupPairs: PLAN.exchangeWarmup, ms,
    overheadVsBareFetch: overhead, pairedDiffMs, pairedOverheadVsBareFetch: pairedOverhead, tokenRequests: seen,
  };
}

async function benchColdStart(browser, servers) {
  const samples = Object.fromEntries(spaEntries.map((e) => [e.name, []]));
  for (let i = 0; i < PLAN.coldStarts; i++) {
    for (const e of spaEntries) { // alternated: A B A B ...
      samples[e.name].push(await coldStartOnce(browser, servers, `/pkg/${e.js}`));
    }
  }
  const out = {};
  for (const e of spaEntries) {
    const s = samples[e.name];
    out[e.name] = {
      samples: s.length,
      initMs: summary(s.map((x) => x.initMs)),
      importAndInitMs: summary(s.map((x) => x.importAndInitMs)),
      raw: s,
    };
  }
  return out;
}

async function coldStartOnce(browser, servers, glueUrl) {
  {
    const context = await browser.newContext(); // a fresh profile: empty HTTP and code caches
    try {
      const page = await context.newPage();
      await page.goto(`${servers.pageOrigin}/pages/blank.html`);
      return await page.evaluate(async (glue) => {
        const t0 = performance.now();
        const mod = await import(glue);
        const t1 = performance.now();
        await mod.default(); // init(): decompress + compile + instantiate the wasm the entry carries
        const t2 = performance.now();
        const pair = mod.createPkcePair(); // it works right after init
        if (pair.challenge.length !== 43) throw new Error('createPkcePair after init');
        return { importMs: t1 - t0, initMs: t2 - t1, importAndInitMs: t2 - t0 };
      }, glueUrl);
    } finally {
      await context.close();
    }
  }
}

// The headline: sign-in pages on a phone-like profile (lib/phone.mjs), on their own servers that
// serve as a production host does (gzip, ETag, immutable hashed asset URLs).
async function benchPhone(browser) {
  const siteDir = path.join(DIST, 'site');
  const servers = await startServers({ '/v/': path.join(siteDir, 'v'), '/site/': siteDir }, { deploy: true, immutable: ['/v/'] });
  try {
    const list = phone.candidates(spaEntries);
    const site = await phone.writeSite({ siteDir, pkgDir: PKG, benchDir: BENCH, list, origins: servers });
    log('phone: calibration of the throttling');
    const calibration = await phone.calibrate(browser, servers, { bytes: PLAN.calibrationBytes, strict: !SMOKE });
    if (calibration.cpu.warning) log(`phone: WARNING ${calibration.cpu.warning}`);
    log(`phone: ${PLAN.phoneRounds} round(s) of ${list.length} candidates`);
    const res = await phone.runPhone(browser, servers, site, list, { rounds: PLAN.phoneRounds, timeoutMs: PHONE_VISIT_TIMEOUT_MS, log });
    return {
      ...res,
      calibration,
      site: { assetHash: site.hash, assets: site.files },
      server: { ...servers.stats },
    };
  } finally {
    await servers.close();
  }
}

// ---------------------------------------------------------------- report
const PHONE_HEADLINE = 'oauth-spa (wasm)';

function targets(r) {
  const ratio = r.pkce.ratioVsOauth4webapi['oauth-spa'].median;
  const overhead = r.exchange.overheadVsBareFetch['oauth-spa handleCallback'];
  const p = r.phone;
  const firstVisit = ['login first', 'callback first'].map((s) => {
    const mine = p.ms[PHONE_HEADLINE][s].median;
    const theirs = p.ms[p.baseline][s].median;
    return {
      id: `phone-${s.replace(' ', '-')}`,
      what: `phone profile, ${s === 'login first' ? 'login page, first visit: navigation to authorize URL ready' : 'callback, first visit: navigation to TokenSet'} (median ms)`,
      target: `<= oauth4webapi (${theirs.toFixed(0)} ms)`,
      measured: `${mine.toFixed(0)} ms (${(mine / theirs).toFixed(2)}x, ratio of medians)`,
      value: mine / theirs,
      met: mine <= theirs,
    };
  });
  return [
    ...firstVisit,
    { id: 'pkce', what: 'PKCE pairs/s vs oauth4webapi (median per-round ratio)', target: `>= ${TARGETS.pkceRatio}x`, measured: `${ratio.toFixed(1)}x`, value: ratio, met: ratio >= TARGETS.pkceRatio },
    { id: 'exchange', what: 'handleCallback over a bare fetch (ratio of medians - 1)', target: `<= ${TARGETS.exchangeOverhead * 100} %`, measured: `${(overhead * 100).toFixed(1)} %`, value: overhead, met: overhead <= TARGETS.exchangeOverhead },
    ...r.size.rows.filter((x) => x.name.startsWith('oauth-spa')).map((x) => ({
      id: x.name === 'oauth-spa' ? 'size' : 'size-core',
      what: `${x.name} gzip -9 total (every file it loads)`,
      target: `<= ${TARGETS.sizeBytes / KB} KB`,
      measured: `${(x.gzipBytes / KB).toFixed(2)} KB (${fmtInt(x.gzipBytes)} B)`,
      value: x.gzipBytes,
      met: x.gzipBytes <= TARGETS.sizeBytes,
    })),
  ];
}

function table(headers, rows) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(headers), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

const fmtInt = (x) => Math.round(x).toLocaleString('en-US');

function printReport(r) {
  const out = [];
  out.push(`oauth-spa bench (${r.mode}) ${r.date}`);
  out.push(`${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.chromium}, load ${r.machine.loadavgStart.join(' ')} -> ${r.machine.loadavgEnd.join(' ')}`);
  out.push('');
  const p = r.phone;
  const pr = p.profile;
  out.push(`Sign-in pages on a phone-like profile (CPU ${pr.cpuThrottlingRate}x, ${pr.latencyMs} ms latency, ${pr.downloadKbps / 1000} Mbit/s down, ${pr.uploadKbps} kbit/s up), gzip served:`);
  out.push(`ms from navigation start to "authorize URL ready" (login) and to the TokenSet (callback); median (p25-p75) of ${p.rounds} alternated round(s); x = per-round ratio to ${p.baseline}, median`);
  out.push(table(['candidate', ...p.scenarios], p.order.map((n) => [n, ...p.scenarios.map((s) => {
    const m = p.ms[n][s];
    const x = p.ratioVsBaseline[n][s].median;
    return `${m.median.toFixed(0)} (${m.p25.toFixed(0)}-${m.p75.toFixed(0)})${n === p.baseline ? '' : ` ${x.toFixed(2)}x`}`;
  })])));
  out.push('first visit, where the time goes (medians): HTML received / last script received / ready, ms; bytes transferred');
  out.push(table(['candidate', 'login first', 'callback first'], p.order.map((n) => [n, ...['login first', 'callback first'].map((s) => {
    const d = p.detail[n][s];
    return `${d.htmlEndMs.toFixed(0)} / ${d.scriptsEndMs.toFixed(0)} / ${p.ms[n][s].median.toFixed(0)}; ${fmtInt(d.transferBytes)} B`;
  })])));
  const c = p.calibration;
  out.push(`throttling check: ${fmtInt(c.download.bytes)} random bytes took ${c.download.throttledMs.toFixed(0)} ms (expected ${c.download.expectedMs.toFixed(0)}; unthrottled ${c.download.unthrottledMs.toFixed(0)}); CPU loop ${c.cpu.factor.toFixed(1)}x slower at rate ${pr.cpuThrottlingRate}; ${c.networkMethod}`);
  out.push('');
  out.push('Size, gzip -9 (KB = 1024 bytes, as npm run size). oauth-spa: every file of the release pkg/ the browser loads;');
  out.push('others: bench/entries/<lib>.js bundled with esbuild --bundle --minify --format=esm');
  out.push(table(['library', 'version', 'min bytes', 'gzip bytes', 'gzip KB'],
    r.size.rows.map((x) => [x.name, r.versions[x.name], fmtInt(x.rawBytes), fmtInt(x.gzipBytes), (x.gzipBytes / KB).toFixed(1)])));
  for (const spa of r.size.rows.filter((x) => x.gzipFiles)) {
    out.push(`${spa.name} by file (gzip bytes): ${Object.entries(spa.gzipFiles).map(([f, b]) => `${f} ${fmtInt(b)}`).join(', ')}`);
  }
  out.push('');
  out.push(`PKCE pairs per second: ${r.pkce.rounds} rounds x ${r.pkce.roundMs} ms per candidate, alternated`);
  out.push(table(['candidate', 'median /s', 'min /s', 'max /s', 'x oauth4webapi (median, min-max)'],
    r.pkce.order.map((n) => {
      const p = r.pkce.perSecond[n];
      const q = r.pkce.ratioVsOauth4webapi[n];
      return [n, fmtInt(p.median), fmtInt(p.min), fmtInt(p.max), `${q.median.toFixed(2)} (${q.min.toFixed(2)}-${q.max.toFixed(2)})`];
    })));
  out.push('');
  out.push(`Code exchange against a local token endpoint: ${r.exchange.pairs} alternations (ms per exchange)`);
  const signed = (x, d) => `${x >= 0 ? '+' : ''}${x.toFixed(d)}`;
  out.push(table(['candidate', 'median ms', 'p25 ms', 'p75 ms', 'vs bare fetch', 'paired diff ms (% of fetch)'],
    r.exchange.order.map((n) => {
      const m = r.exchange.ms[n];
      const o = r.exchange.overheadVsBareFetch[n];
      const d = r.exchange.pairedDiffMs[n];
      const po = r.exchange.pairedOverheadVsBareFetch[n];
      return [n, m.median.toFixed(3), m.p25.toFixed(3), m.p75.toFixed(3), o === undefined ? '-' : `${signed(o * 100, 1)} %`, d ? `${signed(d.median, 3)} (${signed(po * 100, 1)} %)` : '-'];
    })));
  out.push('');
  const cs = Object.entries(r.coldStart);
  out.push(`Cold start in fresh browser contexts, entries alternated: ${cs[0][1].samples} samples each (ms)`);
  out.push(table(['entry: step', 'median ms', 'min ms', 'max ms'], cs.flatMap(([name, c]) => [
    [`${name}: init() (decompress + compile + instantiate)`, c.initMs.median.toFixed(2), c.initMs.min.toFixed(2), c.initMs.max.toFixed(2)],
    [`${name}: import entry + init()`, c.importAndInitMs.median.toFixed(2), c.importAndInitMs.min.toFixed(2), c.importAndInitMs.max.toFixed(2)],
  ])));
  out.push('');
  out.push('Targets');
  out.push(table(['target', 'wanted', 'measured', 'result'], r.targets.map((t) => [t.what, t.target, t.measured, t.met ? 'MET' : 'MISSED'])));
  console.log(out.join('\n'));
}

// Every measured figure must be a real positive number (the smoke run's check).
function checkFigures(r) {
  const bad = [];
  const want = (label, x) => { if (!(typeof x === 'number' && Number.isFinite(x) && x > 0)) bad.push(`${label} = ${x}`); };
  for (const n of r.phone.order) {
    for (const s of r.phone.scenarios) {
      want(`phone ${n} ${s} ms`, r.phone.ms[n][s].median);
      want(`phone ${n} ${s} ratio`, r.phone.ratioVsBaseline[n][s].median);
      if (r.phone.ms[n][s].n !== PLAN.phoneRounds) bad.push(`phone ${n} ${s} samples = ${r.phone.ms[n][s].n}`);
    }
  }
  for (const row of r.size.rows) { want(`size ${row.name} gzip`, row.gzipBytes); want(`size ${row.name} raw`, row.rawBytes); }
  for (const n of r.pkce.order) { want(`pkce ${n} /s`, r.pkce.perSecond[n].median); want(`pkce ${n} ratio`, r.pkce.ratioVsOauth4webapi[n].median); }
  for (const n of r.exchange.order) want(`exchange ${n} ms`, r.exchange.ms[n].median);
  for (const [n, o] of Object.entries(r.exchange.overheadVsBareFetch)) if (!Number.isFinite(o)) bad.push(`exchange ${n} overhead = ${o}`);
  for (const [n, d] of Object.entries(r.exchange.pairedDiffMs)) if (!Number.isFinite(d.median)) bad.push(`exchange ${n} paired diff = ${d.median}`);
  for (const [name, c] of Object.entries(r.coldStart)) {
    want(`cold start ${name} init ms`, c.initMs.median);
    want(`cold start ${name} import+init ms`, c.importAndInitMs.median);
    if (c.samples !== PLAN.coldStarts) bad.push(`cold start ${name} samples = ${c.samples}`);
  }
  if (bad.length) fail(`figures that are not real positive numbers: ${bad.join('; ')}`);
}

// ---------------------------------------------------------------- main
async function main() {
  for (const e of SPA_ENTRIES.filter((x) => x.required)) {
    for (const f of [e.js]) {
      if (!fs.existsSync(path.join(PKG_SOURCE, f))) fail(`${path.join(PKG_SOURCE, f)} is missing: build the release package first (bash scripts/build.sh)`);
    }
  }
  for (let attempt = 1; ; attempt++) { // a rebuild of pkg/ may be removing files under us: retry
    try {
      fs.rmSync(DIST_PKG, { recursive: true, force: true });
      fs.cpSync(PKG_SOURCE, DIST_PKG, { recursive: true });
      if (SPA_ENTRIES.filter((x) => x.required).every((e) => fs.existsSync(path.join(DIST_PKG, e.js)))) break;
      throw new Error('the package changed while it was copied');
    } catch (e) {
      if (attempt >= 5) fail(`could not snapshot ${PKG_SOURCE}: ${e.message}`);
      log(`snapshot of the package failed (${e.message}); retrying`);
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
  spaEntries = SPA_ENTRIES.filter((e) => fs.existsSync(path.join(PKG, e.js)));
  if (!fs.existsSync(CHROMIUM)) fail(`${CHROMIUM} not found (npm run setup installs it)`);
  const started = Date.now();
  // Taken right after scripts/bench.sh built the package, before anything else.
  const gitAtStart = {
    commit: git('rev-parse', 'HEAD'),
    dirty: git('status', '--porcelain', '--', 'src', 'Cargo.toml', 'Cargo.lock', 'scripts/build.sh', 'scripts/postbuild.mjs') !== '',
    dirtyMeans: 'uncommitted changes in src/, Cargo.*, scripts/build.sh or scripts/postbuild.mjs at the start of the run',
  };
  const loadStart = loadavg();
  fs.mkdirSync(DIST, { recursive: true });

  log('size');
  const sizeRows = await measureSizes();
  await bundlePage();

  const servers = await startServers({ '/pkg/': PKG, '/dist/': DIST, '/pages/': path.join(BENCH, 'pages') });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  let pkce, exchange, coldStart, pageInfo, phoneRes;
  try {
    const context = await browser.newContext();
    const { page, errors, info } = await openBenchPage(context, servers);
    pageInfo = info;
    log('pkce');
    pkce = await benchPkce(page);
    log('exchange');
    exchange = await benchExchange(page, servers);
    if (errors.length) fail(`page errors: ${errors.join('; ')}`);
    await context.close();
    log('cold start');
    coldStart = await benchColdStart(browser, servers);
    phoneRes = await benchPhone(browser);
  } finally {
    await browser.close().catch(() => {});
    await servers.close();
  }

  const r = {
    mode: SMOKE ? 'smoke' : 'full',
    date: new Date().toISOString(),
    machine: {
      ...machine(),
      chromium: `Chromium ${browser.version()}`,
      userAgent: pageInfo.userAgent,
      crossOriginIsolated: pageInfo.crossOriginIsolated,
      loadavgStart: loadStart,
      loadavgEnd: loadavg(),
      note: '2 shared cores; loadavg = os.loadavg() 1/5/15 min at start and end',
    },
    git: gitAtStart,
    versions: {
      'oauth-spa': pkgVersion(PKG),
      ...(spaEntries.some((e) => e.name === 'oauth-spa/core') ? { 'oauth-spa/core': pkgVersion(PKG) } : {}),
      oauth4webapi: depVersion('oauth4webapi'),
      'oidc-client-ts': depVersion('oidc-client-ts'),
      '@auth0/auth0-spa-js': depVersion('@auth0/auth0-spa-js'),
      'pkce-challenge': depVersion('pkce-challenge'),
      esbuild: depVersion('esbuild'),
      'playwright-core': depVersion('playwright-core'),
    },
    method: {
      size: 'oauth-spa: sum of gzip -9 -c of each file the browser loads from pkg/ with WebAssembly (oauth_spa.js, its wasm inside) from scripts/build.sh. Others: esbuild --bundle --minify --format=esm of bench/entries/<lib>.js, then gzip -9 -c. KB = 1024 bytes (as scripts/size.sh); the 12 KB target = 12288 bytes.',
      pkce: 'Headless Chromium, one page (cross-origin isolated). Each round runs every candidate for roundMs in a fixed order (A B C D, repeated); sequential calls, async ones awaited one at a time. One warm-up round discarded. Ratio = candidate pairs/s / oauth4webapi pairs/s in the same round.',
      exchange: 'Page on 127.0.0.1, token endpoint on another 127.0.0.1 port with CORS, answering a fixed RFC 6749 §5.1 JSON body. oauth-spa: startLogin (untimed) then handleCallback(config, callbackUrl) timed; oauth-spa exchangeCode (context): the same request without transaction or callback URL; bare fetch: the same form POST + response.json(); oauth4webapi (context): validateAuthResponse + authorizationCodeGrantRequest + processAuthorizationCodeResponse. Alternated with the order rotated each time (A B C D, B C D A, ...); overhead = median / median(bare fetch) - 1.',
      phone: 'Headless Chromium on the phone-like profile: CDP Emulation.setCPUThrottlingRate and network conditions (latency per request, download and upload throughput), applied to each page before it navigates; checked at the start by a download of known size and a fixed CPU loop. A site served as production hosts do: gzip -9 (Content-Encoding: gzip), strong ETags, HTML Cache-Control: no-cache (revalidated: 304), assets under /v/<content hash>/ with Cache-Control: public, max-age=31536000, immutable. Each page: a classic inline script that reports, then the app as an inline module script importing the library: oauth-spa from its release package as shipped (no bundler; the JS engine forced by deleting WebAssembly in an init script before any page script), oauth4webapi and oidc-client-ts as esbuild --bundle --minify --format=esm of bench/entries/<lib>.js. Login: from navigation start (performance.now() in the page) to the navigate event of the navigation to the authorization endpoint (URL checked: S256 challenge, state; transaction stored), then cancelled. Callback: navigation to redirect_uri?code&state (the stored transaction put back before any page script) to the tokens resolved, including the real token request to the other loopback origin (CORS). First visit: a new browser context (empty HTTP cache); repeat: the same context, next navigation (the callback URL is new each time, so its HTML is fetched again). Rounds of every candidate, the order rotated each round; ratios are per round vs oauth4webapi.',
      coldStart: 'Each sample in a new browser context (fresh profile, empty caches): import the entry glue (pkg/oauth_spa.js, or pkg/oauth_spa_core.js), then init() = decompress + compile + instantiate the wasm it carries, timed with performance.now(). Entries alternated.',
      package: `a snapshot of ${path.relative(ROOT, PKG_SOURCE) || PKG_SOURCE} taken at the start of the run; PKCE and exchange use the main entry oauth_spa.js`,
      plan: PLAN,
      chromiumArgs: CHROMIUM_ARGS,
    },
    size: { unit: 'bytes', rows: sizeRows },
    pkce,
    exchange,
    coldStart,
    phone: phoneRes,
    durationSeconds: (Date.now() - started) / 1000,
  };
  r.targets = targets(r);
  checkFigures(r);
  const rounded = roundAll(r);
  const outJson = SMOKE ? path.join(DIST, 'smoke-results.json') : path.join(BENCH, 'results.json');
  const outSvg = SMOKE ? path.join(DIST, 'smoke-results.svg') : path.join(BENCH, 'results.svg');
  fs.writeFileSync(outJson, JSON.stringify(rounded, null, 2) + '\n');
  fs.writeFileSync(outSvg, renderSvg(rounded));
  printReport(r);
  log(`wrote ${path.relative(ROOT, outJson)} and ${path.relative(ROOT, outSvg)} in ${r.durationSeconds.toFixed(1)} s`);
  if (SMOKE) log('smoke: every figure is a real positive number (targets are reported, not enforced)');
}

main().catch((e) => {
  console.error(`[bench] FAILED: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});

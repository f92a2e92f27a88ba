// Shared pieces of the end-to-end tests: the embedded server (release binary), Chromium driven by
// playwright-core, and the demo page's controls. Nothing here replaces fetch or storage: the
// tests drive the real page, the real wasm package (release, wasm-opt) and real servers.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// Flags Chromium needs as root on a closed network (toolchain.md).
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The engine the package is expected to run on in these tests: `wasm`, or `js` (no WebAssembly). */
export const ENGINE = process.env.OAUTH_SPA_E2E_ENGINE ?? 'wasm';
if (!['wasm', 'js'].includes(ENGINE)) throw new Error(`OAUTH_SPA_E2E_ENGINE must be wasm or js, not ${ENGINE}`);

export function serverBinary() {
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');
  return process.env.OAUTH_SPA_SERVER ?? join(targetDir, 'release', 'oauth-spa-server');
}

/** Fails early, with the command to run, when the release artefacts are missing. */
export function checkPrerequisites() {
  const missing = [];
  if (!existsSync(join(ROOT, 'pkg', 'oauth_spa_fallback.js'))) missing.push('pkg/ (run: bash scripts/build.sh)');
  if (!existsSync(serverBinary())) missing.push(`${serverBinary()} (run: cargo build --release -p oauth-spa-server)`);
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (run: bash scripts/setup.sh)`);
  if (missing.length) throw new Error(`e2e prerequisites missing: ${missing.join('; ')}`);
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** Client secrets of the e2e clients file (test-only values). */
export const CONFIDENTIAL_SECRET = 'e2e-secret with spaces & symbols+£';

/**
 * Starts the embedded server (release binary) on a free loopback port, serving `www` (default
 * the demo, www/) and pkg/,
 * with its test hooks. The page's "/" on 127.0.0.1 and on each of `hosts` (same port), and on
 * each of `origins` (an app served elsewhere, such as a dev server), is a registered redirect
 * URI of both clients, so these origins may also call the token endpoint (CORS). `args` are more
 * flags for the server (e.g. `['--expires-in', '70']`,
 * `['--dpop-nonce']`).
 * Resolves { origin, port, stats(), reset(), advanceClock(s), stop(), log }.
 */
export async function startEmbeddedServer({ autoApprove = true, hosts = [], origins: others = [],
  www = join(ROOT, 'www'), args: extra = [] } = {}) {
  checkPrerequisites();
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-server-'));
  const origins = [`http://127.0.0.1:${port}`, ...hosts.map((h) => `http://${h}:${port}`), ...others];
  const clientsFile = join(dir, 'clients.json');
  await writeFile(clientsFile, JSON.stringify(clientsConfig(origins), null, 2));
  const args = ['--port', String(port), '--www', www, '--pkg', join(ROOT, 'pkg'),
    '--clients', clientsFile, '--test-hooks'];
  if (autoApprove) args.push('--auto-approve');
  args.push(...extra);
  const child = spawn(serverBinary(), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  const origin = await new Promise((resolveOrigin, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log.join('')}`)), 15000);
    const onData = (chunk) => {
      log.push(chunk.toString());
      const m = /oauth-spa-server listening on (http:\/\/\S+)/.exec(log.join(''));
      if (m) {
        clearTimeout(timer);
        resolveOrigin(m[1].replace(/\/$/, ''));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log.join('')}`));
    });
  });
  const hook = async (method, path) => {
    const response = await fetch(origin + path, { method });
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}`);
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  };
  return {
    origin,
    port,
    log,
    stats: () => hook('GET', '/__stats'),
    reset: () => hook('POST', '/__reset'),
    advanceClock: (seconds) => hook('POST', `/__clock?advance=${seconds}`),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

function clientsConfig(origins) {
  // Format of server/clients.json; the server allows CORS from the redirect URIs' origins.
  const redirectUris = origins.map((o) => `${o}/`);
  return {
    clients: [
      { clientId: 'demo-public', name: 'e2e public client', redirectUris },
      { clientId: 'demo-confidential', clientSecret: CONFIDENTIAL_SECRET, name: 'e2e confidential client', redirectUris },
    ],
  };
}

/**
 * Chromium with a fresh profile and its own temp folder, both removed by close().
 * Resolves { context, page, close(), problems } where problems collects page errors.
 */
export async function launchBrowser({ args = [] } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-chromium-'));
  const profile = join(dir, 'profile');
  const tmp = join(dir, 'tmp');
  await mkdir(tmp);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...args],
    env: { ...process.env, TMPDIR: tmp },
  });
  context.setDefaultTimeout(10000);
  // OAUTH_SPA_E2E_ENGINE=js: every page of this browser without the WebAssembly global (as in
  // Apple's Lockdown Mode), removed before any script of the page runs, so the package runs on
  // its JavaScript engine. (Chromium's --js-flags=--noexpose-wasm leaves it in place.)
  if (ENGINE === 'js') await context.addInitScript(() => { delete globalThis.WebAssembly; });
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto('about:blank');
  const wasm = await page.evaluate(() => typeof WebAssembly);
  if (wasm !== (ENGINE === 'js' ? 'undefined' : 'object')) {
    await context.close();
    throw new Error(`OAUTH_SPA_E2E_ENGINE=${ENGINE}, but typeof WebAssembly is ${wasm}`);
  }
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/**
 * Registers a suite's hooks: one embedded server for the suite, then before each test a fresh
 * Chromium (with `browserArgs`) and a reset server (counts, clock). Returns a handle whose
 * `server` and `browser` the hooks fill in; everything is stopped and removed after the suite.
 */
export function useServerAndBrowser(serverOptions = {}, browserArgs = []) {
  const fx = { server: null, browser: null };
  before(async () => { fx.server = await startEmbeddedServer(serverOptions); });
  beforeEach(async () => {
    await fx.browser?.close();
    fx.browser = await launchBrowser({ args: browserArgs });
    await fx.server.reset();
  });
  after(async () => {
    await fx.browser?.close();
    await fx.server?.stop();
  });
  return fx;
}

// ---------- the demo page ----------
export const FINAL_STATES = ['signed-in', 'error', 'callback', 'ready'];

export async function openDemo(page, origin) {
  await page.goto(`${origin}/`);
  await page.waitForSelector('body[data-state=ready]', { timeout: 15000 });
}

/** Fills the demo's settings; keys are the form's control ids. */
export async function configure(page, settings) {
  await page.locator('#advanced').evaluate((details) => { details.open = true; });
  for (const [id, value] of Object.entries(settings)) {
    const el = page.locator(`#${id}`);
    const type = await el.evaluate((node) => node.type ?? node.tagName.toLowerCase());
    if (type === 'radio') await el.check();
    else if (type === 'checkbox') await el.setChecked(Boolean(value));
    else if (type === 'select-one') await el.selectOption(String(value));
    else await el.fill(String(value));
  }
}

/** Waits for the page to settle in one of `states` after a sign-in or a callback. */
export async function waitForState(page, states = ['signed-in', 'error', 'callback'], timeout = 20000) {
  const selector = states.map((s) => `body[data-state="${s}"]`).join(', ');
  await page.waitForSelector(selector, { timeout });
  return page.evaluate(() => document.body.dataset.state);
}

/** The error panel's fields. */
export async function errorShown(page) {
  return page.evaluate(() => ({
    visible: !document.getElementById('error-panel').hidden,
    code: document.getElementById('error-code').textContent,
    error: document.getElementById('error-error').textContent,
    description: document.getElementById('error-description').textContent,
  }));
}

/** Rows of one of the journal's tables, as an object name -> value. */
export async function journalTable(page, id) {
  return page.evaluate((tableId) => Object.fromEntries([...document.querySelectorAll(`#${tableId} tbody tr`)]
    .map((tr) => [tr.dataset.param, tr.querySelector('td').textContent])), id);
}

/** Keys of the library's pending transactions in sessionStorage. */
export async function pendingTransactions(page) {
  return page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('oauth-spa-demo.tx.')));
}

/** The token-endpoint request count in the embedded server's /__stats. */
export function tokenRequests(stats) {
  const n = stats?.token_requests ?? stats?.token;
  if (typeof n !== 'number') throw new Error(`no token count in /__stats: ${JSON.stringify(stats)}`);
  return n;
}

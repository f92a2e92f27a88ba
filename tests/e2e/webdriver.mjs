// The e2e tests that drive a browser over W3C WebDriver (plain HTTP, no npm client): a driver
// process, its sessions, and the page they load. The page signs in with the release package
// (pkg/) through the redirect flow, refreshes through a session, checks PKCE pairs, and writes
// the outcome into <body data-result>; the test reads it back with one script call.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './harness.mjs';

/**
 * Starts a WebDriver server (`command --port=N ...args`) on a free loopback port and waits until
 * it answers /status. Resolves { base, stop() }.
 */
export async function startDriver(command, args = [], { env = process.env } = {}) {
  const port = await freePort();
  const child = spawn(command, [`--port=${port}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  // Its last output, for the error if it does not start.
  let log = '';
  const keep = (chunk) => { log = (log + chunk).slice(-4000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let spawnError = null;
  child.once('error', (e) => { spawnError = e; });
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill();
      await exited;
    }
  };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/status`);
      return { base, stop };
    } catch (e) {
      const why = spawnError ? spawnError.message
        : child.exitCode !== null ? `exited with ${child.exitCode}`
          : i > 100 ? `no answer on ${base}/status (${e.message})` : null;
      if (why) {
        await stop();
        throw new Error(`${command} did not start: ${why}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** One WebDriver command; a WebDriver error becomes an Error naming the command. */
async function command(base, method, path, body) {
  const res = await fetch(base + path, {
    method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body),
  });
  const { value } = await res.json();
  if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(value)}`);
  return value;
}

/**
 * A new browser session with these capabilities (`alwaysMatch`).
 * Resolves { navigate(url), execute(script), click(selector), close() }.
 */
export async function newSession(driver, capabilities) {
  const { sessionId } = await command(driver.base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
  const path = `/session/${sessionId}`;
  return {
    navigate: (url) => command(driver.base, 'POST', `${path}/url`, { url }),
    execute: (script) => command(driver.base, 'POST', `${path}/execute/sync`, { script, args: [] }),
    // Clicks (WebDriver Element Click: a trusted click, a user gesture) the first element that
    // matches the CSS `selector`, waiting up to `timeout` ms for it.
    click: async (selector, timeout = 20000) => {
      const deadline = Date.now() + timeout;
      for (;;) {
        const found = await command(driver.base, 'POST', `${path}/elements`, { using: 'css selector', value: selector });
        if (found.length) {
          const id = found[0]['element-6066-11e4-a52e-4f735466cecf'];
          return command(driver.base, 'POST', `${path}/element/${id}/click`, {});
        }
        if (Date.now() > deadline) throw new Error(`no element ${selector} within ${timeout} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => command(driver.base, 'DELETE', path),
  };
}

/**
 * Polls the page for <body data-result> until `timeout` ms; resolves the parsed result, or
 * throws with the page's uncaught errors (recorded by the site's errors.js) and its URL.
 */
export async function waitForResult(session, timeout = 20000) {
  const read = 'return document.body ? [document.body.dataset.result ?? null,'
    + ' document.documentElement.dataset.errors ?? null, location.href] : [null, null, location.href]';
  const deadline = Date.now() + timeout;
  for (;;) {
    const [result, errors, href] = await session.execute(read);
    if (result !== null) return JSON.parse(result);
    if (Date.now() > deadline) {
      throw new Error(`the page reported nothing within ${timeout} ms (at ${href}); uncaught errors: ${errors ?? 'none'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Writes the test site into the folder `www`: index.html, errors.js (records uncaught errors and
 * rejections, with their stacks, on <html data-errors>) and app.js (the sign-in, see releaseApp).
 * `head` goes first in the page, before the package is imported: a script that removes
 * WebAssembly, a Content-Security-Policy.
 */
export async function writeReleaseSite(www, { head = '', appState }) {
  await writeFile(join(www, 'index.html'), '<!doctype html><meta charset="utf-8"><title>release package</title>'
    + `<link rel="icon" href="data:,">${head}<script src="/errors.js"></script><script type="module" src="/app.js"></script>`);
  await writeFile(join(www, 'errors.js'), ERRORS_JS);
  await writeFile(join(www, 'app.js'), releaseApp(appState));
}

const ERRORS_JS = `
const errors = [];
const note = (e) => {
  errors.push(e && e.stack ? String(e.message) + '\\n' + e.stack : String(e));
  document.documentElement.dataset.errors = JSON.stringify(errors);
};
addEventListener('error', (event) => note(event.error ?? event.message));
addEventListener('unhandledrejection', (event) => note(event.reason));
`;

/**
 * The app: signs in with `oauth-spa/core` (Ellipsis dialect) through the redirect flow, then
 * refreshes the tokens through a session of the full entry, and checks 1000 PKCE pairs and the
 * RFC 7636 Appendix B vector. It also reports whether WebAssembly existed, the engine each entry
 * runs on (init()), and whether the page fetched a JavaScript engine (*_fallback.js).
 */
function releaseApp(appState) {
  return `
import initCore, * as core from '/pkg/oauth_spa_core.js';
import initFull, * as full from '/pkg/oauth_spa.js';
const options = { clientId: 'demo-public', redirectUri: location.origin + '/', baseUrl: location.origin + '/v3' };
const report = (r) => { document.body.dataset.result = JSON.stringify(r); };
try {
  const engines = await Promise.all([initCore(), initFull()]);
  const config = core.ellipsis(options);
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
      webAssembly: typeof WebAssembly,
      engines,
      fallbackFetched: performance.getEntriesByType('resource').some((e) => new URL(e.name).pathname.endsWith('_fallback.js')),
    });
  } else {
    location.assign(core.startLogin(config, { appState: ${JSON.stringify(appState)} }));
  }
} catch (e) {
  report({ ok: false, name: e.name, code: e.code, message: e.message, stack: e.stack });
}
`;
}

/** What the app reports after a good sign-in and refresh (`appState` as given to writeReleaseSite). */
export function signedIn(appState, extra = {}) {
  return {
    ok: true, tokenType: 'Bearer', appState, search: '', rotated: true,
    pairs: 1000, vector: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', pending: 0, ...extra,
  };
}

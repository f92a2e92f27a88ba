// The release package (pkg/) in WebKit, Safari's engine: Debian's WebKitGTK driver
// (WebKitWebDriver, package webkit2gtk-driver) runs its MiniBrowser in automation mode, on a
// virtual X display (Xvfb: WebKitGTK's MiniBrowser has no headless mode), over plain WebDriver.
// Each case signs in through the redirect flow against its own embedded server, refreshes the
// tokens through a session, and checks PKCE pairs (see webdriver.mjs). scripts/setup.sh installs
// the driver (with MiniBrowser) and Xvfb.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEmbeddedServer, tokenRequests } from './harness.mjs';
import { newSession, signedIn, startDriver, waitForResult, writeReleaseSite } from './webdriver.mjs';

const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
const MINIBROWSER = process.env.MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const XVFB = process.env.XVFB ?? '/usr/bin/Xvfb';

// `head` goes into the page before the package is imported; `expect` adds to what the page
// reports after a good sign-in (signedIn). `todo` marks a case that runs and shows its outcome
// but does not fail the run yet, with the reason; remove it once the case passes.
const CASES = [
  {
    name: 'with WebAssembly',
    expect: { webAssembly: 'object', engines: ['wasm', 'wasm'], fallbackFetched: false },
  },
  {
    name: 'without WebAssembly (removed before the package is imported)',
    head: '<script>delete globalThis.WebAssembly</script>',
    expect: { webAssembly: 'undefined', engines: ['js', 'js'], fallbackFetched: true },
  },
  {
    name: "under a CSP without 'wasm-unsafe-eval'",
    head: `<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'">`,
    expect: { webAssembly: 'object', engines: ['js', 'js'], fallbackFetched: true },
  },
];

/** Xvfb on a display number it picks itself (-displayfd); resolves { display, stop() }. */
async function startXvfb() {
  const child = spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  const display = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb gave no display within 10 s: ${err}`)), 10000);
    child.stdio[3].on('data', (c) => {
      out += c;
      if (out.includes('\n')) { clearTimeout(timer); resolve(`:${out.trim()}`); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`Xvfb exited with ${code}: ${err}`)); });
  });
  return {
    display,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill();
        await exited;
      }
    },
  };
}

describe('release package in WebKit (WebKitWebDriver, MiniBrowser)', () => {
  let dir, xvfb, driver;

  before(async () => {
    const missing = [WEBKIT_DRIVER, MINIBROWSER, XVFB].filter((path) => !existsSync(path));
    if (missing.length) throw new Error(`WebKit e2e prerequisites missing: ${missing.join(', ')} (run: bash scripts/setup.sh)`);
    dir = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-webkit-'));
    const home = join(dir, 'home');
    await mkdir(join(dir, 'tmp'));
    await mkdir(home);
    xvfb = await startXvfb();
    // MiniBrowser inherits this environment: its caches, data and temp files go into this
    // test's temp folder, removed afterwards. NO_AT_BRIDGE: no accessibility bus to look for.
    driver = await startDriver(WEBKIT_DRIVER, [], {
      env: {
        ...process.env, DISPLAY: xvfb.display, TMPDIR: join(dir, 'tmp'), HOME: home,
        XDG_CACHE_HOME: join(home, 'cache'), XDG_DATA_HOME: join(home, 'data'),
        XDG_CONFIG_HOME: join(home, 'config'), NO_AT_BRIDGE: '1',
      },
    });
  });

  after(async () => {
    await driver?.stop();
    await xvfb?.stop();
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  for (const [i, c] of CASES.entries()) {
    test(`${c.name}: signs in through the redirect flow, refreshes through a session, makes valid PKCE pairs`,
      { todo: c.todo }, async () => {
        const www = join(dir, `www-${i}`);
        await mkdir(www);
        const appState = `from WebKit, ${c.name}`;
        await writeReleaseSite(www, { head: c.head, appState });
        const server = await startEmbeddedServer({ autoApprove: true, www });
        let session;
        try {
          // A fresh MiniBrowser for each case; without --automation the driver cannot match it
          // ("session not created: Failed to match capabilities").
          session = await newSession(driver, {
            browserName: 'MiniBrowser',
            'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
          });
          await session.navigate(`${server.origin}/`);
          assert.deepEqual(await waitForResult(session), signedIn(appState, c.expect));
          // The code exchange and the refresh; nothing else.
          assert.equal(tokenRequests(await server.stats()), 2);
        } finally {
          await session?.close().catch(() => {});
          await server.stop();
        }
      });
  }
});

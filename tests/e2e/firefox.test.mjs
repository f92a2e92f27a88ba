// The release package (pkg/, the no_std wasm with its own allocator and random pool, and the
// minified glue) in a second engine: Firefox, driven over WebDriver by geckodriver (both
// installed by scripts/setup.sh for the browser tests), against the embedded server. The other
// e2e tests run Chromium; the browser tests run Firefox too, but on the std test build.
// The page signs in, refreshes through a session and checks PKCE pairs (see webdriver.mjs).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEmbeddedServer, tokenRequests } from './harness.mjs';
import { newSession, signedIn, startDriver, waitForResult, writeReleaseSite } from './webdriver.mjs';

const GECKODRIVER = process.env.GECKODRIVER ?? join(homedir(), '.cargo', 'bin', 'geckodriver');
const APP_STATE = 'from Firefox';

describe('release package in Firefox (geckodriver)', () => {
  let dir, server, driver, session;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oauth-spa-e2e-firefox-'));
    const www = join(dir, 'www');
    await mkdir(www);
    await mkdir(join(dir, 'tmp'));
    await writeReleaseSite(www, { appState: APP_STATE });
    server = await startEmbeddedServer({ autoApprove: true, www });
    // Firefox's profile goes into this test's temp folder, removed afterwards.
    driver = await startDriver(GECKODRIVER, [], { env: { ...process.env, TMPDIR: join(dir, 'tmp') } });
    session = await newSession(driver, { browserName: 'firefox', 'moz:firefoxOptions': { args: ['-headless'] } });
  });

  after(async () => {
    await session?.close().catch(() => {});
    await driver?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  test('signs in through the redirect flow, refreshes through a session, makes valid PKCE pairs', async () => {
    await session.navigate(`${server.origin}/`);
    assert.deepEqual(await waitForResult(session), signedIn(APP_STATE, { webAssembly: 'object', engines: ['wasm', 'wasm'], fallbackFetched: false }));
    // The code exchange and the refresh; nothing else.
    assert.equal(tokenRequests(await server.stats()), 2);
  });
});

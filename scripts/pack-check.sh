#!/usr/bin/env bash
# Packs pkg/ the way it would be published, installs the tarball into an empty app, and
# imports the three entries by name, `oauth-spa` (everything but DPoP), `oauth-spa/dpop`
# (everything, DPoP included) and `oauth-spa/core` (the code-flow API), in Node (crypto.getRandomValues, no sessionStorage): once with WebAssembly, once with
# `node --jitless`, which has none, so the JavaScript engine runs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/oauth_spa_dpop_fallback.js ] && [ -f pkg/oauth_spa_core_fallback.js ] || bash scripts/build.sh
app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
tarball=$(cd pkg && npm pack --silent --pack-destination "$app")
cd "$app"
echo '{"name":"pack-check-app","private":true,"type":"module"}' > package.json
npm install --silent --no-audit --no-fund "./$tarball"
cat > check.mjs <<'JS'
import assert from 'node:assert/strict';
import * as full from 'oauth-spa';
import * as core from 'oauth-spa/core';
import * as dpop from 'oauth-spa/dpop';

// Node with --jitless has no WebAssembly: the package must run on its JavaScript engine.
const expected = typeof WebAssembly === 'object' ? 'wasm' : 'js';
const codeFlow = ['createPkcePair', 'computeCodeChallenge', 'ellipsis', 'startLogin', 'handleCallback',
  'exchangeCode', 'OAuthError', 'default'];
const sessionApi = ['createSession', 'refresh', 'revokeToken', 'discover', 'loginWithPopup', 'popupCallback'];
// Nothing but the API: not wasm-bindgen's loader, not the internal Op class.
const exact = (mod, names) => assert.deepEqual(Object.keys(mod).sort(), [...names].sort());
exact(full, [...codeFlow, ...sessionApi]);
exact(core, codeFlow);
// oauth-spa/dpop also exports what its vault worker (oauth_spa_vault.js) imports: vaultSession,
// undeclared in the types (internal).
exact(dpop, [...codeFlow, ...sessionApi, 'prepareDpop', 'vaultSession']);
assert.equal(full.OAuthError, core.OAuthError, 'one OAuthError class for every entry');
assert.equal(dpop.OAuthError, core.OAuthError, 'one OAuthError class for every entry');

// Before the engine is ready: a typed error that says what to do, for a synchronous call.
assert.throws(() => core.createPkcePair(),
  (e) => e instanceof full.OAuthError && e.code === 'not_initialized' && /await init\(\)/.test(e.message));
// A function that returns a promise waits for the engine itself.
await assert.rejects(core.handleCallback({ clientId: 5 }, 'https://app.example/?code=a&state=b'),
  (e) => e instanceof full.OAuthError && e.code === 'invalid_config');

// One init() readies every entry the app imported.
assert.equal(await core.default(), expected);
assert.equal(full.computeCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
  'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'the full entry is ready after the core entry\'s init()');
assert.equal(dpop.computeCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
  'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'the dpop entry is ready after the core entry\'s init()');

// DPoP is in oauth-spa/dpop only: the other two refuse `dpop: true` by naming it (one rule of
// the Rust core), before anything else; oauth-spa/dpop reads it and goes on (to the storage,
// which Node lacks).
const dpopConfig = { clientId: 'c', authorizationEndpoint: 'https://as.example/a',
  tokenEndpoint: 'https://as.example/t', dpop: true };
for (const mod of [full, core]) {
  assert.throws(() => mod.startLogin(dpopConfig), (e) => e instanceof dpop.OAuthError && e.code === 'invalid_config'
    && e.message === 'config.dpop must be false here: DPoP is in the entry oauth-spa/dpop');
}
assert.throws(() => dpop.startLogin(dpopConfig), (e) => e instanceof dpop.OAuthError && e.code === 'storage_unavailable');
assert.throws(() => full.createSession(dpopConfig), (e) => e.code === 'invalid_config' && /oauth-spa\/dpop/.test(e.message));
// Both session entries give a session its fetch (Bearer in oauth-spa); signed out, it sends
// nothing and says so. (Not under --jitless: Node's own Request needs WebAssembly there.)
for (const mod of typeof WebAssembly === 'object' ? [full, dpop] : []) {
  const s = mod.createSession({ ...dpopConfig, dpop: false });
  await assert.rejects(s.fetch('https://api.example/items'), (e) => e instanceof dpop.OAuthError && e.code === 'not_signed_in');
}
// prepareDpop (RFC 9449 §10 dpop_jkt): nothing to prepare with dpop off.
assert.equal(await dpop.prepareDpop({ ...dpopConfig, dpop: false }), null);
// The vault is in oauth-spa/dpop only; there, Node has no Worker: vault_unavailable.
assert.throws(() => full.createSession({ ...dpopConfig, dpop: false }, { vault: 'worker' }),
  (e) => e.code === 'invalid_argument' && /options\.vault .*oauth-spa\/dpop/.test(e.message));
assert.throws(() => dpop.createSession(dpopConfig, { vault: 'worker' }),
  (e) => e instanceof dpop.OAuthError && e.code === 'vault_unavailable');
assert.throws(() => dpop.startLogin({ ...dpopConfig, dpop: 'yes' }),
  (e) => e.code === 'invalid_config' && e.message === 'config.dpop must be a boolean');

for (const [name, mod] of [['oauth-spa', full], ['oauth-spa/dpop', dpop], ['oauth-spa/core', core]]) {
  assert.equal(await mod.default(), expected, `${name} runs on ${expected}`);
  assert.equal(await mod.default(), expected, 'init() again: the same engine');
  const { createPkcePair, computeCodeChallenge, startLogin, OAuthError } = mod;
  const pair = createPkcePair();
  assert.equal(pair.verifier.length, 43);
  assert.equal(pair.method, 'S256');
  assert.equal(computeCodeChallenge(pair.verifier), pair.challenge);
  // RFC 7636 Appendix B.
  assert.equal(computeCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  assert.throws(() => computeCodeChallenge('short'), (e) => e instanceof OAuthError && e.code === 'invalid_verifier');
  assert.equal(OAuthError.name, 'OAuthError', 'the class keeps its name through minification');
  const config = { clientId: 'c', authorizationEndpoint: 'https://as.example/a', tokenEndpoint: 'https://as.example/t' };
  assert.throws(() => startLogin(config), (e) => e instanceof OAuthError && e.code === 'storage_unavailable');
  assert.throws(() => startLogin({ ...config, clientId: 5 }),
    (e) => e instanceof OAuthError && e.code === 'invalid_config' && e.message === 'config.clientId must be a string');
  // A 3 MiB argument makes the engine's memory grow (the JS engine replaces its buffer): what
  // crosses afterwards must still be read from the new memory.
  const big = mod.ellipsis({ clientId: 'c'.repeat(3 << 20) });
  assert.equal(big.clientId, 'c'.repeat(3 << 20));
  const seen = new Set();  // and many pairs after it
  for (let i = 0; i < 2000; i++) {
    const p = createPkcePair();
    assert.equal(computeCodeChallenge(p.verifier), p.challenge);
    seen.add(p.verifier);
  }
  assert.equal(seen.size, 2000);
  console.log(`pack-check: ${name} imports by name from the installed tarball and works (${expected})`);
}
JS
node check.mjs
node --jitless check.mjs

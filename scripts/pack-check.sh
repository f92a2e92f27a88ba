#!/usr/bin/env bash
# Packs pkg/ the way it would be published, installs the tarball into an empty app, and
# imports both entries by name, `oauth-spa` (everything) and `oauth-spa/core` (the code-flow
# API): each entry, its wasm file and the OAuthError export must be in the package. Runs in Node (initSync with the wasm bytes), which has
# crypto.getRandomValues but no sessionStorage.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/oauth_spa_bg.wasm ] && [ -f pkg/oauth_spa_core_bg.wasm ] || bash scripts/build.sh web
app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
tarball=$(cd pkg && npm pack --silent --pack-destination "$app")
cd "$app"
echo '{"name":"pack-check-app","private":true,"type":"module"}' > package.json
npm install --silent --no-audit --no-fund "./$tarball"
cat > check.mjs <<'JS'
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import * as full from 'oauth-spa';
import * as core from 'oauth-spa/core';

const codeFlow = ['createPkcePair', 'computeCodeChallenge', 'ellipsis', 'startLogin', 'handleCallback',
  'exchangeCode', 'OAuthError', 'initSync', 'default'];
const sessionApi = ['createSession', 'refresh', 'revokeToken', 'discover', 'loginWithPopup', 'popupCallback'];
for (const [name, mod, wasm, more] of [
  ['oauth-spa', full, 'oauth_spa_bg.wasm', sessionApi],
  ['oauth-spa/core', core, 'oauth_spa_core_bg.wasm', []],
]) {
  for (const k of [...codeFlow, ...more]) assert.ok(k in mod, `${name} exports ${k}`);
  if (!more.length) for (const k of sessionApi) assert.ok(!(k in mod), `${name} has no ${k}`);
  assert.ok(!('Op' in mod), `${name} does not export the internal Op class`);
  const { initSync, createPkcePair, computeCodeChallenge, startLogin, OAuthError } = mod;
  initSync({ module: readFileSync(new URL(`./node_modules/oauth-spa/${wasm}`, import.meta.url)) });
  const pair = createPkcePair();
  assert.equal(pair.verifier.length, 43);
  assert.equal(pair.method, 'S256');
  assert.equal(computeCodeChallenge(pair.verifier), pair.challenge);
  assert.equal(computeCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  assert.throws(() => computeCodeChallenge('short'), (e) => e instanceof OAuthError && e.code === 'invalid_verifier');
  assert.equal(OAuthError.name, 'OAuthError', 'the class keeps its name through minification');
  const config = { clientId: 'c', authorizationEndpoint: 'https://as.example/a', tokenEndpoint: 'https://as.example/t' };
  assert.throws(() => startLogin(config), (e) => e instanceof OAuthError && e.code === 'storage_unavailable');
  assert.throws(() => startLogin({ ...config, clientId: 5 }),
    (e) => e instanceof OAuthError && e.code === 'invalid_config' && e.message === 'config.clientId must be a string');
  console.log(`pack-check: ${name} imports by name from the installed tarball and works`);
}
JS
node check.mjs

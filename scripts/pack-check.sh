#!/usr/bin/env bash
# Packs pkg/ the way it would be published, installs the tarball into an empty app, and
# imports it by name: the entry, the wasm file, the snippets and the OAuthError export must
# all be in the package. Runs in Node (initSync with the wasm bytes), which has
# crypto.getRandomValues but no sessionStorage.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/oauth_spa_bg.wasm ] || bash scripts/build.sh web
app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
tarball=$(cd pkg && npm pack --silent --pack-destination "$app")
cd "$app"
echo '{"name":"pack-check-app","private":true,"type":"module"}' > package.json
npm install --silent --no-audit --no-fund "./$tarball"
cat > check.mjs <<'JS'
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { initSync, createPkcePair, computeCodeChallenge, startLogin, OAuthError } from 'oauth-spa';

initSync({ module: readFileSync(new URL('./node_modules/oauth-spa/oauth_spa_bg.wasm', import.meta.url)) });
const pair = createPkcePair();
assert.equal(pair.verifier.length, 43);
assert.equal(pair.method, 'S256');
assert.equal(computeCodeChallenge(pair.verifier), pair.challenge);
assert.equal(computeCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
  'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
assert.throws(() => computeCodeChallenge('short'), (e) => e instanceof OAuthError && e.code === 'invalid_verifier');
const config = { clientId: 'c', authorizationEndpoint: 'https://as.example/a', tokenEndpoint: 'https://as.example/t' };
assert.throws(() => startLogin(config), (e) => e instanceof OAuthError && e.code === 'storage_unavailable');
console.log('pack-check: the installed tarball imports by name and works');
JS
node check.mjs

#!/usr/bin/env bash
# Lints pkg/ as npm would publish it: publint --strict (package.json, exports, files) and
# @arethetypeswrong/cli with the esm-only profile (the types resolve for node16 ESM and bundlers,
# for every entry).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/oauth_spa_dpop_fallback.js ] && [ -f pkg/oauth_spa_core_fallback.js ] || bash scripts/build.sh
node node_modules/publint/src/cli.js --strict pkg
node node_modules/@arethetypeswrong/cli/dist/index.js --pack pkg --profile esm-only

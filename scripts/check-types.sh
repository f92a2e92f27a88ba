#!/usr/bin/env bash
# Checks the TypeScript declarations of the built package (pkg/, the three entries): no `any`
# anywhere, and tests/types/*.ts compile under tsc --strict (including their expected errors):
# usage.ts and session-usage.ts against oauth_spa.d.ts, dpop-usage.ts against
# oauth_spa_dpop.d.ts (and oauth_spa.d.ts), core-usage.ts against oauth_spa_core.d.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/oauth_spa.d.ts ] && [ -f pkg/oauth_spa_core.d.ts ] && [ -f pkg/oauth_spa_dpop.d.ts ] || bash scripts/build.sh
if grep -nwE 'any' pkg/*.d.ts; then
  echo "check-types: the declarations above use 'any'" >&2
  exit 1
fi
node node_modules/typescript/bin/tsc -p tests/types/tsconfig.json
echo "check-types: declarations ok (no any; tests/types/*.ts compile strictly against the three entries)"

#!/usr/bin/env bash
# Checks the TypeScript declarations of the built package (pkg/): no `any` anywhere, and
# tests/types/usage.ts compiles under tsc --strict (including its expected errors).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/oauth_spa.d.ts ] || bash scripts/build.sh web
if grep -nwE 'any' pkg/*.d.ts; then
  echo "check-types: the declarations above use 'any'" >&2
  exit 1
fi
node node_modules/typescript/bin/tsc -p tests/types/tsconfig.json
echo "check-types: declarations ok (no any; tests/types/usage.ts compiles strictly)"

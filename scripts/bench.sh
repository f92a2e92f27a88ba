#!/usr/bin/env bash
# Benchmarks oauth-spa against the libraries users pick instead, against the project's targets.
# Usage: scripts/bench.sh [--smoke]
#   (full)   sign-in pages on a phone-like profile (CPU 4x, 150 ms latency, 1.6 Mbit/s; first and
#            repeat visit, 20 alternated rounds) + size + PKCE speed + code exchange overhead +
#            cold start, in headless Chromium on loopback; prints a table, writes
#            bench/results.json and bench/results.svg. ~10-15 minutes on 2 shared cores.
#   --smoke  one short round of everything (~30 s); exits non-zero if something breaks, the
#            throttling does not throttle, or a figure is not a real positive number, never
#            because a target is missed.
# The comparison packages are pinned in bench/package-lock.json and installed here (npm ci).
# oauth-spa is measured from the release package in pkg/: the full run rebuilds it with
# scripts/build.sh; the smoke run builds it only when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

mode=full
for arg in "$@"; do
  case "$arg" in
    --smoke) mode=smoke ;;
    *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
  esac
done

# 1. The comparison packages (registries only), reinstalled only when the lock file changed.
if [ ! -d bench/node_modules ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  echo "[bench] npm ci --prefix bench" >&2
  npm ci --prefix bench --no-audit --no-fund --loglevel=error >&2
fi

# 2. The release package of oauth-spa.
# OAUTH_SPA_PKG=<dir> measures an already built package instead (no build).
have_pkg() { [ -f pkg/oauth_spa_fallback.js ] && [ -f pkg/oauth_spa.js ]; }
if [ -z "${OAUTH_SPA_PKG:-}" ]; then
  if [ "$mode" = smoke ] && ! have_pkg && { [ -d pkg ] || [ -d pkg.core ]; }; then
    # A build by someone else is under way in this shared tree (build.sh empties pkg/ first):
    # wait for it (up to 120 s) rather than start a second build that clashes with it.
    echo "[bench] pkg/ is being rebuilt; waiting for it" >&2
    for _ in $(seq 120); do have_pkg && [ ! -d pkg.core ] && break; sleep 1; done
  fi
  if [ "$mode" = full ] || ! have_pkg; then
    echo "[bench] bash scripts/build.sh" >&2
    bash scripts/build.sh
  fi
fi

# 3. Measure.
if [ "$mode" = smoke ]; then
  exec node bench/run.mjs --smoke
fi
exec node bench/run.mjs

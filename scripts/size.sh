#!/usr/bin/env bash
# Size of the release package as users get it: builds pkg/ with scripts/build.sh, then prints
# gzip -9 bytes of the files a browser with WebAssembly loads for each entry, each and total per
# entry (KB = 1024 bytes):
#   oauth-spa       pkg/oauth_spa.js, its wasm inside       (everything but DPoP)
#   oauth-spa/dpop  pkg/oauth_spa_dpop.js, its wasm inside  (everything, DPoP included)
#   oauth-spa/core  pkg/oauth_spa_core.js, its wasm inside  (the code flow)
# and what a browser without WebAssembly loads in addition: the entry's JavaScript engine,
# pkg/<entry>_fallback.js; what DPoP costs (oauth-spa/dpop built without the vault, minus
# oauth-spa); and what the vault costs: its worker file (pkg/oauth_spa_vault.js, which imports
# oauth-spa/dpop) and what it adds to oauth-spa/dpop (the entry minus the same entry built
# without the cargo feature `vault`, into a temporary folder: one more build of that entry).
# Usage: scripts/size.sh [--budget BYTES] [--no-build]
#   --budget BYTES  exit 1 when the code-flow entry's total (oauth-spa/core) is over BYTES
#   --no-build      measure the pkg/ that is already there
set -euo pipefail
cd "$(dirname "$0")/.."

budget=
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) budget=${2:?--budget needs a number of bytes}; shift 2 ;;
    --budget=*) budget=${1#--budget=}; shift ;;
    --no-build) build=; shift ;;
    *) echo "usage: $0 [--budget BYTES] [--no-build]" >&2; exit 2 ;;
  esac
done
case "$budget" in ''|*[!0-9]*) [ -z "$budget" ] || { echo "size: --budget wants bytes, got $budget" >&2; exit 2; } ;; esac

novault=$(mktemp -d)
trap 'rm -rf "$novault"' EXIT
log=$(mktemp)
if [ -n "$build" ] && ! bash scripts/build.sh >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"
  echo "size: the build failed" >&2; exit 1
fi
# oauth-spa/dpop without the vault (its own target folder's cache is the same as the build's).
if ! OAUTH_SPA_ENTRIES=oauth_spa_dpop OAUTH_SPA_DPOP_FEATURES=session,dpop bash scripts/build.sh "$novault" >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"
  echo "size: the build of oauth-spa/dpop without the vault failed" >&2; exit 1
fi
rm -f "$log"

kb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1024 }'; }
total=0
measure() { # title, files... (sets total)
  local title=$1; shift
  total=0
  echo "$title"
  printf '  %-42s %9s %9s %8s\n' file raw gzip-9 'KB gz'
  for f in "$@"; do
    [ -f "$f" ] || { echo "size: $f is missing (build failed?)" >&2; exit 1; }
    local raw gz
    raw=$(wc -c <"$f")
    gz=$(gzip -9 -c "$f" | wc -c)
    total=$((total + gz))
    printf '  %-42s %9d %9d %8s\n' "$f" "$raw" "$gz" "$(kb "$gz")"
  done
  printf '  %-42s %9s %9d %8s\n' total '' "$total" "$(kb "$total")"
}
gz() { gzip -9 -c "$1" | wc -c; }
measure "oauth-spa (everything but DPoP)" pkg/oauth_spa.js
echo
measure "without WebAssembly, in addition: the JavaScript engine of oauth-spa" pkg/oauth_spa_fallback.js
echo
measure "oauth-spa/dpop (everything, DPoP and the vault included)" pkg/oauth_spa_dpop.js
echo
measure "without WebAssembly, in addition: the JavaScript engine of oauth-spa/dpop" pkg/oauth_spa_dpop_fallback.js
echo
cost=$(( $(gz "$novault/oauth_spa_dpop.js") - $(gz pkg/oauth_spa.js) ))
echo "DPoP (dpop: true; the DPoP half of session.fetch), oauth-spa/dpop without the vault minus oauth-spa: $cost bytes gzip ($(kb "$cost") KB)"
echo "  and in the JavaScript engine: $(( $(gz "$novault/oauth_spa_dpop_fallback.js") - $(gz pkg/oauth_spa_fallback.js) )) bytes gzip"
echo "  oauth-spa and oauth-spa/core have none of it (they refuse dpop: true)"
echo
measure "the vault (createSession(config, { vault: \"worker\" })): its module Worker, which imports oauth-spa/dpop" pkg/oauth_spa_vault.js
cost=$(( $(gz pkg/oauth_spa_dpop.js) - $(gz "$novault/oauth_spa_dpop.js") ))
echo "  what the vault adds to oauth-spa/dpop (the entry minus the same entry without the cargo feature vault): $cost bytes gzip ($(kb "$cost") KB)"
echo "  and to its JavaScript engine: $(( $(gz pkg/oauth_spa_dpop_fallback.js) - $(gz "$novault/oauth_spa_dpop_fallback.js") )) bytes gzip"
echo "  oauth-spa and oauth-spa/core have none of it (they refuse options.vault)"
echo
measure "oauth-spa/core (code flow: createPkcePair, computeCodeChallenge, ellipsis, startLogin, handleCallback, exchangeCode)" \
  pkg/oauth_spa_core.js
core_total=$total
echo
measure "without WebAssembly, in addition: the JavaScript engine of oauth-spa/core" pkg/oauth_spa_core_fallback.js
total=$core_total

if [ -n "$budget" ]; then
  if [ "$total" -gt "$budget" ]; then
    echo "size: oauth-spa/core OVER budget: $total > $budget bytes gzip" >&2
    exit 1
  fi
  echo "size: oauth-spa/core within budget: $total <= $budget bytes gzip"
fi

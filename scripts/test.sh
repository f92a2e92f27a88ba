#!/usr/bin/env bash
# `npm test`: installs what the tests need (scripts/setup.sh), then runs every check:
# formatting, clippy (host and wasm32), native tests, browser tests in headless Chrome and
# Firefox against a local token endpoint, the build pipeline's unit tests, the package checks,
# the size report, end-to-end tests in Chromium, Firefox and WebKit against real authorization
# servers (and in Chromium once more on the JavaScript engine), and a smoke run of the benchmark.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh || { echo "setup failed"; exit 1; }

passed=0; failed=0; failures=()
step() { # name, command...
  local name=$1; shift
  echo; echo "=== $name"
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1)); echo "--- ok: $name ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "--- FAILED: $name ($((SECONDS - t0)) s)"
  fi
}

# Chromium/chromedriver leave profile folders in the temp dir: remove the ones this run made.
tmp=${TMPDIR:-/tmp}
before=$(mktemp); ls -1d "$tmp"/org.chromium.Chromium.* "$tmp"/.org.chromium.Chromium.* 2>/dev/null | sort > "$before"
server_pid= proxy_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
  ls -1d "$tmp"/org.chromium.Chromium.* "$tmp"/.org.chromium.Chromium.* 2>/dev/null | sort | comm -13 "$before" - | xargs -r rm -rf
  rm -f "$before" "${chrome_webdriver_json:-}" "${firefox_webdriver_json:-}"
}
trap cleanup EXIT

step "cargo fmt --check" cargo fmt --all -- --check
step "no references outside the repository" bash scripts/check-refs.sh
step "clippy (host)" cargo clippy --workspace --all-targets --locked -- -D warnings
step "clippy (wasm32)" cargo clippy -p oauth-spa --target wasm32-unknown-unknown --all-targets --locked -- -D warnings
step "clippy (wasm32, shipped no_std code-flow build)" cargo clippy -p oauth-spa --target wasm32-unknown-unknown --no-default-features --lib --locked -- -D warnings
step "clippy (wasm32, shipped no_std full build)" cargo clippy -p oauth-spa --target wasm32-unknown-unknown --no-default-features --features session --lib --locked -- -D warnings
step "clippy (wasm32, no_std DPoP build without the vault)" cargo clippy -p oauth-spa --target wasm32-unknown-unknown --no-default-features --features session,dpop --lib --locked -- -D warnings
step "clippy (wasm32, shipped no_std DPoP build, vault included)" cargo clippy -p oauth-spa --target wasm32-unknown-unknown --no-default-features --features session,dpop,vault --lib --locked -- -D warnings
step "native tests (cargo test)" cargo test --workspace --locked
# The entries without DPoP (`oauth-spa`, `oauth-spa/core`) read `dpop` to refuse it: the config
# tests once more with those features.
step "native config tests without DPoP (features session; none)" bash -c 'cargo test --locked --lib --no-default-features --features session core::config:: && cargo test --locked --lib --no-default-features core::config::'
step "clippy (the LZMA decoder the entries carry, wasm32)" cargo clippy -p oauth-spa-unlzma --target wasm32-unknown-unknown --lib --locked -- -D warnings
step "clippy (allocator test crate, wasm32)" cargo clippy --manifest-path tests/alloc-wasm/Cargo.toml --target wasm32-unknown-unknown --target-dir target/alloc-wasm --locked -- -D warnings
step "allocator property test (the shipped allocator in wasm, in Node)" bash scripts/alloc-test.sh
step "fuzzing smoke: the crash corpus replayed, then 10 s per target" bash scripts/fuzz.sh --smoke

# Browser tests: real fetch against a real HTTP endpoint on loopback.
server_log=$(mktemp)
node tests/support/token-server.mjs 0 > "$server_log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q '^token-server ' "$server_log" && break; sleep 0.1; done
export OAUTH_SPA_TEST_SERVER=$(sed -n 's/^token-server //p' "$server_log")
echo "token server: $OAUTH_SPA_TEST_SERVER"
browser_tests=()
for f in tests/*.rs; do
  grep -q 'run_in_browser' "$f" && browser_tests+=(--test "$(basename "$f" .rs)")
done
# The browsers reach the runner's page through tests/support/runner-proxy.mjs (one connection
# per request): with keep-alive connections straight to the runner, a module request of the
# test page could wait for a thread of the runner's server until the browser dropped an idle
# connection (the file says why): 300 s in Chrome, about 115 s in Firefox (seen once).
proxy_log=$(mktemp)
node tests/support/runner-proxy.mjs > "$proxy_log" 2>&1 &
proxy_pid=$!
for _ in $(seq 50); do grep -q '^runner-proxy ' "$proxy_log" && break; sleep 0.1; done
proxy_port=$(sed -n 's/^runner-proxy //p' "$proxy_log")
chrome_webdriver_json=$(mktemp --suffix=.json)
printf '{"goog:chromeOptions":{"args":["--proxy-server=http://127.0.0.1:%s","--proxy-bypass-list=<-loopback>"]}}\n' \
  "$proxy_port" > "$chrome_webdriver_json"
firefox_webdriver_json=$(mktemp --suffix=.json)
printf '{"moz:firefoxOptions":{"prefs":{"network.proxy.type":1,"network.proxy.http":"127.0.0.1","network.proxy.http_port":%s,"network.proxy.allow_hijacking_localhost":true,"network.proxy.no_proxies_on":""}}}\n' \
  "$proxy_port" > "$firefox_webdriver_json"
# A run in which no test ran (the browser left the page unanswered: "Failed to detect test as
# having been run") is run once more; a run in which a test ran and failed is not.
browser_tests_in() { # wasm-pack test arguments
  local log rc
  log=$(mktemp)
  case $1 in
    --chrome) export WASM_BINDGEN_TEST_WEBDRIVER_JSON=$chrome_webdriver_json ;;
    --firefox) export WASM_BINDGEN_TEST_WEBDRIVER_JSON=$firefox_webdriver_json ;;
  esac
  wasm-pack test --headless "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ] && grep -q 'Failed to detect test as having been run' "$log" &&
     ! grep -q '^test result: FAILED' "$log"; then
    echo "(no test ran: the browser did not answer the runner; once more)"
    wasm-pack test --headless "$@"
    rc=$?
  fi
  rm -f "$log"
  return "$rc"
}
step "browser tests (headless Chrome)" browser_tests_in --chrome . "${browser_tests[@]}"
step "browser tests (headless Firefox)" browser_tests_in --firefox . "${browser_tests[@]}"
step "browser tests, code-flow build (headless Chrome)" browser_tests_in --chrome . --test browser --no-default-features --features std
kill "$server_pid" "$proxy_pid" 2>/dev/null; server_pid= proxy_pid=
unset WASM_BINDGEN_TEST_WEBDRIVER_JSON

# The release package as users get it (wasm-opt included): types, size, end to end.
step "build pipeline unit tests (node --test tests/build/)" node --test tests/build/
step "release build (pkg/)" bash scripts/build.sh
step "TypeScript declarations (tsc --strict, no any)" bash scripts/check-types.sh
step "npm pack + install + import by name (Node, WebAssembly and --jitless)" bash scripts/pack-check.sh
step "publint --strict + arethetypeswrong --profile esm-only" bash scripts/lint-package.sh
# Size is a benchmark, not a pass/fail test: report it (README records the figure).
if [ -f scripts/size.sh ]; then
  step "size report" bash scripts/size.sh
fi
if [ -d tests/e2e ]; then
  step "end-to-end (Chromium, Firefox, WebKit; release build)" bash -c 'cargo build --release --locked -p oauth-spa-server && node --test --test-concurrency=1 tests/e2e/'
  # The same sign-ins on the JavaScript engine: every page without WebAssembly.
  step "end-to-end on the JavaScript engine (Chromium without WebAssembly)" env OAUTH_SPA_E2E_ENGINE=js \
    node --test --test-concurrency=1 tests/e2e/embedded-server.test.mjs tests/e2e/oidc-provider.test.mjs \
    tests/e2e/bad-paths.test.mjs tests/e2e/session.test.mjs tests/e2e/demo-page.test.mjs \
    tests/e2e/insecure-context.test.mjs tests/e2e/reach.test.mjs tests/e2e/demo-tour.test.mjs \
    tests/e2e/dpop.test.mjs tests/e2e/vault.test.mjs
fi
if [ -f scripts/bench.sh ]; then
  step "benchmark smoke run" bash scripts/bench.sh --smoke
fi

echo
if [ "$failed" -gt 0 ]; then
  printf 'failed step: %s\n' "${failures[@]}"
fi
echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# `npm run test:fast`: the checks that need no browser, no build of the package and no network,
# in about two minutes on a warm machine (target/ already built once): formatting, clippy on the
# host and on the shipped no_std wasm32 builds (full and DPoP), the native tests (cargo test --workspace, with
# tests/declarations.rs, which ties the Rust readers, the TypeScript declarations, the docs'
# tables and the JS-built errors together), the build pipeline's unit tests, and no reference to
# anything outside the repository. `npm test` (scripts/test.sh) still runs everything.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

failed=()
step() { # name, command...
  local name=$1; shift
  local t0=$SECONDS
  if "$@"; then
    echo "--- ok: $name ($((SECONDS - t0)) s)"
  else
    failed+=("$name"); echo "--- FAILED: $name ($((SECONDS - t0)) s)"
  fi
}

t0=$SECONDS
step "cargo fmt --check" cargo fmt --all -- --check
step "clippy (host)" cargo clippy --workspace --all-targets --locked -- -D warnings
step "clippy (wasm32, shipped no_std full build)" cargo clippy -p oauth-spa --target wasm32-unknown-unknown --no-default-features --features session --lib --locked -- -D warnings
step "clippy (wasm32, no_std DPoP build without the vault)" cargo clippy -p oauth-spa --target wasm32-unknown-unknown --no-default-features --features session,dpop --lib --locked -- -D warnings
step "clippy (wasm32, shipped no_std DPoP build, vault included)" cargo clippy -p oauth-spa --target wasm32-unknown-unknown --no-default-features --features session,dpop,vault --lib --locked -- -D warnings
step "native tests (cargo test --workspace, declarations included)" cargo test --workspace --locked
step "build pipeline unit tests (node --test tests/build/)" node --test tests/build/
step "no references outside the repository" bash scripts/check-refs.sh
echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "test:fast FAILED ($((SECONDS - t0)) s): ${failed[*]}"
  exit 1
fi
echo "test:fast passed ($((SECONDS - t0)) s)"

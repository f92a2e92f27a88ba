#!/usr/bin/env bash
# Builds the release package as users get it: pkg/ (--target web) and pkg-bundler/ (--target bundler).
# Each folder holds two entries of one npm package:
#   oauth_spa.js      + oauth_spa_bg.wasm       import 'oauth-spa'       everything (feature `session`)
#   oauth_spa_core.js + oauth_spa_core_bg.wasm  import 'oauth-spa/core'  the code-flow API only
# Usage: scripts/build.sh [web|bundler|all]   (default: web)
set -euo pipefail
cd "$(dirname "$0")/.."
# wasm-opt from the project's npm binaryen (toolchain.md: never Debian's), ahead of anything else.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# LLVM's inliner threshold (opt-level "z" uses 5): measured on the core entry, 40 gave
# -0.62 KB gzip (full: -0.2 KB); the curve is bumpy (30: -0.3, 45: -0.2, 100: +0.4), so
# re-measure with scripts/size.sh after large code changes.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:-} -C llvm-args=-inline-threshold=40"
what=${1:-web}
entry() { # target outdir name cargo-features
  # Without the `std` feature the wasm is `#![no_std]` with its own panic handler and allocator
  # (src/wasm/rt.rs): same behaviour, fewer bytes.
  wasm-pack build --release --target "$1" --out-dir "$2" --out-name "$3" . -- --no-default-features $4 >&2
  node scripts/postbuild.mjs "$2" "$1" "$3"
  node scripts/fix-types.mjs "$2"
}
build() { # target outdir
  local core="$2.core"
  # wasm-pack runs wasm-opt on every .wasm of its output folder: start both empty.
  rm -rf "$core" "$2"
  entry "$1" "$core" oauth_spa_core ""
  entry "$1" "$2" oauth_spa "--features session"
  node scripts/postbuild.mjs --add-entry "$core" "$2" core oauth_spa_core
  rm -rf "$core"
}
case "$what" in
  web) build web pkg ;;
  bundler) build bundler pkg-bundler ;;
  all) build web pkg; build bundler pkg-bundler ;;
  *) echo "usage: $0 [web|bundler|all]" >&2; exit 2 ;;
esac

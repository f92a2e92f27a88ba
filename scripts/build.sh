#!/usr/bin/env bash
# Builds the release package as users get it: pkg/ (--target web) and pkg-bundler/ (--target bundler).
# Usage: scripts/build.sh [web|bundler|all]   (default: web)
set -euo pipefail
cd "$(dirname "$0")/.."
# wasm-opt from the project's npm binaryen (toolchain.md: never Debian's), ahead of anything else.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
what=${1:-web}
build() { # target outdir
  # Without the `std` feature the wasm is `#![no_std]` with its own panic handler and allocator
  # (src/wasm/rt.rs): same behaviour, fewer bytes.
  wasm-pack build --release --target "$1" --out-dir "$2" --out-name oauth_spa . -- --no-default-features >&2
  node scripts/postbuild.mjs "$2" "$1"
  node scripts/fix-types.mjs "$2"
}
case "$what" in
  web) build web pkg ;;
  bundler) build bundler pkg-bundler ;;
  all) build web pkg; build bundler pkg-bundler ;;
  *) echo "usage: $0 [web|bundler|all]" >&2; exit 2 ;;
esac

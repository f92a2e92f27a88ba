#!/usr/bin/env bash
# Builds the release package as users get it: pkg/ (--target web) and pkg-bundler/ (--target bundler).
# Usage: scripts/build.sh [web|bundler|all]   (default: web)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
what=${1:-web}
build() { # target outdir
  wasm-pack build --release --target "$1" --out-dir "$2" --out-name oauth_spa . >&2
  node scripts/postbuild.mjs "$2" "$1"
  node scripts/fix-types.mjs "$2"
}
case "$what" in
  web) build web pkg ;;
  bundler) build bundler pkg-bundler ;;
  all) build web pkg; build bundler pkg-bundler ;;
  *) echo "usage: $0 [web|bundler|all]" >&2; exit 2 ;;
esac

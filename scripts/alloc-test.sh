#!/usr/bin/env bash
# Property test of the shipped no_std allocator (src/wasm/heap.rs): builds tests/alloc-wasm (that
# file in a wasm module of its own, arithmetic overflow checks on) for wasm32-unknown-unknown,
# then runs tests/alloc-wasm/alloc.test.mjs in Node: random alloc/realloc/dealloc sequences
# (seeded; the seed is printed) and the top of the 4 GiB address space.
# Usage: scripts/alloc-test.sh   (ALLOC_SEED=<n> replays a seed, ALLOC_OPS=<n> calls per run)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --quiet --locked --release --target wasm32-unknown-unknown \
  --manifest-path tests/alloc-wasm/Cargo.toml --target-dir target/alloc-wasm
node --test tests/alloc-wasm/

#!/usr/bin/env bash
# Builds the package as users get it into pkg/: one npm package, `oauth-spa`, with three entries:
#   oauth_spa.js       import 'oauth-spa'       everything but DPoP (cargo feature `session`)
#   oauth_spa_dpop.js  import 'oauth-spa/dpop'  everything, DPoP and the vault included
#                                               (`session`, `dpop`, `vault`); beside it
#                                               oauth_spa_vault.js, the vault's module Worker
#   oauth_spa_core.js  import 'oauth-spa/core'  the code-flow API only
# Each entry carries its WebAssembly inside it, and has a JavaScript translation of the same
# module (<entry>_fallback.js) that it loads only where WebAssembly cannot run. The same files serve a plain <script type="module"> and every
# bundler (scripts/postbuild.mjs says how they are made).
# Usage: scripts/build.sh [out-dir]   (default: pkg)
set -euo pipefail
cd "$(dirname "$0")/.."
# wasm-opt and wasm2js from the project's npm binaryen (never Debian's: it breaks the output).
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
out=${1:-pkg}
[ "$out" != web ] || out=pkg   # the former `build.sh web`
target_dir=${CARGO_TARGET_DIR:-target}
# - LLVM's inliner threshold (opt-level "z" uses 5), per entry (the third argument of
#   `entry` below), measured with scripts/size.sh: after the session state machine came in
#   (full / dpop / core entry, gzip) 40 gave 42,922 / 48,979 / 28,532 B, 10 gives 41,937 /
#   47,609 / 28,336 B, 5 gives 41,923 / 47,638 / 28,381 B (25 and 80 were larger than 40 on the
#   full entry's wasm). Later, each entry alone: the code flow 28,336 B at 7, 9 and 10, 28,264 B
#   at 12 and 15, 28,902 B at 20; the full entry 41,770 B at 10, 41,891 B at 12 and 15; DPoP
#   48,131 B at 10, 48,211 B at 12. So 12 for the code flow, 10 for the others. Since the
#   dependencies are built at opt-level 3 (Cargo.toml): the code flow 27,261 B at 8-10,
#   27,335 B at 11, 12 and 14; the full entry 40,380 B at 8 and 10, 40,654 B at 12; DPoP
#   49,865 B at 10, 50,312 B at 12. So 10 for all three. With MIR inlining (below), 5 for all
#   three. The curve is bumpy and moves with the code: re-measure after large code changes.
# - No reference types: wasm-bindgen then keeps JS values in a JS array instead of a second
#   wasm table, and binaryen's wasm2js (the fallback engine) translates only modules with one
#   table. The same module runs in both engines.
rustflags="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:-} -C target-feature=-reference-types,-multivalue"
# - The entries' wasm is built by a pinned nightly Rust (NIGHTLY, installed by scripts/setup.sh)
#   that compiles `core` and `alloc` along with the crate (-Zbuild-std), so that they are
#   optimised with it and a panic aborts at once (-C panic=immediate-abort: no panic messages,
#   no formatting code, no source locations; -Zlocation-detail=none). A panic traps either way
#   (src/wasm/rt.rs); only its unused message and location go. Measured on the full entry's
#   module: 80,432 -> 77,419 B, LZMA 31,441 -> 30,568 B (docs/size.md). The tests build with
#   the stable toolchain; the end-to-end tests run this build.
NIGHTLY=${OAUTH_SPA_NIGHTLY:-nightly-2026-05-20}
# - MIR inlining (-Zinline-mir=yes): rustc turns it on by itself at opt-level 2 and 3 (the
#   dependencies get it: Cargo.toml builds them at 3), not at "z"; on for this crate too, with
#   the threshold for `#[inline]` callees at 50 instead of 100 (the other callees keep 50), and
#   LLVM's inline threshold back at 5 (below). Measured with scripts/size.sh (core / full / dpop,
#   gzip -9): 24,877 / 36,564 / 45,168 B before; MIR inlining with rustc's thresholds
#   -275 / -339 / -670 B (the same module as -Zmir-opt-level=3); the hint threshold at 50 instead
#   of 100 another -146 / -321 / -145 B (25: full +265 B over 50; 75: +480 B; 0: +345 B; 200:
#   +1,016 B); then LLVM's threshold 10 -> 5: -111 / -114 / -98 B (15: full +208 B).
nightly_flags="-Zunstable-options -C panic=immediate-abort -Zlocation-detail=none -Zinline-mir=yes -Zinline-mir-hint-threshold=50"
# wasm-opt: --flatten --rereloop first, then -Oz, then again with the functions' global effects
# known: measured 150 B gzip under -Os --converge alone (the core entry; -Oz alone: 6 B).
# --low-memory-unused: Rust puts the stack first, so addresses below 1024 are never data.
# --strip-producers/--strip-target-features: custom sections no browser reads.
wasm_opt=(--flatten --rereloop -Oz --converge --generate-global-effects -Oz --converge
  --low-memory-unused --strip-producers --strip-target-features --enable-bulk-memory
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out"
entry() { # name cargo-features inline-threshold
  # Without the `std` feature the wasm is `#![no_std]` with its own panic handler and allocator
  # (src/wasm/rt.rs): same behaviour, fewer bytes.
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$rustflags $nightly_flags -C llvm-args=-inline-threshold=$3" \
  cargo "+$NIGHTLY" build -Zbuild-std=core,alloc --release --locked --target wasm32-unknown-unknown \
    --lib --no-default-features $2 >&2
  # A precompiled `core` (a stable build without -Zbuild-std) declares reference types in the
  # target_features section although nothing uses them; wasm-bindgen reads that section to
  # choose its JS value table. With -Zbuild-std the section no longer names them; the step
  # stays so that the stable build (docs/size.md, how to undo the nightly) still works.
  node scripts/build/strip-section.mjs "$target_dir/wasm32-unknown-unknown/release/oauth_spa.wasm" \
    "$work/$1.wasm" target_features
  wasm-bindgen --target web --out-dir "$out" --out-name "$1" "$work/$1.wasm"
  wasm-opt "${wasm_opt[@]}" "$out/$1_bg.wasm" -o "$out/$1_bg.wasm"
}
# OAUTH_SPA_ENTRIES (default: all three) and OAUTH_SPA_DPOP_FEATURES (default session,dpop,vault):
# scripts/size.sh builds oauth_spa_dpop alone without the vault, to print what the vault adds.
entries=${OAUTH_SPA_ENTRIES:-oauth_spa oauth_spa_core oauth_spa_dpop}
for e in $entries; do
  case "$e" in
    oauth_spa_core) entry oauth_spa_core "" 5 ;;
    oauth_spa) entry oauth_spa "--features session" 5 ;;
    # DPoP (and the vault) in an entry of its own, so that the apps without it do not download it.
    oauth_spa_dpop) entry oauth_spa_dpop "--features ${OAUTH_SPA_DPOP_FEATURES:-session,dpop,vault}" 5 ;;
    *) echo "build: unknown entry $e" >&2; exit 2 ;;
  esac
done
# The LZMA decoder each entry carries to unpack its module (unlzma/, js/loader.js): no std, no
# allocator, a 4 KB stack (the linker's default is 1 MB of memory to set aside).
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C link-arg=-zstack-size=4096" \
  cargo build --release --locked --target wasm32-unknown-unknown -p oauth-spa-unlzma >&2
# The linker's __data_end and __heap_base exports are of no use to the loader.
wasm-opt '--remove-exports=__*' -Oz --strip-debug --strip-producers --strip-target-features \
  "$target_dir/wasm32-unknown-unknown/release/unlzma.wasm" -o "$out/unlzma.wasm"
# shellcheck disable=SC2086
node scripts/postbuild.mjs "$out" $entries
node scripts/fix-types.mjs "$out"
cp README.md LICENSE-APACHE LICENSE-MIT "$out/"

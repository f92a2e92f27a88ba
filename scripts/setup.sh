#!/usr/bin/env bash
# Installs every tool oauth-spa needs on a fresh Debian 12 machine (root, registries only).
# Idempotent: each step checks the installed version first; a second run takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_PACK_VERSION=0.15.1
GECKODRIVER_VERSION=0.37.1
CARGO_FUZZ_VERSION=0.13.2
# wasm-bindgen-cli must equal the wasm-bindgen crate pinned in Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)

log() { printf '[setup] %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

# 1. Rust target and components
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for comp in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$comp" || rustup component add "$comp"
done

# 2. Debian packages: Chromium + driver, Firefox ESR, WebKitGTK's WebDriver (with its MiniBrowser)
#    and Xvfb for it (MiniBrowser has no headless mode). Never Debian's binaryen (wasm-opt 108 breaks output).
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || need_apt+=(firefox-esr)
command -v WebKitWebDriver >/dev/null 2>&1 || need_apt+=(webkit2gtk-driver)
command -v Xvfb >/dev/null 2>&1 || need_apt+=(xvfb)
# xz: scripts/postbuild.mjs packs each entry's wasm with it (LZMA).
command -v xz >/dev/null 2>&1 || need_apt+=(xz-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# 3. cargo-installed tools (registries only; nothing from GitHub)
have_version() { # cmd expected
  local out
  out=$("$1" --version 2>/dev/null || true)
  [[ "$out" == *"$2"* ]]
}
if ! have_version wasm-pack "$WASM_PACK_VERSION"; then
  log "cargo install wasm-pack $WASM_PACK_VERSION"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --quiet
fi
if ! have_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: the registry lacks one of its locked dependencies.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force --quiet
fi
if ! have_version geckodriver "$GECKODRIVER_VERSION"; then
  log "cargo install geckodriver $GECKODRIVER_VERSION"
  cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked --quiet
fi

# 3b. Fuzzing (scripts/fuzz.sh, fuzz/README.md): the nightly toolchain (libFuzzer needs it; this
# machine kind comes with one) and cargo-fuzz.
if ! rustup toolchain list | grep -q '^nightly'; then
  log "rustup toolchain install nightly"
  rustup toolchain install nightly --profile minimal
fi
# 3c. The pinned nightly that builds the shipped wasm with its own core and alloc
# (scripts/build.sh, -Zbuild-std: it needs the standard library's source, rust-src).
NIGHTLY=$(sed -n 's/^NIGHTLY=${OAUTH_SPA_NIGHTLY:-\(.*\)}$/\1/p' scripts/build.sh)
[ -n "$NIGHTLY" ] || { echo "setup: no NIGHTLY= line in scripts/build.sh" >&2; exit 1; }
if ! rustup component list --toolchain "$NIGHTLY" --installed 2>/dev/null | grep -q '^rust-src'; then
  log "rustup toolchain install $NIGHTLY (rust-src)"
  rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src
fi
if ! have_version cargo-fuzz "$CARGO_FUZZ_VERSION"; then
  log "cargo install cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --quiet
fi

# 4. npm packages of the project (playwright-core, binaryen, oidc-provider, ...)
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# 5. wasm-opt from npm binaryen, ahead of anything else on PATH
mkdir -p "$HOME/.cargo/bin"
if [ -x node_modules/binaryen/bin/wasm-opt ]; then
  ln -sf "$PWD/node_modules/binaryen/bin/wasm-opt" "$HOME/.cargo/bin/wasm-opt"
fi
log "ready"

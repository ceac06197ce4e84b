#!/usr/bin/env bash
# Installs what building the web page needs (idempotent): the wasm target, wasm-bindgen-cli at
# the version the project pins and binaryen 132's wasm-opt (npm); clippy for the lints of
# scripts/test.sh. With --demo, also trunk (the demo's build; the tests build the site with
# scripts/build-site.sh instead). With --browser, also Debian's Chromium and playwright-core for
# the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)" >&2; exit 1; }
command -v npm >/dev/null || { echo "node and npm are required" >&2; exit 1; }

rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock (0.2.130); `--locked`
# fails for this release (one pinned dependency left the registry), so it is not used here.
# It only post-processes two bundles, so it is built for a quick build (no LTO, parallel
# codegen, opt-level 1), not for speed.
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "0.2.130" ]; then
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_DEBUG=false cargo install wasm-bindgen-cli --version 0.2.130
fi
# trunk 0.21.14 is the newest that builds with rustc 1.95; it needs --locked.
if [[ " $* " == *" --demo "* ]] && [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "0.21.14" ]; then
  cargo install trunk --version 0.21.14 --locked
fi
# Debian's binaryen (108) silently breaks wasm-bindgen output: use binaryen 132 from npm.
(cd .tools && npm ci --no-audit --no-fund --silent)

if [[ " $* " == *" --browser "* ]]; then
  if [ ! -x /usr/bin/chromium ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=300 chromium fonts-dejavu-core
  fi
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi

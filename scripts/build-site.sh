#!/usr/bin/env bash
# Builds the page into OUT the way `trunk build` does, with cargo and wasm-bindgen alone: the
# static files, the shipped models and the two wasm bundles (scripts/build-web.sh) under
# OUT/pkg. The browser tests use it so that a fresh machine need not compile trunk; the demo
# (scripts/demo.sh) builds with trunk, which also gives the stylesheet a hashed name.
# Usage: scripts/build-site.sh OUT [cpu|webgpu|all]   (EXEDEC_WASM_OPT, EXEDEC_WASM_PROFILE as
# for scripts/build-web.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/build-site.sh OUT [cpu|webgpu|all]}
rm -rf "$out"
mkdir -p "$out"
cp -r static/. "$out/"
# What trunk does to index.html: the stylesheet link becomes a plain one, the copy directives go.
sed -e 's|<link data-trunk rel="css" href="\([^"]*\)">|<link rel="stylesheet" href="\1">|' \
    -e '/<link data-trunk rel="copy-/d' static/index.html > "$out/index.html"
scripts/build-web.sh "$out/pkg" "${2:-all}"

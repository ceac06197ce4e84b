#!/usr/bin/env bash
# Builds the web crate's two wasm bundles into OUT/{cpu,webgpu}/ (wasm-bindgen `web` target):
#   cpu     burn's ndarray backend: small, loaded first, the fallback everywhere;
#   webgpu  burn's wgpu backend on WebGPU: loaded only when the browser offers an adapter.
# Usage: scripts/build-web.sh OUT [cpu|webgpu|all]
# EXEDEC_WASM_OPT=0 skips wasm-opt, EXEDEC_WASM_PROFILE=wasm-test builds without LTO (both for
# quicker test builds; the demo uses the defaults: wasm-release, optimised with wasm-opt).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/build-web.sh OUT [cpu|webgpu|all]}
which=${2:-all}
profile=${EXEDEC_WASM_PROFILE:-wasm-release}
# Debian's binaryen 108 breaks wasm-bindgen output: use the npm binaryen 132 the setup installs.
export PATH="$PWD/.tools/node_modules/.bin:$PATH"

build() {
  local variant=$1 features=$2
  cargo build -p exedec-web --target wasm32-unknown-unknown --profile "$profile" \
    --no-default-features --features "$features" --locked
  local wasm="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$profile/exedec_web.wasm"
  mkdir -p "$out/$variant"
  wasm-bindgen --target web --no-typescript --out-dir "$out/$variant" "$wasm"
  if [ "${EXEDEC_WASM_OPT:-1}" != 0 ]; then
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      "$out/$variant/exedec_web_bg.wasm" -o "$out/$variant/exedec_web_bg.wasm.opt"
    mv "$out/$variant/exedec_web_bg.wasm.opt" "$out/$variant/exedec_web_bg.wasm"
  fi
}

case "$which" in
  cpu) build cpu ndarray ;;
  webgpu) build webgpu webgpu ;;
  all) build cpu ndarray; build webgpu webgpu ;;
  *) echo "unknown bundle $which" >&2; exit 2 ;;
esac

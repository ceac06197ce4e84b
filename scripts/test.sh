#!/usr/bin/env bash
# Sets up what the tests need on a fresh machine and runs them all:
#   1. the Rust tests of the workspace (debug build, optimised dependencies), then clippy with
#      warnings as errors;
#   2. the GPU training round of scripts/gpu-train.sh, dry run on the CPU;
#   3. the browser tests: the page built by scripts/build-site.sh (quick bundles: no LTO, no
#      wasm-opt), served on 127.0.0.1 and driven in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --browser

echo "== Rust tests"
cargo test --workspace --locked

echo "== GPU training round, dry run on the CPU"
scripts/gpu-train.sh dry-run

echo "== Lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== Browser tests"
site="${CARGO_TARGET_DIR:-target}/site-test"
EXEDEC_WASM_OPT=0 EXEDEC_WASM_PROFILE=wasm-test scripts/build-site.sh "$site"
node tests/browser/run.mjs "$site"

#!/usr/bin/env bash
# Sets up what the tests need on a fresh machine and runs them all:
#   1. the Rust tests of the workspace (debug build, optimised dependencies), linted by clippy
#      with warnings as errors as they are built;
#   2. the GPU training round of scripts/gpu-train.sh, dry run on the CPU;
#   3. the browser tests: the page built by scripts/build-site.sh (quick bundles: no LTO, no
#      wasm-opt), served on 127.0.0.1 and driven in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --browser

echo "== Rust tests, linted as they are built"
# The test build is the lint too: cargo hands the workspace's own crates (not the dependencies)
# to clippy-driver (RUSTC_WORKSPACE_WRAPPER, as `cargo clippy` does), which compiles them and
# lints them on the way, with warnings as errors (CLIPPY_ARGS, as `cargo clippy -- -D warnings`
# passes them). So the dependencies are built once, not checked again by a separate `cargo
# clippy`. Every target is built, as `cargo clippy --all-targets` would check it.
RUSTC_WORKSPACE_WRAPPER="$(command -v clippy-driver)" || { echo "clippy-driver not found: rustup component add clippy" >&2; exit 1; }
CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
cargo test --workspace --all-targets --locked --no-run
cargo test --workspace --locked
unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS

echo "== GPU training round, dry run on the CPU"
scripts/gpu-train.sh dry-run

echo "== Browser tests"
site="${CARGO_TARGET_DIR:-target}/site-test"
EXEDEC_WASM_OPT=0 EXEDEC_WASM_PROFILE=wasm-test scripts/build-site.sh "$site"
node tests/browser/run.mjs "$site"

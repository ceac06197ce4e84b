#!/usr/bin/env bash
# Sets up what the tests need on a fresh machine and runs the whole test suite.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)" >&2; exit 1; }

echo "== Rust tests (workspace, debug build with optimised dependencies)"
cargo test --workspace --locked

#!/usr/bin/env bash
# The main job: sets up the web toolchain, builds the demo page (trunk, release, both wasm
# bundles, shipped weights) and serves it on a loopback address.
# Usage: scripts/demo.sh [PORT]   (default 8080)
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-8080}
scripts/setup.sh --demo
trunk build --release --offline
echo
echo "ExeDec demo: http://127.0.0.1:$port/  (widget sample: http://127.0.0.1:$port/docs.html)"
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory dist

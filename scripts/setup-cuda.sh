#!/usr/bin/env bash
# Builds `exedec` with burn's CUDA backend (cargo feature `cuda`) without downloading LLVM.
#
#   scripts/setup-cuda.sh    # then: /var/tmp/exedec-cuda-target/release/exedec train --backend cuda ...
#
# burn-cuda's kernel compiler (cubecl-cuda) always links LLVM, and its build script
# (tracel-llvm-bundler 23.1.0-4) downloads an LLVM 23.1 bundle from GitHub unless it finds one
# already installed under $XDG_DATA_HOME/tracel/. This prepares that place from Debian's LLVM 22
# (bookworm-security: llvm-22-dev and libpolly-22-dev), so the build needs only Debian's
# packages and crates.io:
# - $XDG_DATA_HOME/tracel/tracel-llvm-23.1.0-4/.tracel-llvm-installed, the bundler's sign that
#   its bundle is in place;
# - bin/llvm-config beside it, Debian's llvm-config with libz3's absolute path turned into -lz3
#   (the bundler would pass `-llibz3`).
# LLVM 23's bindings then link against LLVM 22's libraries: every symbol resolves, but kernels
# compiled this way are not tested on a GPU here. The binary loads libcuda from the driver at
# run time; without one, `--backend cuda` fails and the CPU backends still work.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if [ ! -x /usr/lib/llvm-22/bin/llvm-config ] || [ ! -e /usr/lib/llvm-22/lib/libPolly.a ]; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
    llvm-22-dev libpolly-22-dev libzstd-dev libz3-dev libxml2-dev zlib1g-dev
fi

export XDG_DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
bundle="$XDG_DATA_HOME/tracel/tracel-llvm-23.1.0-4"
mkdir -p "$bundle/bin"
cat > "$bundle/bin/llvm-config" <<'SH'
#!/bin/sh
/usr/lib/llvm-22/bin/llvm-config "$@" | sed 's#/usr/lib/x86_64-linux-gnu/libz3.so#-lz3#g'
SH
chmod +x "$bundle/bin/llvm-config"
touch "$bundle/.tracel-llvm-installed"

# Its own target dir: the same binary built with other features would rebuild burn each time.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/exedec-cuda-target}"
cargo build --release --locked -p exedec-trainer --features "${EXEDEC_CUDA_FEATURES:-cuda}"
"$CARGO_TARGET_DIR/release/exedec" --help >/dev/null
echo "built $CARGO_TARGET_DIR/release/exedec with the cuda backend" >&2

#!/usr/bin/env bash
# Builds `exedec` with the LibTorch CPU backend (cargo feature `tch`), the fastest CPU training
# path measured here, on a PyTorch installed from PyPI into a virtual environment, and prints
# the line that lets the binary find LibTorch at run time:
#
#   eval "$(scripts/setup-tch.sh)"      # then: target/release/exedec train --backend tch ...
#
# burn 0.22's tch backend (tch 0.22) is built against PyTorch 2.9.0. PyPI's wheel for Linux is
# the CUDA build (about 900 MB, plus its NVIDIA libraries, about 6 GB installed); only its CPU
# part is used. The default build and the tests never need any of this.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${EXEDEC_TORCH_VENV:-/var/tmp/exedec-torch}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
if ! "$venv/bin/python" -c 'import torch, sys; sys.exit(not torch.__version__.startswith("2.9.0"))' 2>/dev/null; then
  "$venv/bin/pip" install --quiet torch==2.9.0 >&2
fi
torch_lib=$("$venv/bin/python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')

# torch-sys asks the active Python for its PyTorch.
LIBTORCH_USE_PYTORCH=1 VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" \
  cargo build --release --locked -p exedec-trainer --features tch >&2
echo "export LD_LIBRARY_PATH=$torch_lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"

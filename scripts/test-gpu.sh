#!/usr/bin/env bash
# The GPU backend tested without a GPU. Mesa's lavapipe (Debian's mesa-vulkan-drivers) is a
# Vulkan driver that runs on the CPU, so burn's `wgpu` backend gets a real Vulkan device here.
# This builds the trainer with it (release, target dir reused) and runs
# trainer/tests/gpu_backend.rs: a tiny model trained 30 steps on the GPU backend and on the CPU
# from the same weights, seed and data gives the same loss at every step within 1e-4, its
# export loads and searches on the GPU backend as on the CPU, and the shipped DeepCoder models
# search alike on both (scores within 1e-3).
#
#   scripts/test-gpu.sh        # about 25 minutes cold on 2 cores, then a few minutes
#
# Only `wgpu` (kernels compiled to WGSL, then by wgpu to SPIR-V): with the `vulkan` feature,
# cubecl compiles kernels to SPIR-V itself on every Vulkan device, and lavapipe (Mesa 22.3 and
# 25.0) crashes creating the pipeline of one of its matrix-product kernels (docs/gpu.md).
# Not part of scripts/test.sh: the extra release build of burn's GPU backend would take CI over
# its time. On a machine with a GPU the same command tests that GPU's Vulkan driver instead.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1 && ! ls /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 mesa-vulkan-drivers libvulkan1
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/exedec-gpu-target}"
# lavapipe's warning about XDG_RUNTIME_DIR is noise.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
cargo test --release --locked -p exedec-trainer --features wgpu --test gpu_backend -- --test-threads 1 --nocapture

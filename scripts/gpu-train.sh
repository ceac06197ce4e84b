#!/usr/bin/env bash
# Training on a lent GPU machine: one prepared round that turns its minutes into weights.
#
# The machine (an H200 with 16 cores and no network) takes a copy of the working tree of at
# most 64 MiB, runs one command of at most 10 minutes, and gives back at most 8 files of at
# most 16 MiB from the folder $OUT. So the trainer is built here and packed with the Vulkan
# loader into .gpu/ (ignored by git, carried by the call); the data is generated there on its
# 16 cores; the training stops itself before the call's limit, with a checkpoint, and the
# weights come back as an exported weight file that the next round (or `exedec train
# --from-weights`) continues from.
#
#   scripts/gpu-train.sh pack [START.exw]   # here: build, pack .gpu/
#   bash scripts/gpu-train.sh remote "$OUT" # there, in a copy of the tree that has .gpu/
#   scripts/gpu-train.sh dry-run            # the whole round here, on the CPU, tiny preset
#
# `remote` checks the backends of EXEDEC_GPU_BACKENDS in order (a few timed training steps
# with `exedec bench-train`) and trains on the first that works, then writes to $OUT:
# MODEL.exw (f32, or f16 where f32 would pass 16 MiB, or f16 in parts), metrics.jsonl,
# curve.svg, report.json (steps, examples seen, examples/s, achieved GFLOP/s and the fraction of
# the GPU's f32 peak, peak GPU memory, the bench-train row) and train.log.
#
# The round's settings, read by `pack` from the environment and kept in .gpu/config.env:
#   EXEDEC_GPU_DSL (deepcoder), EXEDEC_GPU_MODEL (subgoal), EXEDEC_GPU_PRESET (small),
#   EXEDEC_GPU_BATCH (256), EXEDEC_GPU_LR (1e-3), EXEDEC_GPU_WARMUP (1000),
#   EXEDEC_GPU_STEPS (1000000: the time limit ends the round), EXEDEC_GPU_TIME_LIMIT (seconds
#   of training, 360), EXEDEC_GPU_TASKS (training tasks generated there, 200000),
#   EXEDEC_GPU_VALID (validation tasks, 500),
#   EXEDEC_GPU_SEED (1), EXEDEC_GPU_BACKENDS ("wgpu"),
#   EXEDEC_GPU_PEAK_GFLOPS (the GPU's f32 peak the report divides by: 67000, the H200's
#   datasheet figure without tensor cores).
# Building: feature wgpu (the backend tested here on lavapipe by scripts/test-gpu.sh) into
# CARGO_TARGET_DIR (default /var/tmp/exedec-gpu-target); or EXEDEC_BIN packs a binary already
# built, e.g. the CUDA one of `EXEDEC_CUDA_FEATURES=cuda,wgpu scripts/setup-cuda.sh` with
# EXEDEC_GPU_BACKENDS="cuda wgpu". EXEDEC_GPU_DIR is the pack's folder (default .gpu).
set -euo pipefail
cd "$(dirname "$0")/.."
pack_dir="${EXEDEC_GPU_DIR:-.gpu}"

die() {
  echo "gpu-train: $*" >&2
  exit 1
}

pack() {
  local start="${1:-}"
  local bin="${EXEDEC_BIN:-}"
  if [ -z "$bin" ]; then
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/exedec-gpu-target}"
    cargo build --release --locked -p exedec-trainer --features wgpu >&2
    bin="$CARGO_TARGET_DIR/release/exedec"
  fi
  [ -x "$bin" ] || die "no exedec binary at $bin"
  rm -rf "$pack_dir"
  mkdir -p "$pack_dir/debs"
  strip -o "$pack_dir/exedec" "$bin"
  xz -T0 -6 "$pack_dir/exedec"
  if [ "${EXEDEC_GPU_DEBS:-1}" = 1 ]; then
    # The Vulkan loader, which the GPU machine lacks (its NVIDIA driver brings the ICD).
    local apt
    apt=$(mktemp -d)
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
    # Package lists and cache of its own, so that it needs no root and leaves the system's alone.
    local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$apt/lists"
      "-oDir::Cache=$apt/cache")
    apt-get "${o[@]}" update -q >&2
    (cd "$pack_dir/debs" && apt-get "${o[@]}" download libvulkan1 >&2)
    rm -rf "$apt"
  fi
  if [ -n "$start" ]; then
    [ -f "$start" ] || die "no weight file $start"
    cp "$start" "$pack_dir/start.exw"
  fi
  {
    echo "dsl=${EXEDEC_GPU_DSL:-deepcoder}"
    echo "model=${EXEDEC_GPU_MODEL:-subgoal}"
    echo "preset=${EXEDEC_GPU_PRESET:-small}"
    echo "batch=${EXEDEC_GPU_BATCH:-256}"
    echo "lr=${EXEDEC_GPU_LR:-1e-3}"
    echo "warmup=${EXEDEC_GPU_WARMUP:-1000}"
    echo "steps=${EXEDEC_GPU_STEPS:-1000000}"
    echo "time_limit=${EXEDEC_GPU_TIME_LIMIT:-360}"
    echo "tasks=${EXEDEC_GPU_TASKS:-200000}"
    echo "valid=${EXEDEC_GPU_VALID:-500}"
    echo "seed=${EXEDEC_GPU_SEED:-1}"
    echo "backends=\"${EXEDEC_GPU_BACKENDS:-wgpu}\""
    echo "peak_gflops=${EXEDEC_GPU_PEAK_GFLOPS:-67000}"
  } > "$pack_dir/config.env"
  local bytes
  bytes=$(du -sb "$pack_dir" | cut -f1)
  [ "$bytes" -lt $((56 * 1024 * 1024)) ] || die "the pack is $bytes bytes; the working tree that travels must stay under 64 MiB"
  echo "packed $pack_dir: $((bytes / 1024)) KiB" >&2
}

# Peak GPU memory in MiB, sampled every second while it trains (where nvidia-smi exists).
sample_memory() {
  while nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits 2>/dev/null | head -1; do
    sleep 1
  done
}

remote() {
  local out="$1"
  [ -n "$out" ] && mkdir -p "$out" || die "usage: $0 remote OUT_DIR"
  [ -f "$pack_dir/config.env" ] || die "no $pack_dir/config.env: run \`$0 pack\` first"
  # shellcheck disable=SC1091
  source "$pack_dir/config.env"
  local work="${EXEDEC_GPU_WORK:-/tmp/exedec-gpu}"
  rm -rf "$work"
  mkdir -p "$work"
  exec > >(tee "$out/train.log") 2>&1
  if [ "${EXEDEC_GPU_INSTALL:-1}" = 1 ]; then
    for f in "$pack_dir"/debs/*.deb; do dpkg -x "$f" /; done
    ldconfig
    local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    [ -f "$icd" ] && export VK_DRIVER_FILES="$icd"
  fi
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
  xz -dc "$pack_dir/exedec.xz" > "$work/exedec"
  chmod +x "$work/exedec"
  local exe="$work/exedec" cores
  cores=$(nproc)
  echo "== $(date -u +%T) data: $tasks training tasks on $cores cores"
  "$exe" generate --dsl "$dsl" --split NONE --part train --count "$tasks" --seed "$seed" --format bin \
    --threads "$cores" --out "$work/data" --quiet
  "$exe" generate --dsl "$dsl" --split NONE --part valid --count "$valid" --seed $((seed + 1)) --format bin \
    --threads "$cores" --out "$work/data" --quiet

  local backend=""
  for b in $backends; do
    echo "== $(date -u +%T) backend check: $b"
    if timeout 240 "$exe" bench-train --backend "$b" --dsl "$dsl" --model "$model" --preset "$preset" \
      --batch-size "$batch" --steps 4 --threads "$cores" --workers 1 --peak-size 1024 --out "$work/bench.json"; then
      backend=$b
      break
    fi
  done
  [ -n "$backend" ] || die "no backend of \"$backends\" trains here"

  local sampler=""
  if command -v nvidia-smi >/dev/null; then
    sample_memory > "$work/memory.txt" &
    sampler=$!
  fi
  local from=()
  [ -f "$pack_dir/start.exw" ] && from=(--from-weights "$pack_dir/start.exw")
  echo "== $(date -u +%T) training on $backend for at most $time_limit s"
  "$exe" train --dsl "$dsl" --split NONE --model "$model" --preset "$preset" --data "$work/data" \
    --out "$work/run" --steps "$steps" --batch-size "$batch" --lr "$lr" --warmup "$warmup" --log-every 50 \
    --checkpoint-every 100000000 --eval-every 2000 --backend "$backend" --time-limit "$time_limit" --quiet \
    "${from[@]}"
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true

  local hardware="$backend"
  command -v nvidia-smi >/dev/null && hardware="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1) ($backend)"
  # At most 8 files of 16 MiB come back: f32 weights, else f16, else f16 in 15 MiB parts
  # (`cat MODEL.exw.* > MODEL.exw`; the paper preset's 25.6 M parameters take four).
  local limit=$((16 * 1024 * 1024)) weights="$out/$model.exw"
  "$exe" export --run "$work/run" --out "$weights" --hardware "$hardware"
  if [ "$(stat -c %s "$weights")" -gt "$limit" ]; then
    "$exe" export --run "$work/run" --out "$weights" --f16 --hardware "$hardware"
  fi
  if [ "$(stat -c %s "$weights")" -gt "$limit" ]; then
    split -b 15M -d "$weights" "$weights."
    rm "$weights"
  else
    cp "$work/run/curve.svg" "$out/"
  fi
  cp "$work/run/metrics.jsonl" "$out/"
  python3 - "$work" "$out" "$backend" "$batch" "$peak_gflops" <<'EOF'
import json, sys
work, out, backend, batch, peak = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
state = json.load(open(f"{work}/run/checkpoint/state.json"))
metrics = [json.loads(l) for l in open(f"{work}/run/metrics.jsonl")]
steps_run = [m for m in metrics if m.get("loss") is not None]
first = next((m for m in metrics if m.get("event")), None)
start_step = first["step"] if first else 0
steps = state["step"] - start_step
seconds = steps_run[-1]["elapsed"] - (first["elapsed"] if first else 0.0) if steps_run else 0.0
bench = json.load(open(f"{work}/bench.json"))["rows"][0]
examples_per_second = steps * batch / seconds if seconds > 0 else 0.0
gflops = examples_per_second * bench["flops_per_example"] / 1e9
try:
    memory = max(int(x) for x in open(f"{work}/memory.txt").read().split())
except (OSError, ValueError):
    memory = None
report = {
    "backend": backend,
    "steps": steps,
    "step_reached": state["step"],
    "examples_seen": steps * batch,
    "training_seconds": round(seconds, 1),
    "examples_per_second": round(examples_per_second, 1),
    "flops_per_example": bench["flops_per_example"],
    "achieved_gflops": round(gflops, 1),
    "peak_gflops": peak,
    "fraction_of_peak": gflops / peak,
    "peak_gpu_memory_mib": memory,
    "last_loss": state.get("last_loss"),
    "validation_accuracy": state.get("validation_accuracy"),
    "bench_train": bench,
}
json.dump(report, open(f"{out}/report.json", "w"), indent=2)
print(json.dumps(report, indent=2))
EOF
}

# The round here: pack the CPU build the tests made (or EXEDEC_BIN), run `remote` twice (the
# second round continuing from the first one's weights, as a second lent machine would) and
# check what comes back against the limits of the GPU machine's $OUT.
dry_run() {
  local tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  local bin="${EXEDEC_BIN:-${CARGO_TARGET_DIR:-target}/debug/exedec}"
  [ -x "$bin" ] || die "no CPU build at $bin (cargo build, or set EXEDEC_BIN)"
  export EXEDEC_BIN="$bin" EXEDEC_GPU_DIR="$tmp/pack" EXEDEC_GPU_INSTALL=0 EXEDEC_GPU_WORK="$tmp/work"
  export EXEDEC_GPU_PRESET=tiny EXEDEC_GPU_BATCH=16 EXEDEC_GPU_WARMUP=10 EXEDEC_GPU_STEPS=100000
  export EXEDEC_GPU_TIME_LIMIT=3 EXEDEC_GPU_TASKS=200 EXEDEC_GPU_VALID=50 EXEDEC_GPU_BACKENDS="wgpu cpu" EXEDEC_GPU_PEAK_GFLOPS=100
  pack_dir="$tmp/pack"
  pack
  (remote "$tmp/out1")
  check_out "$tmp/out1"
  EXEDEC_GPU_DEBS=0 pack "$tmp/out1/subgoal.exw"
  (remote "$tmp/out2")
  check_out "$tmp/out2"
  python3 - "$tmp/out1/report.json" "$tmp/out2/report.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert b["step_reached"] == a["step_reached"] + b["steps"], (a, b)
print(f"dry run: round 1 reached step {a['step_reached']}, round 2 went on to {b['step_reached']} on {b['backend']}")
EOF
  grep -q '"event"' "$tmp/out2/metrics.jsonl" || die "the second round's restart is not in its metrics"
}

check_out() {
  local out="$1" n=0
  for f in "$out"/*; do
    n=$((n + 1))
    [ -f "$f" ] || die "$f is not a plain file"
    [[ "$(basename "$f")" =~ ^[A-Za-z0-9._-]+$ ]] || die "$f: a name that would not come back"
    [ "$(stat -c %s "$f")" -le $((16 * 1024 * 1024)) ] || die "$f is over 16 MiB"
  done
  [ "$n" -le 8 ] || die "$n files in $out; at most 8 come back"
  for f in subgoal.exw metrics.jsonl report.json train.log; do
    [ -s "$out/$f" ] || die "no $f in $out"
  done
}

case "${1:-}" in
  pack) pack "${2:-}" ;;
  remote) remote "${2:-}" ;;
  dry-run) dry_run ;;
  *) die "usage: $0 pack [START.exw] | remote OUT_DIR | dry-run" ;;
esac

#!/usr/bin/env bash
# Trains the demo's models (the `cpu` preset, NONE split) on the CPU and exports them, f16, to
# static/models/<dsl>/. These are the commands behind the shipped weights.
#
#   scripts/train-demo.sh [WORK_DIR]            # train DeepCoder's pair (default WORK_DIR: runs/)
#   scripts/train-demo.sh export [WORK_DIR]     # export its last checkpoints
#   scripts/train-demo.sh baselines [WORK_DIR]  # train the DeepCoder baselines (Transformer,
#                                               # Latent Programmer) the same way
#   scripts/train-demo.sh export-baselines [WORK_DIR]   # to models/baselines/deepcoder/
#   scripts/train-demo.sh split DSL SPLIT [WORK_DIR]    # one split's comparison: the ExeDec pair,
#                                               # No-Subgoal and the Transformer baseline, trained
#                                               # on that split's training data for the same
#                                               # number of steps (EXEDEC_STEPS, default 4000)
#   scripts/train-demo.sh export-split DSL SPLIT [WORK_DIR]   # to models/splits/DSL-SPLIT/; for
#                                               # the NONE split the pair goes to static/models/DSL/
#                                               # (the page's) and the two baselines to
#                                               # models/baselines/DSL/
#
# RobustFill's shipped pair and its NONE baselines are that split's comparison:
# `EXEDEC_STEPS=1500 scripts/train-demo.sh split robustfill NONE`, then `export-split`.
#
# New split runs cut their batches from length-sorted pools of EXEDEC_LENGTH_BUCKETS batches
# (default 16; `exedec train --length-buckets`); the DeepCoder splits and RobustFill's
# Compose-Diff were trained before that, with EXEDEC_LENGTH_BUCKETS=1, as were DeepCoder's demo
# and baseline runs (pinned to 1 below). A resumed run keeps the value it started with.
#
# The runs go in parallel, one core each (RAYON_NUM_THREADS=1). The demo and baseline runs go on
# until EXEDEC_STEPS steps (default 100000, far more than a CPU finishes): stop them whenever you
# like (Ctrl-C, kill), then `scripts/train-demo.sh export` writes the last checkpoints out.
# Rerunning the script resumes each run from its last checkpoint (`--resume`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mode=train
dsl_split=()
case "${1:-}" in
  export | baselines | export-baselines) mode=$1; shift ;;
  split | export-split)
    [ $# -ge 3 ] || { echo "usage: $0 $1 DSL SPLIT [WORK_DIR]" >&2; exit 2; }
    mode=$1; dsl_split=("$2" "$3"); shift 3 ;;
esac
work="${1:-runs}"
exedec="${CARGO_TARGET_DIR:-$root/target}/release/exedec"
steps="${EXEDEC_STEPS:-100000}"
# The models of a split's comparison, in the order of the README's table.
split_models=(subgoal synthesizer no-subgoal transformer)

cargo build --release --locked -p exedec-trainer --bin exedec
mkdir -p "$work"

# Writes a run's last checkpoint, f16, to a weights file: export_run RUN OUT.
export_run() {
  "$exedec" export --run "$work/runs/$1" --out "$2" --f16 --hardware "${EXEDEC_HARDWARE:-CPU, one core (ndarray backend)}"
}

if [ "$mode" = export ]; then
  for model in subgoal synthesizer; do
    export_run "deepcoder-NONE-$model" "static/models/deepcoder/$model.exw"
  done
  exit 0
fi

if [ "$mode" = export-baselines ]; then
  for model in transformer latent-programmer; do
    export_run "deepcoder-NONE-$model" "models/baselines/deepcoder/$model.exw"
  done
  exit 0
fi

if [ "$mode" = export-split ]; then
  dsl=${dsl_split[0]} split=${dsl_split[1]}
  for model in "${split_models[@]}"; do
    to="models/splits/$dsl-$split"
    if [ "$split" = NONE ]; then
      case $model in subgoal | synthesizer) to="static/models/$dsl" ;; *) to="models/baselines/$dsl" ;; esac
    fi
    export_run "$dsl-$split-$model" "$to/$model.exw"
  done
  exit 0
fi

if [ "$mode" = split ]; then
  # Every model gets the same data, schedule and number of steps; the four runs share the cores.
  dsl=${dsl_split[0]} split=${dsl_split[1]}
  steps="${EXEDEC_STEPS:-4000}"
  data="$work/data/$dsl-$split"
  [ -f "$data/train.manifest.json" ] ||
    "$exedec" generate --dsl "$dsl" --split "$split" --part train --count 100000 --seed 1 --out "$data"
  [ -f "$data/valid.manifest.json" ] ||
    "$exedec" generate --dsl "$dsl" --split "$split" --part valid --count 500 --seed 2 --out "$data"
  pids=()
  for model in "${split_models[@]}"; do
    out="$work/runs/$dsl-$split-$model"
    start=(--length-buckets "${EXEDEC_LENGTH_BUCKETS:-16}")
    [ -f "$out/checkpoint/state.json" ] && start=(--resume)
    RAYON_NUM_THREADS=1 "$exedec" train --dsl "$dsl" --split "$split" --model "$model" --preset cpu \
      --data "$data" --out "$out" --steps "$steps" --batch-size 64 --lr 1e-3 --warmup 500 \
      --log-every 25 --checkpoint-every 250 --eval-every 500 --quiet \
      "${start[@]}" > "$work/$dsl-$split-$model.log" 2>&1 &
    pids+=($!)
  done
  trap 'kill "${pids[@]}" 2>/dev/null' INT TERM
  wait
  exit 0
fi

# Training data: 100k tasks (with their per-step decomposition records) and 500 validation tasks.
data="$work/data/deepcoder-NONE"
[ -f "$data/train.manifest.json" ] ||
  "$exedec" generate --dsl deepcoder --split NONE --part train --count 100000 --seed 1 --out "$data"
[ -f "$data/valid.manifest.json" ] ||
  "$exedec" generate --dsl deepcoder --split NONE --part valid --count 500 --seed 2 --out "$data"

pids=()
if [ "$mode" = baselines ]; then
  for model in transformer latent-programmer; do
    out="$work/runs/deepcoder-NONE-$model"
    start=(--length-buckets 1)
    [ -f "$out/checkpoint/state.json" ] && start=(--resume)
    RAYON_NUM_THREADS=1 "$exedec" train --dsl deepcoder --split NONE --model "$model" --preset cpu \
      --data "$data" --out "$out" --steps "$steps" --batch-size 64 --lr 1e-3 --warmup 500 \
      --pretrain-steps 400 --log-every 25 --checkpoint-every 100 --eval-every 200 --quiet \
      "${start[@]}" > "$work/deepcoder-$model.log" 2>&1 &
    pids+=($!)
  done
  trap 'kill "${pids[@]}" 2>/dev/null' INT TERM
  wait
  exit 0
fi
for model in synthesizer subgoal; do
  out="$work/runs/deepcoder-NONE-$model"
  if [ "$model" = subgoal ]; then
    opts=(--batch-size 64 --warmup 500 --checkpoint-every 100 --eval-every 100)
  else
    opts=(--batch-size 64 --warmup 500 --checkpoint-every 250 --eval-every 250)
  fi
  start=(--length-buckets 1)
  [ -f "$out/checkpoint/state.json" ] && start=(--resume)
  RAYON_NUM_THREADS=1 "$exedec" train --dsl deepcoder --split NONE --model "$model" --preset cpu \
    --data "$data" --out "$out" --steps "$steps" --lr 1e-3 --log-every 25 --quiet \
    "${opts[@]}" "${start[@]}" > "$work/deepcoder-$model.log" 2>&1 &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' INT TERM
wait

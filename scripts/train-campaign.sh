#!/usr/bin/env bash
# Long training of NONE-split networks on the CPU with the fastest path measured (LibTorch,
# `exedec bench-train`), side by side, one core each, until EXEDEC_STEPS steps (default
# 1,000,000: stop them whenever you like). EXEDEC_NETWORKS names them (default "subgoal
# synthesizer", ExeDec's two; also no-subgoal, transformer, and subgoal-no-ara: the SubgoalModel
# without Aligned Relative Attention, the ARA ablation), each trained with the same recipe.
# EXEDEC_PRESET sets the networks' size (default cpu; a run of another preset is named
# NAME-PRESET), EXEDEC_LR the peak learning rate (default 1e-3; a run of another rate is named
# NAME[-PRESET]-lrRATE). Rerunning the script resumes each run from its last checkpoint. Where a run has no checkpoint
# (a new machine), EXEDEC_FROM=DIR starts it from DIR/NAME.exw (for a learning-rate run, from
# that file or else its default-rate run's, DIR/NAME[-PRESET].exw), e.g. the shipped weights
# (`exedec train --from-weights`: the step count carries on, the optimizer starts fresh, the
# restart is recorded in the run's metrics).
#
#   eval "$(scripts/setup-tch.sh)"             # the tch build and its LD_LIBRARY_PATH
#   scripts/train-campaign.sh DSL [WORK_DIR]    # default WORK_DIR: /var/tmp/exedec-runs
#   scripts/train-campaign.sh export DSL WORK_DIR OUT_DIR   # last checkpoints, f16 (NAME.exw)
#
# Data: 200,000 training tasks (seed 1) and 500 validation tasks (seed 2) of the DSL's NONE
# split. Recipe (scripts/recipe-study.sh compared variants of it): batch 64, learning rate 1e-3
# with 500 warmup steps, then inverse-square-root decay, dropout 0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
exedec="${CARGO_TARGET_DIR:-$root/target}/release/exedec"
preset="${EXEDEC_PRESET:-cpu}"
lr="${EXEDEC_LR:-1e-3}"
# A network's run name: NAME, then -PRESET and -lrRATE where they are not the defaults; with
# `base`, without the rate.
run_name() {
  local run="$1" && [ "$preset" = cpu ] || run="$run-$preset"
  [ "${2:-}" = base ] || [ "$lr" = 1e-3 ] || run="$run-lr$lr"
  echo "$run"
}
[ -x "$exedec" ] || { echo "build exedec with the tch feature first: eval \"\$(scripts/setup-tch.sh)\"" >&2; exit 1; }

if [ "${1:-}" = export ]; then
  [ $# -eq 4 ] || { echo "usage: $0 export DSL WORK_DIR OUT_DIR" >&2; exit 2; }
  dsl=$2 work=$3 to=$4
  mkdir -p "$to"
  for name in ${EXEDEC_NETWORKS:-subgoal synthesizer}; do
    run=$(run_name "$name")
    "$exedec" export --run "$work/runs/$dsl-NONE-$run" --out "$to/$run.exw" --f16 \
      --hardware "${EXEDEC_HARDWARE:-CPU, one core (tch backend)}"
  done
  exit 0
fi

[ $# -ge 1 ] || { echo "usage: $0 DSL [WORK_DIR]" >&2; exit 2; }
dsl=$1
work="${2:-/var/tmp/exedec-runs}"
steps="${EXEDEC_STEPS:-1000000}"
data="$work/data/$dsl-NONE-campaign"
mkdir -p "$work"
"$exedec" generate --dsl "$dsl" --split NONE --part train --count 200000 --seed 1 --format bin --out "$data" --quiet
"$exedec" generate --dsl "$dsl" --split NONE --part valid --count 500 --seed 2 --format bin --out "$data" --quiet

pids=()
for name in ${EXEDEC_NETWORKS:-subgoal synthesizer}; do
  case "$name" in
    subgoal-no-ara) network=(--model subgoal --no-ara) ;;
    subgoal | synthesizer | no-subgoal | transformer) network=(--model "$name") ;;
    *) echo "unknown network $name" >&2; exit 2 ;;
  esac
  run=$(run_name "$name")
  out="$work/runs/$dsl-NONE-$run"
  start=()
  if [ -f "$out/checkpoint/state.json" ]; then
    start=(--resume)
  elif [ -n "${EXEDEC_FROM:-}" ]; then
    from="$EXEDEC_FROM/$run.exw" && [ -f "$from" ] || from="$EXEDEC_FROM/$(run_name "$name" base).exw"
    start=(--from-weights "$from")
  fi
  setsid nice "$exedec" train --dsl "$dsl" --split NONE "${network[@]}" --preset "$preset" --data "$data" --out "$out" \
    --steps "$steps" --batch-size 64 --lr "$lr" --warmup 500 --log-every 100 --checkpoint-every 500 \
    --eval-every 2000 --backend tch --threads 1 --quiet "${start[@]}" > "$work/$dsl-NONE-$run.log" 2>&1 &
  pids+=($!)
done
# Linux schedules each session as one group (autogroup), and nice counts only within a group:
# each run has its own session (setsid above), and that group is lowered too, so that builds
# and tests started elsewhere keep the cores.
sleep 1
for pid in "${pids[@]}"; do
  group=/proc/$pid/autogroup
  if [ -w "$group" ] && [ "$(cut -d' ' -f1 "$group")" != "$(cut -d' ' -f1 /proc/$$/autogroup)" ]; then
    echo 19 > "$group" || true
  fi
done
trap 'kill "${pids[@]}" 2>/dev/null' INT TERM
wait

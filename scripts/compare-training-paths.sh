#!/usr/bin/env bash
# Times the same seeded training run (cpu preset, batch 64, NONE data, validation at the last
# step) on two training paths, one after the other, and prints examples/s, the speed-up and
# the validation token accuracy of each:
#
#   scripts/compare-training-paths.sh DSL DATA_DIR STEPS "OLD_COMMAND" "NEW_COMMAND"
#
# Each command is an `exedec` binary with the options that make its path (backend, threads,
# workers, batching); the script adds the run's own options. Example (README, Training speed):
#
#   scripts/compare-training-paths.sh deepcoder runs/data/deepcoder-NONE 100 \
#       "env RAYON_NUM_THREADS=1 /tmp/exedec-3d827ac --backend ndarray --length-buckets 1" \
#       "target/release/exedec --backend tch --workers 2"
set -euo pipefail
[ $# -eq 5 ] || { sed -n 2,13p "$0" >&2; exit 2; }
dsl=$1 data=$2 steps=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { # run NAME COMMAND...
  local name=$1; shift
  local out="$work/$name"
  # The path's own options come after `train` and the run's options.
  local cmd=($1); shift
  local exe=() opts=()
  for w in "${cmd[@]}"; do
    if [ ${#opts[@]} -eq 0 ] && [[ $w != --* ]]; then exe+=("$w"); else opts+=("$w"); fi
  done
  local start end
  start=$(date +%s.%N)
  "${exe[@]}" train --dsl "$dsl" --split NONE --model subgoal --preset cpu --data "$data" --out "$out" \
    --steps "$steps" --batch-size 64 --lr 1e-3 --warmup 500 --eval-every "$steps" --quiet "${opts[@]}"
  end=$(date +%s.%N)
  python3 - "$out/metrics.jsonl" "$start" "$end" "$steps" "$name" <<'EOF'
import json, sys
path, start, end, steps, name = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
last = [json.loads(l) for l in open(path)][-1]
seconds = end - start
print(f"{name}: {steps} steps in {seconds:.1f} s = {steps * 64 / seconds:.0f} examples/s; "
      f"validation token accuracy {100 * last['validation_accuracy']:.2f}%")
with open(path + ".rate", "w") as f:
    f.write(str(steps * 64 / seconds))
EOF
}

run old "$4"
run new "$5"
python3 -c "import sys; print(f'speed-up: {float(open(sys.argv[2]).read()) / float(open(sys.argv[1]).read()):.1f}x')" \
  "$work/old/metrics.jsonl.rate" "$work/new/metrics.jsonl.rate"

#!/usr/bin/env bash
# The training recipe chosen by measurement: short seeded runs of one network, each a variant
# of the campaign's recipe (scripts/train-campaign.sh), all for the same wall time on one core
# each, two at a time. Each run is judged by its validation token accuracy at the end and then
# end to end: ExeDec on 200 generated validation tasks at beam 10, the network under study
# paired with the shipped partner network (static/models/DSL).
#
#   eval "$(scripts/setup-tch.sh)"                       # the tch build
#   scripts/recipe-study.sh DSL MODEL [WORK_DIR]          # MODEL: subgoal or synthesizer
#
# Environment: EXEDEC_MINUTES (minutes per run, default 20), EXEDEC_VARIANTS (names from the
# table below, default all). Runs go to WORK_DIR/recipe (default /var/tmp/exedec-runs); a run
# that has finished is not run again, an interrupted one starts again. The evaluation reports
# and the runs' metrics go to results/recipe/, and results/recipe/DSL-MODEL.md gets the table.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
exedec="${CARGO_TARGET_DIR:-$root/target}/release/exedec"
[ -x "$exedec" ] || { echo "build exedec with the tch feature first: eval \"\$(scripts/setup-tch.sh)\"" >&2; exit 1; }
[ $# -ge 2 ] || { echo "usage: $0 DSL MODEL [WORK_DIR]" >&2; exit 2; }
dsl=$1 model=$2
work="${3:-/var/tmp/exedec-runs}"
minutes="${EXEDEC_MINUTES:-20}"
case "$model" in
  subgoal) partner=synthesizer ;;
  synthesizer) partner=subgoal ;;
  *) echo "MODEL must be subgoal or synthesizer" >&2; exit 2 ;;
esac

# name | preset | batch size | peak learning rate | warmup steps | dropout; the first is the
# campaign's recipe, each other differs from it in one place.
variants=(
  "campaign|cpu|64|1e-3|500|0.1"
  "lr-2e-3|cpu|64|2e-3|500|0.1"
  "batch-32|cpu|32|1e-3|500|0.1"
  "batch-128|cpu|128|1e-3|500|0.1"
  "dropout-0|cpu|64|1e-3|500|0"
  "small|small|64|1e-3|500|0.1"
)
selected="${EXEDEC_VARIANTS:-$(printf '%s\n' "${variants[@]}" | cut -d'|' -f1 | tr '\n' ' ')}"

data="$work/data/$dsl-NONE-campaign"
tasks="$work/data/$dsl-NONE-study"
"$exedec" generate --dsl "$dsl" --split NONE --part train --count 200000 --seed 1 --format bin --out "$data" --quiet
"$exedec" generate --dsl "$dsl" --split NONE --part valid --count 500 --seed 2 --format bin --out "$data" --quiet
"$exedec" generate --dsl "$dsl" --split NONE --part valid --count 200 --seed 3 --shard-size 200 --format jsonl \
    --out "$tasks" --quiet
results="results/recipe"
mkdir -p "$results"

# train NAME PRESET BATCH LR WARMUP DROPOUT: one run of the study on one core, from scratch (an
# interrupted run starts again: resumed, it would get more than its share of time).
train() {
  local name=$1 preset=$2 batch=$3 lr=$4 warmup=$5 dropout=$6
  local out="$work/recipe/$dsl-$model-$name"
  rm -rf "$out"
  nice "$exedec" train --dsl "$dsl" --split NONE --model "$model" --preset "$preset" --data "$data" --out "$out" \
    --steps 1000000 --batch-size "$batch" --lr "$lr" --warmup "$warmup" --dropout "$dropout" --seed 0 \
    --log-every 100 --checkpoint-every 1000 --eval-every 1000 --backend tch --threads 1 \
    --time-limit $((minutes * 60)) --quiet > "$out.log" 2>&1
}

mkdir -p "$work/recipe"
pending=()
for v in "${variants[@]}"; do
  name=${v%%|*}
  [[ " $selected " == *" $name "* ]] || continue
  [ -f "$work/recipe/$dsl-$model-$name/done" ] || pending+=("$v")
done
while [ ${#pending[@]} -gt 0 ]; do
  pids=()
  for v in "${pending[@]:0:2}"; do
    IFS='|' read -r name preset batch lr warmup dropout <<< "$v"
    (train "$name" "$preset" "$batch" "$lr" "$warmup" "$dropout" && touch "$work/recipe/$dsl-$model-$name/done") &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  pending=("${pending[@]:2}")
done

# success REPORT: "27.0% (21.3–33.5)".
success() {
  jq -r '[.success_rate, .ci95[0], .ci95[1]] | @tsv' "$1" | { read -r rate lo hi; printf '%.1f%% (%.1f–%.1f)' "$rate" "$lo" "$hi"; }
}

table="$results/$dsl-$model.md"
{
  echo "| variant | preset | batch | learning rate | warmup | dropout | steps in $minutes min | examples seen | validation token accuracy | ExeDec on 200 validation tasks, beam 10 |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$table"
for v in "${variants[@]}"; do
  IFS='|' read -r name preset batch lr warmup dropout <<< "$v"
  [[ " $selected " == *" $name "* ]] || continue
  run="$work/recipe/$dsl-$model-$name"
  [ -f "$run/done" ] || continue
  cp "$run/metrics.jsonl" "$results/$dsl-$model-$name.metrics.jsonl"
  models="$work/recipe/$dsl-$model-$name-models"
  mkdir -p "$models"
  "$exedec" export --run "$run" --out "$models/$model.exw"
  cp "static/models/$dsl/$partner.exw" "$models/$partner.exw"
  report="$results/$dsl-$model-$name.json"
  [ -f "$report" ] || "$exedec" eval --dsl "$dsl" --split NONE --method exedec --models "$models" --beam 10 \
    --data "$tasks/valid-00000-of-00001.jsonl" --threads 2 --quiet --out "$report"
  steps=$(jq -s 'map(select(.validation_accuracy != null)) | last | .step' "$run/metrics.jsonl")
  accuracy=$(jq -s 'map(select(.validation_accuracy != null)) | last | .validation_accuracy * 1000 | round / 10' "$run/metrics.jsonl")
  echo "| $name | $preset | $batch | $lr | $warmup | $dropout | $steps | $((steps * batch)) | $accuracy% | $(success "$report") |" >> "$table"
done
# The shipped pair on the same tasks, for scale.
report="$results/$dsl-shipped.json"
[ -f "$report" ] || "$exedec" eval --dsl "$dsl" --split NONE --method exedec --models "static/models/$dsl" --beam 10 \
  --data "$tasks/valid-00000-of-00001.jsonl" --threads 2 --quiet --out "$report"
echo "| the shipped pair (static/models/$dsl) | | | | | | | | | $(success "$report") |" >> "$table"
cat "$table"

#!/usr/bin/env bash
# The NONE split's learning curve (README, Results): success at beam 10 on the 1000 released
# test tasks against the training examples each network saw, one point per milestone.
#
#   scripts/learning-curve.sh [EXEDEC]     # default: target/release/exedec
#
# A milestone is a commit and one of its beam-10 NONE reports: the report is copied to
# results/curve/ with its networks' training records, which `exedec eval --limit 0` (no task
# searched) reads from the weight files of the same commit. Reports written since evaluation
# reports record their networks can be added to the list as they are. Every network listed
# trained at batch 64 (RESULTS.md, training table), which is how examples are counted for weight
# files exported before they recorded their examples. Then `exedec curve` draws each DSL.
set -euo pipefail
cd "$(dirname "$0")/.."
exedec="${1:-target/release/exedec}"

# commit | DSL | method | models folder at that commit
milestones=(
  "cb9732e|deepcoder|exedec|static/models/deepcoder"
  "74fe2bf|deepcoder|exedec|static/models/deepcoder"
  "0909de0|deepcoder|exedec|static/models/deepcoder"
  "e99950d|deepcoder|no-subgoal|models/baselines/deepcoder"
  "2c251b3|deepcoder|no-subgoal|models/baselines/deepcoder"
  "6ed2ad1|deepcoder|transformer|models/baselines/deepcoder"
  "6ed2ad1|deepcoder|latent-programmer|models/baselines/deepcoder"
  "e6beadb|robustfill|exedec|static/models/robustfill"
  "4125aae|robustfill|exedec|static/models/robustfill"
  "6a93659|robustfill|exedec|static/models/robustfill"
  "7cdb203|robustfill|exedec|static/models/robustfill"
  "12b16e8|robustfill|exedec|static/models/robustfill"
  "b56b11e|robustfill|exedec|static/models/robustfill"
  "44a5d5f|robustfill|exedec|static/models/robustfill"
  "26b206c|robustfill|exedec|static/models/robustfill"
  "1156600|robustfill|no-subgoal|models/baselines/robustfill"
  "4125aae|robustfill|no-subgoal|models/baselines/robustfill"
  "4215b08|robustfill|no-subgoal|models/baselines/robustfill"
  "7678b68|robustfill|no-subgoal|models/baselines/robustfill"
  "26b206c|robustfill|no-subgoal|models/baselines/robustfill"
  "1156600|robustfill|transformer|models/baselines/robustfill"
  "4125aae|robustfill|transformer|models/baselines/robustfill"
  "69c84c4|robustfill|transformer|models/baselines/robustfill"
  "b56b11e|robustfill|transformer|models/baselines/robustfill"
  "1d5d125|robustfill|transformer|models/baselines/robustfill"
)

mkdir -p results/curve
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for m in "${milestones[@]}"; do
  IFS='|' read -r commit dsl method models <<< "$m"
  report="results/cpu-$dsl-NONE-$method.json"
  point="results/curve/$dsl-$method-$commit.json"
  [ -f "$point" ] && continue
  rm -rf "$scratch/models" && mkdir -p "$scratch/models"
  for file in $(git ls-tree --name-only "$commit" "$models/"); do
    git show "$commit:$file" > "$scratch/models/$(basename "$file")"
  done
  "$exedec" eval --dsl "$dsl" --split NONE --method "$method" --models "$scratch/models" --limit 0 --threads 1 \
    --quiet --out "$scratch/networks.json"
  git show "$commit:$report" |
    jq --slurpfile n "$scratch/networks.json" --arg c "$commit" \
      '.networks = $n[0].networks | .models = "\(.models) at \($c)"' > "$point.tmp"
  mv "$point.tmp" "$point"
done
for dsl in deepcoder robustfill; do
  "$exedec" curve results/curve/"$dsl"-*.json --assumed-batch-size 64 --out "results/curve/$dsl-NONE.svg"
done

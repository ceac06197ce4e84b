#!/usr/bin/env bash
# The beam-size sweep behind RESULTS.md's "Beam size" section: ExeDec, No-Subgoal and the
# Transformer baseline at beams 1, 2, 5, 10, 20 and 50 with the committed weights, on both DSLs'
# NONE test sets and one generalization split each (DeepCoder Compose-New-Op, RobustFill
# Add-Op-Func), on the first EXEDEC_SWEEP_TASKS (default 200) released test tasks. Points already
# in results/sweep are kept, so a rerun continues an interrupted sweep; delete a point's JSON to
# measure it again. Each point's report holds the `exedec eval` command that reproduces it.
#
#   scripts/beam-sweep.sh      # with CARGO_TARGET_DIR/release/exedec, else target/release/exedec
set -euo pipefail
cd "$(dirname "$0")/.."
exedec="${EXEDEC_BIN:-${CARGO_TARGET_DIR:-target}/release/exedec}"
[ -x "$exedec" ] || { echo "build exedec first: cargo build --release -p exedec-trainer" >&2; exit 1; }
tasks="${EXEDEC_SWEEP_TASKS:-200}"
threads="${EXEDEC_SWEEP_THREADS:-2}"
sweep() {
  local dsl=$1 split=$2 exedec_models=$3 baselines=$4
  "$exedec" sweep --dsl "$dsl" --split "$split" --limit "$tasks" --threads "$threads" --out results/sweep \
    --method "exedec=$exedec_models" --method "no-subgoal=$baselines" --method "transformer=$baselines"
}
sweep deepcoder NONE static/models/deepcoder models/baselines/deepcoder
sweep robustfill NONE static/models/robustfill models/baselines/robustfill
sweep deepcoder COMPOSE_NEW_OP models/splits/deepcoder-COMPOSE_NEW_OP models/splits/deepcoder-COMPOSE_NEW_OP
sweep robustfill ADD_OP_FUNCTIONALITY models/splits/robustfill-ADD_OP_FUNCTIONALITY models/splits/robustfill-ADD_OP_FUNCTIONALITY

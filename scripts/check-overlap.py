#!/usr/bin/env python3
"""Checks that no generated training task repeats a released test task.

Usage: scripts/check-overlap.py DSL SPLIT TRAIN_DIR [TASK_FILE]
  TRAIN_DIR holds `exedec generate --part train` output (train-*.jsonl).
  TASK_FILE, a JSON Lines task file, replaces the released test set (e.g. the validation tasks
  that `exedec eval --data` was run on).
Prints how many training tasks have exactly the examples of a released test task, and how
many training programs equal a test program token for token.
"""
import glob
import json
import os
import sys

dsl, split, train_dir = sys.argv[1:4]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
task_file = sys.argv[4] if len(sys.argv) > 4 else os.path.join(root, "data", "test_data", dsl, f"{split}.jsonl")
programs, examples = set(), set()
with open(task_file) as f:
    for line in f:
        r = json.loads(line)
        programs.add(r["program"])
        examples.add(json.dumps([r["inputs"], r["outputs"]]))
n = same_program = same_examples = 0
for path in sorted(glob.glob(os.path.join(train_dir, "train-*.jsonl"))):
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            n += 1
            same_program += r["program"] in programs
            same_examples += json.dumps([r["inputs"], r["outputs"]]) in examples
print(f"{dsl} {split}: {n} training tasks; {same_examples} with the examples of a task of "
      f"{os.path.basename(task_file)}; {same_program} with the program of one")
sys.exit(1 if same_examples else 0)

// The anytime search in the browser: the first N released NONE test tasks of each DSL solved
// on the page's CPU (wasm) bundle in headless Chromium, through the worker, once at beam 10
// alone and once with the page's default time limit (beam 10, then wider beams while time is
// left), each task searched as a person at the page would search it.
// Usage: node anytime.mjs SITE_DIR [TASKS_PER_DSL (50)] [BUDGET_SECONDS (the page's default)]
// Prints one JSON line per DSL and configuration.

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { defaultBudget, solveEach, withPage } from "./page.mjs";

const site = resolve(process.argv[2] || "dist");
const perDsl = Number(process.argv[3] || 50);
const budgetArg = process.argv[4];
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// "x0 = [ 1 2 ] | x1 = 3" -> [[1, 2], 3]
function deepcoderValue(text) {
  const t = text.trim();
  if (t.startsWith("[")) {
    const inner = t.slice(1, -1).trim();
    return inner === "" ? [] : inner.split(/\s+/).map(Number);
  }
  return Number(t);
}

function examples(dsl, record) {
  return record.inputs.map((input, i) => {
    if (dsl === "robustfill") return { input, output: record.outputs[i] };
    const inputs = input.split("|").map((part) => deepcoderValue(part.split("=")[1]));
    return { inputs, output: deepcoderValue(record.outputs[i]) };
  });
}

function tasks(dsl) {
  const lines = readFileSync(join(root, "data/test_data", dsl, "NONE.jsonl"), "utf8").split("\n").filter(Boolean);
  return lines.slice(0, perDsl).map((l) => {
    const r = JSON.parse(l);
    return { index: r.index, examples: examples(dsl, r) };
  });
}

async function main() {
  await withPage(site, async (page) => {
    const budget = budgetArg === undefined ? await defaultBudget(page) : Number(budgetArg);
    for (const dsl of ["robustfill", "deepcoder"]) {
      for (const b of [0, budget]) {
        const results = (await solveEach(page, dsl, tasks(dsl), { beam: 10, budget: b })).map(({ program, ...r }) => r);
        const solved = results.filter((r) => r.solved).length;
        const mean = results.reduce((s, r) => s + r.wall, 0) / results.length;
        console.log(JSON.stringify({ dsl, budget_seconds: b, tasks: results.length, solved, mean_ms: Math.round(mean), results }));
      }
    }
  });
}

main();

// The anytime search in the browser: the first N released NONE test tasks of each DSL solved
// on the page's CPU (wasm) bundle in headless Chromium, through the worker, once at beam 10
// alone and once with the page's default time limit (beam 10, then wider beams while time is
// left), each task searched as a person at the page would search it.
// Usage: node anytime.mjs SITE_DIR [TASKS_PER_DSL (50)] [BUDGET_SECONDS (the page's default)]
// Prints one JSON line per DSL and configuration.

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { launch } from "./chromium.mjs";
import { serve } from "./server.mjs";

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
  const server = await serve(site);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/index.html`);
    await page.waitForFunction(() => window.__exedecReady === true);
    const defaultBudget = await page.evaluate(() => Number(document.getElementById("budget").value));
    const budget = budgetArg === undefined ? defaultBudget : Number(budgetArg);
    for (const dsl of ["robustfill", "deepcoder"]) {
      for (const b of [0, budget]) {
        const results = await page.evaluate(
          async ({ dsl, tasks, budget }) => {
            const { synthesize } = await import("./client.js");
            const out = [];
            for (const t of tasks) {
              const start = performance.now();
              const r = await synthesize({ dsl, examples: t.examples, beam: 10, budget, backend: "cpu" });
              out.push({ index: t.index, solved: r.solved, beam: r.beam ?? null, wall: performance.now() - start });
            }
            return out;
          },
          { dsl, tasks: tasks(dsl), budget: b },
        );
        const solved = results.filter((r) => r.solved).length;
        const mean = results.reduce((s, r) => s + r.wall, 0) / results.length;
        console.log(JSON.stringify({ dsl, budget_seconds: b, tasks: results.length, solved, mean_ms: Math.round(mean), results }));
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main();

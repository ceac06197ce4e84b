// What a person at the page sees: every benchmark preset the page offers (static/presets.json)
// and every example the docs page's widgets show (static/docs.html), each solved in headless
// Chromium through the page's worker on the CPU bundle at the page's defaults (its first beam
// and time limit). Prints one JSON object: the share solved per DSL and split, the docs
// examples' results, and every task's result.
// Usage: node presets.mjs SITE_DIR

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { defaultBudget, solveEach, withPage } from "./page.mjs";

const site = resolve(process.argv[2] || "dist");

// The docs page's widgets: <exedec-synth id=.. dsl=.. [beam=..] [budget=..] [method=..] examples='..'>.
function docsExamples() {
  const html = readFileSync(join(site, "docs.html"), "utf8");
  const attr = (tag, name) => (tag.match(new RegExp(`\\s${name}=(?:"([^"]*)"|'([^']*)')`)) || []).slice(1).find((v) => v !== undefined);
  return [...html.matchAll(/<exedec-synth\s[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => attr(tag, "examples") !== undefined && attr(tag, "id") !== undefined)
    .map((tag) => ({
      id: attr(tag, "id"),
      dsl: attr(tag, "dsl") || "robustfill",
      beam: Number(attr(tag, "beam")) || 10,
      budget: attr(tag, "budget"),
      method: attr(tag, "method"),
      examples: JSON.parse(attr(tag, "examples")),
    }));
}

async function main() {
  const presets = JSON.parse(readFileSync(join(site, "presets.json"), "utf8"));
  const report = await withPage(site, async (page) => {
    const beam = await page.evaluate(() => Number(document.getElementById("beam").value));
    const budget = await defaultBudget(page);
    const splits = {};
    let solved = 0;
    let tasks = 0;
    for (const [dsl, bySplit] of Object.entries(presets)) {
      splits[dsl] = {};
      for (const [split, list] of Object.entries(bySplit)) {
        const results = await solveEach(page, dsl, list, { beam, budget });
        const n = results.filter((r) => r.solved).length;
        splits[dsl][split] = { solved: n, tasks: results.length, results };
        solved += n;
        tasks += results.length;
      }
    }
    const docs = [];
    for (const d of docsExamples()) {
      const widgetBudget = d.budget === undefined ? budget : Number(d.budget);
      const [r] = await solveEach(page, d.dsl, [{ index: d.id, examples: d.examples }], { beam: d.beam, budget: widgetBudget, method: d.method });
      docs.push({ id: d.id, dsl: d.dsl, method: r.method, solved: r.solved, program: r.program });
    }
    return { beam, budget_seconds: budget, solved, tasks, share: solved / tasks, splits, docs };
  });
  console.log(JSON.stringify(report));
}

main();

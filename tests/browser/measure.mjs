// Sizes and speeds of the built site: gzip sizes of what the first page load fetches, the time
// to a ready page and to the first result, and the synthesis latency of benchmark tasks on the
// CPU fallback in headless Chromium next to the same searches run natively (one search at beam
// 10 each: no anytime widening, so both sides do the same work).
// Usage: node measure.mjs SITE_DIR [EXEDEC_BINARY] [TASKS_PER_DSL]

import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

import { launch } from "./chromium.mjs";
import { serve } from "./server.mjs";

const site = resolve(process.argv[2] || "dist");
const exedec = process.argv[3] || "target/release/exedec";
const perDsl = Number(process.argv[4] || 5);

const gz = (path) => gzipSync(readFileSync(path), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;

function sizes() {
  const files = readdirSync(site).filter((f) => /\.(html|css|js|json)$/.test(f) && f !== "docs.html" && f !== "widget.js");
  const page = files.reduce((s, f) => s + gz(join(site, f)), 0);
  const bundle = (kind) => ["exedec_web.js", "exedec_web_bg.wasm"].reduce((s, f) => s + gz(join(site, "pkg", kind, f)), 0);
  // The weight files of the method a DSL starts with (its manifest's default; the wasm
  // bundle's networks() names each method's files: ExeDec's two networks, No-Subgoal's one,
  // the portfolio's three).
  const NETWORKS = { exedec: ["subgoal", "synthesizer"], "no-subgoal": ["no-subgoal"], portfolio: ["subgoal", "synthesizer", "no-subgoal"] };
  const models = (dsl) => {
    const manifest = JSON.parse(readFileSync(join(site, "models", dsl, "manifest.json"), "utf8"));
    return NETWORKS[manifest.default_method].reduce((s, kind) => s + gz(join(site, "models", dsl, `${kind}.exw`)), 0);
  };
  const raw = (p) => statSync(join(site, p)).size;
  const cpu = bundle("cpu");
  let gpu = null;
  try {
    gpu = bundle("webgpu");
  } catch {}
  const rf = models("robustfill");
  const dc = models("deepcoder");
  return { page, cpu, gpu, rf, dc, firstLoad: page + cpu + rf, cpuRaw: raw("pkg/cpu/exedec_web_bg.wasm") };
}

function cliExample(dsl, e) {
  if (dsl === "robustfill") return `${e.input} -> ${e.output}`;
  const v = (x) => (Array.isArray(x) ? `[${x.join(" ")}]` : String(x));
  return `${e.inputs.map(v).join(", ")} -> ${v(e.output)}`;
}

async function main() {
  const s = sizes();
  console.log("gzip sizes");
  console.log(`  page (html, css, js, presets): ${kb(s.page)}`);
  console.log(`  CPU bundle: ${kb(s.cpu)} (raw wasm ${kb(s.cpuRaw)})`);
  console.log(`  WebGPU bundle: ${s.gpu === null ? "not built" : kb(s.gpu)} (fetched only when the browser offers WebGPU)`);
  console.log(`  weights of the method each DSL starts with: RobustFill ${kb(s.rf)}, DeepCoder ${kb(s.dc)}`);
  console.log(`  first page load (page + CPU bundle + RobustFill weights): ${kb(s.firstLoad)}`);

  const presets = JSON.parse(readFileSync(join(site, "presets.json"), "utf8"));
  const server = await serve(site);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const t0 = Date.now();
    await page.goto(`${base}/index.html`);
    await page.waitForFunction(() => window.__exedecReady === true);
    const ready = Date.now() - t0;
    console.log(`\npage ready: ${ready} ms`);
    for (const dsl of ["robustfill", "deepcoder"]) {
      const tasks = presets[dsl].NONE.slice(0, perDsl);
      const browserMs = await page.evaluate(
        async ({ dsl, tasks }) => {
          const { synthesize } = await import("./client.js");
          const out = [];
          for (const t of tasks) {
            const start = performance.now();
            const r = await synthesize({ dsl, examples: t.examples, beam: 10, budget: 0, backend: "cpu" });
            out.push({ wall: performance.now() - start, search: r.millis, solved: r.solved });
          }
          return out;
        },
        { dsl, tasks },
      );
      const nativeMs = tasks.map((t) => {
        const args = ["synthesize", "--dsl", dsl, "--models", join(site, "models", dsl), "--beam", "10", "--budget", "0"];
        t.examples.forEach((e) => args.push("--example", cliExample(dsl, e)));
        let out;
        try {
          out = execFileSync(exedec, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        } catch (e) {
          out = String(e.stdout || ""); // exit status 1: not solved
        }
        return Number((out.match(/, (\d+) ms on /) || [0, NaN])[1]);
      });
      const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const warm = browserMs.slice(1).map((r) => r.search);
      console.log(`${dsl}: first result ${browserMs[0].wall.toFixed(0)} ms (loads the bundle and the weights)`);
      console.log(`  search, browser CPU: mean ${mean(warm).toFixed(0)} ms over ${warm.length} tasks; native: mean ${mean(nativeMs.slice(1)).toFixed(0)} ms; ratio ${(mean(warm) / mean(nativeMs.slice(1))).toFixed(2)}`);
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main();

// Browser tests of the built site (default: ../../dist): the demo page synthesizes benchmark
// presets of both DSLs, the widgets of the sample docs page fire exedec-result, bad input is
// reported at the offending cell, and WebGPU is used when the browser has an adapter.
// Screenshots go to artifacts/. Usage: node run.mjs [SITE_DIR]

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { launch } from "./chromium.mjs";
import { serve } from "./server.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const site = resolve(process.argv[2] || join(here, "../../dist"));
const artifacts = join(here, "artifacts");
const TIMEOUT = Number(process.env.EXEDEC_TEST_TIMEOUT || 240_000);

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

async function openPage(browser, base, path) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.on("console", (m) => m.type() === "error" && console.log(`  [console] ${m.text()}`));
  await page.goto(base + path);
  page.errors = errors;
  return page;
}

// Waits until the page lists the methods of `dsl` (once its models folder's manifest is read).
function methodsListed(page, dsl) {
  return page.waitForFunction((d) => document.getElementById("method").dataset.dsl === d, dsl);
}

// Runs the first preset of `dsl` with `method` (default: the page's for the DSL).
async function runPreset(page, dsl, backend = "cpu", method = null) {
  await page.waitForFunction(() => window.__exedecReady === true);
  await page.selectOption("#dsl", dsl);
  await page.selectOption("#backend", backend);
  await methodsListed(page, dsl);
  if (method) await page.selectOption("#method", method);
  // The first preset split with tasks, its first (shortest) task.
  await page.waitForFunction(() => document.querySelectorAll("#split option").length > 1);
  const split = await page.$eval("#split option:nth-child(2)", (o) => o.value);
  await page.selectOption("#split", split);
  // The page shows this run's result when it sets the body's data-result again.
  await page.evaluate(() => delete document.body.dataset.result);
  await page.click("#run");
  await page.waitForFunction(() => document.body.dataset.result !== undefined, null, { timeout: TIMEOUT });
  return {
    verdict: await page.textContent("#verdict"),
    subgoals: await page.$$eval("#steps li", (l) => l.filter((li) => /subgoal/.test(li.textContent)).length),
    listed: await page.$$eval("#steps li", (l) => l.filter((li) => /^\s*listed/.test(li.textContent)).length),
    meta: await page.textContent("#meta"),
    program: await page.textContent("#program"),
    steps: await page.$$eval("#steps li", (l) => l.length),
    state: await page.evaluate(() => document.body.dataset.result),
  };
}

test("the page synthesizes a RobustFill preset", async (browser, base) => {
  const page = await openPage(browser, base, "/index.html");
  const r = await runPreset(page, "robustfill");
  assert.match(r.meta, /on the CPU/);
  assert.ok(r.program.length > 0);
  assert.ok(["solved", "unsolved"].includes(r.state));
  console.log(`  RobustFill: ${r.verdict} — ${r.program} (${r.meta})`);
  await page.screenshot({ path: join(artifacts, "robustfill.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the page synthesizes a DeepCoder preset", async (browser, base) => {
  const page = await openPage(browser, base, "/index.html");
  const r = await runPreset(page, "deepcoder");
  assert.match(r.meta, /on the CPU/);
  console.log(`  DeepCoder: ${r.verdict} — ${r.program} (${r.meta})`);
  await page.screenshot({ path: join(artifacts, "deepcoder.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("each DSL starts with its models folder's method, and the others can be chosen", async (browser, base) => {
  const page = await openPage(browser, base, "/index.html");
  await page.waitForFunction(() => window.__exedecReady === true);
  for (const dsl of ["robustfill", "deepcoder"]) {
    await page.selectOption("#dsl", dsl);
    await methodsListed(page, dsl);
    const manifest = await page.evaluate(async (d) => (await fetch(`models/${d}/manifest.json`)).json(), dsl);
    const offered = await page.$$eval("#method option", (o) => o.map((x) => x.value));
    assert.deepEqual(offered, manifest.methods, dsl);
    assert.equal(await page.inputValue("#method"), manifest.default_method, dsl);
  }
  // ExeDec shows a subgoal per step, or says that the step was listed (one that finishes the
  // program); No-Subgoal shows neither. The meta line names the method.
  await page.fill("#budget", "0");
  for (const [method, name] of [["exedec", "ExeDec"], ["no-subgoal", "No-Subgoal"]]) {
    const r = await runPreset(page, "robustfill", "cpu", method);
    assert.ok(r.meta.startsWith(`${name}, `), r.meta);
    const explained = method === "exedec" ? r.steps : 0;
    assert.equal(r.subgoals + r.listed, explained, `${method}: ${r.steps} steps, ${r.subgoals} subgoals, ${r.listed} listed`);
    assert.ok(r.listed <= 1, `${method}: ${r.listed} listed`);
    console.log(`  ${name}: ${r.verdict} — ${r.program} (${r.meta})`);
  }
  // The portfolio names the member that found a program.
  const r = await runPreset(page, "deepcoder", "cpu", "portfolio");
  assert.ok(r.meta.startsWith("ExeDec + No-Subgoal"), r.meta);
  if (r.state === "solved") assert.match(r.meta, /^ExeDec \+ No-Subgoal \(found by (ExeDec|No-Subgoal)\), /);
  console.log(`  portfolio: ${r.verdict} — ${r.program} (${r.meta})`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("bad input is reported at the offending cell", async (browser, base) => {
  const page = await openPage(browser, base, "/index.html");
  await page.waitForFunction(() => window.__exedecReady === true);
  // A character outside the RobustFill alphabet in the second example's input.
  await page.fill("#examples tbody tr:nth-child(2) .in", "naïve");
  await page.click("#run");
  await page.waitForFunction(() => document.getElementById("error").textContent.length > 0);
  const error = await page.textContent("#error");
  assert.match(error, /^Example 2, input: .*outside the RobustFill alphabet/);
  assert.equal(await page.$eval("#examples tbody tr:nth-child(2) .in", (e) => e.classList.contains("bad")), true);
  // DeepCoder: an int out of range, and inconsistent rows.
  await page.selectOption("#dsl", "deepcoder");
  await page.fill("#examples tbody tr:nth-child(1) .in", "[1 2 99]");
  await page.click("#run");
  await page.waitForFunction(() => /range/.test(document.getElementById("error").textContent));
  await page.fill("#examples tbody tr:nth-child(1) .in", "[1 2 3]");
  await page.fill("#examples tbody tr:nth-child(3) .in", "[1 2], 3");
  await page.click("#run");
  await page.waitForFunction(() => /Example 3/.test(document.getElementById("error").textContent));
  await page.screenshot({ path: join(artifacts, "bad-input.png"), fullPage: true });
  assert.equal(await page.isDisabled("#run"), false);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the docs page's widgets fire exedec-result", async (browser, base) => {
  const page = await openPage(browser, base, "/docs.html");
  await page.waitForFunction(() => customElements.get("exedec-synth") !== undefined);
  const results = await page.evaluate(async () => {
    const out = [];
    for (const id of ["rf", "dc"]) {
      const el = document.getElementById(id);
      el.setAttribute("beam", "4");
      el.setAttribute("backend", "cpu");
      const event = new Promise((res) => el.addEventListener("exedec-result", (e) => res(e.detail), { once: true }));
      const returned = await el.synthesize();
      out.push({ returned, event: await event });
    }
    return out;
  });
  for (const { returned, event } of results) {
    assert.deepEqual(Object.keys(event).sort(), ["backend", "beam", "beamsTried", "foundBy", "method", "millis", "program", "solved", "steps"]);
    assert.equal(event.beamsTried[0], 4);
    assert.ok(event.beamsTried.includes(event.beam));
    assert.deepEqual(returned, event);
    assert.equal(typeof event.solved, "boolean");
    assert.ok(Array.isArray(event.steps));
  }
  // Bad examples fire exedec-error.
  const message = await page.evaluate(async () => {
    const el = document.getElementById("dc");
    el.setAttribute("examples", '[{"inputs": [[1, 2]], "output": 3}, {"inputs": [[1], 2], "output": 3}]');
    const event = new Promise((res) => el.addEventListener("exedec-error", (e) => res(e.detail.message), { once: true }));
    await el.synthesize().catch(() => {});
    return event;
  });
  assert.match(message, /Example 2/);
  await page.screenshot({ path: join(artifacts, "docs.png"), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.close();
});

// Examples no program of the DSL produces: every search fails, so the anytime search widens.
const UNSOLVABLE = [
  ["abc", "q"],
  ["abd", "xy"],
  ["abe", "k!"],
];

async function enterUnsolvable(page) {
  await page.waitForFunction(() => window.__exedecReady === true);
  await page.selectOption("#dsl", "robustfill");
  await page.selectOption("#backend", "cpu");
  const rows = await page.$$("#examples tbody tr");
  for (let i = 0; i < rows.length; i++) {
    await page.fill(`#examples tbody tr:nth-child(${i + 1}) .in`, UNSOLVABLE[i % 3][0]);
    await page.fill(`#examples tbody tr:nth-child(${i + 1}) .out`, UNSOLVABLE[i % 3][1]);
  }
}

test("an unsolved task is searched again with a wider beam, within the time limit", async (browser, base) => {
  const page = await openPage(browser, base, "/index.html");
  await enterUnsolvable(page);
  await page.fill("#beam", "1");
  await page.fill("#budget", "8");
  const seen = [];
  await page.exposeFunction("__status", (t) => seen.push(t));
  await page.evaluate(() => {
    const status = document.getElementById("status");
    new MutationObserver(() => window.__status(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
  });
  await page.click("#run");
  await page.waitForSelector("#result:not([hidden])", { timeout: TIMEOUT });
  const meta = await page.textContent("#meta");
  assert.equal(await page.textContent("#verdict"), "Not solved");
  // The first search (beam 1) ran to its end; wider ones followed while the limit lasted.
  assert.match(meta, /beams tried: 1, 2/);
  assert.ok(seen.some((t) => /beam 2/.test(t)), `progress seen: ${seen.slice(0, 5).join(" | ")}`);
  console.log(`  ${meta}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("an unsolved task offers a search with the other method", async (browser, base) => {
  const page = await openPage(browser, base, "/index.html");
  await enterUnsolvable(page);
  await methodsListed(page, "robustfill");
  const first = await page.inputValue("#method");
  await page.fill("#beam", "1");
  await page.fill("#budget", "0");
  await page.click("#run");
  await page.waitForSelector("#result:not([hidden])", { timeout: TIMEOUT });
  assert.equal(await page.textContent("#verdict"), "Not solved");
  assert.equal(await page.isHidden("#retry"), false);
  const other = await page.$eval("#retry", (b) => b.dataset.method);
  assert.notEqual(other, first);
  await page.evaluate(() => delete document.body.dataset.result);
  await page.click("#retry");
  await page.waitForFunction(() => document.body.dataset.result !== undefined, null, { timeout: TIMEOUT });
  assert.equal(await page.inputValue("#method"), other);
  const name = other === "exedec" ? "ExeDec" : "No-Subgoal";
  assert.ok((await page.textContent("#meta")).startsWith(`${name}, `));
  // Still unsolved: now the first method is offered back.
  assert.equal(await page.$eval("#retry", (b) => b.dataset.method), first);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("cancel stops a running search and the page stays responsive", async (browser, base) => {
  const page = await openPage(browser, base, "/index.html");
  await enterUnsolvable(page);
  await page.fill("#beam", "10");
  await page.fill("#budget", "600");
  await page.click("#run");
  // The search runs in the worker: the page answers while it widens the beam.
  await page.waitForFunction(() => /beam 20/.test(document.getElementById("status").textContent), null, { timeout: TIMEOUT });
  assert.equal(await page.evaluate(() => 6 * 7), 42);
  assert.equal(await page.isDisabled("#cancel"), false);
  await page.click("#cancel");
  await page.waitForFunction(() => document.getElementById("status").textContent === "cancelled");
  assert.equal(await page.isDisabled("#run"), false);
  assert.equal(await page.isHidden("#result"), true);
  // A new search runs on a fresh worker.
  await page.fill("#budget", "0");
  await page.click("#run");
  await page.waitForSelector("#result:not([hidden])", { timeout: TIMEOUT });
  assert.match(await page.textContent("#meta"), /beam 10,/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("WebGPU runs the models when the browser has an adapter", async (browser, base) => {
  const page = await openPage(browser, base, "/index.html");
  const adapter = await page.evaluate(async () => {
    const a = navigator.gpu && (await navigator.gpu.requestAdapter());
    return a ? a.info.architecture || "adapter" : null;
  });
  if (!adapter) {
    console.log("  skipped: no WebGPU adapter in this browser");
    return page.close();
  }
  // SwiftShader runs the shaders on the CPU, slowly: the least work that still runs both of
  // ExeDec's models on the GPU, one beam of width 1 on RobustFill's first preset (a 1-step
  // task), no widening.
  await page.fill("#beam", "1");
  await page.fill("#budget", "0");
  const r = await runPreset(page, "robustfill", "webgpu", "exedec");
  assert.match(r.meta, /on WebGPU/);
  assert.ok(["solved", "unsolved"].includes(r.state));
  console.log(`  WebGPU (${adapter}): ${r.verdict} (${r.meta})`);
  await page.screenshot({ path: join(artifacts, "webgpu.png"), fullPage: true });
  await page.close();
});

async function main() {
  await mkdir(artifacts, { recursive: true });
  const server = await serve(site);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launch();
  let failed = 0;
  try {
    for (const t of tests) {
      const start = Date.now();
      try {
        await t.fn(browser, base);
        console.log(`ok   ${t.name} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${t.name}\n     ${e && e.stack ? e.stack : e}`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`${tests.length - failed} passed, ${failed} failed; screenshots in ${artifacts}`);
  process.exit(failed ? 1 : 0);
}

main();

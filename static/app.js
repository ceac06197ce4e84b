// The demo page: edit examples, load benchmark presets, synthesize in the worker, show the
// program and its decomposition.

import { cancel, modelsInfo, onStatus, synthesize, validate } from "./client.js";

const $ = (id) => document.getElementById(id);
const state = { presets: null };

const SAMPLE = {
  robustfill: [
    { input: "Alan Turing", output: "A.T." },
    { input: "Grace Hopper", output: "G.H." },
    { input: "Ada Lovelace", output: "A.L." },
    { input: "Edsger Dijkstra", output: "E.D." },
  ],
  deepcoder: [
    { inputs: [[3, 1, 2]], output: [1, 2, 3] },
    { inputs: [[5, 4]], output: [4, 5] },
    { inputs: [[0, -2, 7]], output: [-2, 0, 7] },
  ],
};

function dsl() {
  return $("dsl").value;
}

// ---- examples table -------------------------------------------------------------------

function valueText(v) {
  return JSON.stringify(v).replaceAll(",", ", ");
}

function addRow(example = null) {
  const tbody = $("examples").tBodies[0];
  const tr = document.createElement("tr");
  const dc = dsl() === "deepcoder";
  const input = example ? (dc ? example.inputs.map(valueText).join(", ") : example.input) : "";
  const output = example ? (dc ? valueText(example.output) : example.output) : "";
  tr.innerHTML = `<td class="num"></td>
    <td><input class="in" spellcheck="false" aria-label="input"></td>
    <td><input class="out" spellcheck="false" aria-label="output"></td>
    <td><button type="button" class="remove" aria-label="remove this example">✕</button></td>`;
  tr.querySelector(".in").value = input;
  tr.querySelector(".out").value = output;
  tr.querySelector(".remove").addEventListener("click", () => {
    tr.remove();
    renumber();
  });
  tbody.appendChild(tr);
  renumber();
  return tr;
}

function renumber() {
  [...$("examples").tBodies[0].rows].forEach((tr, i) => (tr.querySelector(".num").textContent = i + 1));
}

function setExamples(examples) {
  $("examples").tBodies[0].innerHTML = "";
  examples.forEach((e) => addRow(e));
  clearErrors();
}

function clearErrors() {
  $("error").textContent = "";
  document.querySelectorAll(".bad").forEach((el) => {
    el.classList.remove("bad");
    el.removeAttribute("aria-invalid");
  });
}

/** Parses a DeepCoder cell: values separated by commas, lists written [1 2 3] or [1, 2, 3]. */
function parseValues(text) {
  const json = `[${text.replace(/\[([^\]]*)\]/g, (_, body) => `[${body.trim().split(/[\s,]+/).filter(Boolean).join(",")}]`)}]`;
  return JSON.parse(json);
}

/** The examples as the worker takes them; throws {example, field, message} on a cell that does not parse. */
function readExamples() {
  const dc = dsl() === "deepcoder";
  return [...$("examples").tBodies[0].rows].map((tr, i) => {
    const input = tr.querySelector(".in").value;
    const output = tr.querySelector(".out").value;
    if (!dc) return { input, output };
    let inputs, out;
    try {
      inputs = parseValues(input);
    } catch {
      throw { example: i, field: { kind: "input", index: 0 }, message: `"${input}" is not a list of values like [1 2 3], 4` };
    }
    try {
      [out] = parseValues(output);
    } catch {
      throw { example: i, field: { kind: "output" }, message: `"${output}" is not a value like [1 2] or 3` };
    }
    if (out === undefined) throw { example: i, field: { kind: "output" }, message: "the output is empty" };
    return { inputs, output: out };
  });
}

function showError(e) {
  const rows = $("examples").tBodies[0].rows;
  const row = rows[e.example];
  if (row && e.field) {
    const cell = row.querySelector(e.field.kind === "output" ? ".out" : ".in");
    (e.field.kind === "example" ? row : cell).classList.add("bad");
    cell.setAttribute("aria-invalid", "true");
    cell.focus();
  }
  const where = e.field ? `Example ${e.example + 1}${e.field.kind === "output" ? ", output" : e.field.kind === "input" ? ", input" : ""}: ` : "";
  $("error").textContent = where + e.message;
}

// ---- presets ---------------------------------------------------------------------------

async function loadPresets() {
  try {
    state.presets = await (await fetch("presets.json")).json();
  } catch {
    state.presets = {};
  }
  fillSplits();
}

const SPLITS = ["NONE", "LENGTH_GENERALIZATION", "COMPOSE_DIFFERENT_CONCEPTS", "SWITCH_CONCEPT_ORDER", "COMPOSE_NEW_OP", "ADD_OP_FUNCTIONALITY"];

function fillSplits() {
  const available = (state.presets || {})[dsl()] || {};
  const splits = SPLITS.filter((s) => s in available);
  $("split").innerHTML = `<option value="">— your own examples —</option>` + splits.map((s) => `<option>${s}</option>`).join("");
  fillTasks();
}

function fillTasks() {
  const tasks = ((state.presets || {})[dsl()] || {})[$("split").value] || [];
  $("preset").innerHTML = tasks.map((t, i) => `<option value="${i}">task ${t.index} (${t.length} steps)</option>`).join("");
  $("preset").disabled = !tasks.length;
}

function applyPreset() {
  const tasks = ((state.presets || {})[dsl()] || {})[$("split").value] || [];
  const t = tasks[Number($("preset").value)];
  if (t) setExamples(t.examples);
}

// ---- methods ---------------------------------------------------------------------------

// Each method's name and, for the list, what it predicts (a portfolio: and its members).
const METHODS = {
  exedec: ["ExeDec", "a subgoal, then the step that reaches it"],
  "no-subgoal": ["No-Subgoal", "the next step directly"],
  transformer: ["Transformer", "the whole program at once"],
  "latent-programmer": ["Latent Programmer", "latent codes, then the program"],
  portfolio: ["ExeDec + No-Subgoal", "ExeDec first, then No-Subgoal, at each beam", ["exedec", "no-subgoal"]],
};
const members = (m) => (METHODS[m] && METHODS[m][2]) || [m];
const methodName = (m) => (METHODS[m] ? METHODS[m][0] : m);
const methodLabel = (m) => (METHODS[m] ? `${METHODS[m][0]} (${METHODS[m][1]})` : m);

// The methods the DSL's models offer, the models folder's default selected.
async function fillMethods() {
  const forDsl = dsl();
  const info = await modelsInfo(forDsl);
  if (forDsl !== dsl()) return;
  $("method").innerHTML = info.methods.map((m) => `<option value="${m}">${methodLabel(m)}</option>`).join("");
  $("method").value = info.defaultMethod;
  $("method").dataset.dsl = forDsl;
}

// The method chosen for the current DSL; undefined (the models folder's default) while the
// list of the DSL just chosen is still loading.
function chosenMethod() {
  return $("method").dataset.dsl === dsl() ? $("method").value : undefined;
}

// After a search that found nothing, a method the DSL offers that searches with none of the
// methods it searched with: they solve different tasks (RESULTS.md, The anytime search).
function offerOtherMethod(r) {
  const searched = members(r.method);
  const other = [...$("method").options].map((o) => o.value).find((m) => members(m).every((x) => !searched.includes(x)));
  const offer = !r.solved && other !== undefined && chosenMethod() !== undefined;
  $("retry-line").hidden = !offer;
  if (!offer) return;
  $("retry").textContent = `Search again with ${methodName(other)}`;
  $("retry").dataset.method = other;
}

// ---- running ---------------------------------------------------------------------------

function setRunning(on) {
  $("run").disabled = on;
  $("retry").disabled = on;
  $("cancel").disabled = !on;
}

async function run() {
  clearErrors();
  let examples;
  try {
    examples = readExamples();
  } catch (e) {
    return showError(e);
  }
  if (!examples.length) return showError({ message: "Add at least one example." });
  setRunning(true);
  $("status").textContent = "checking examples…";
  try {
    const check = await validate(dsl(), examples);
    if (check.error) return showError(check.error);
    $("status").textContent = "starting…";
    searching = "";
    beamText = "";
    const budget = Number($("budget").value);
    const result = await synthesize({
      dsl: dsl(),
      examples,
      method: chosenMethod(),
      beam: Math.max(1, Math.min(320, Number($("beam").value) || 10)),
      budget: Number.isFinite(budget) ? Math.max(0, Math.min(600, budget)) : undefined,
      backend: $("backend").value,
      onProgress: showProgress,
    });
    showResult(result, examples);
    $("status").textContent = "";
  } catch (e) {
    $("status").textContent = "";
    if (e.message !== "cancelled") showError({ message: e.message });
    else $("status").textContent = "cancelled";
  } finally {
    setRunning(false);
  }
}

// The search's progress: the beam being tried (the anytime search widens it while unsolved),
// the method (a portfolio runs its members in turn) and the step it is on.
let searching = "";
let beamText = "";
function showProgress(p) {
  if (p.beam !== undefined) {
    beamText = p.attempt > 0 ? `not solved at a narrower beam after ${p.seconds.toFixed(1)} s; beam ${p.beam}` : `beam ${p.beam}`;
    searching = beamText;
    $("status").textContent = `${searching}…`;
  } else if (p.method !== undefined) {
    searching = `${beamText}, ${methodName(p.method)}`;
    $("status").textContent = `${searching}…`;
  } else {
    const what = p.phase === "subgoal" ? "predicting the next subgoal" : "writing the step";
    $("status").textContent = `${searching ? `${searching}, ` : ""}step ${p.iteration}: ${what}…`;
  }
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function showResult(r, examples) {
  $("result").hidden = false;
  $("verdict").textContent = r.solved ? "Solved: the program reproduces every example" : "Not solved";
  $("verdict").className = r.solved ? "ok" : "fail";
  const beams = r.beamsTried.length > 1 ? ` (beams tried: ${r.beamsTried.join(", ")})` : "";
  const found = r.solved && r.foundBy && r.foundBy !== r.method ? ` (found by ${methodName(r.foundBy)})` : "";
  $("meta").textContent = `${methodName(r.method)}${found}, ${(r.millis / 1000).toFixed(2)} s on ${r.backend === "webgpu" ? "WebGPU" : "the CPU"}, beam ${r.beam}${beams}, ${r.iterations} search step${r.iterations === 1 ? "" : "s"}`;
  offerOtherMethod(r);
  $("program").textContent = r.program ?? "(no program found)";
  const q = (v) => `<code>${esc(JSON.stringify(v))}</code>`;
  // ExeDec's steps each reach a predicted subgoal, except one that finishes the program as a
  // listed step computing the remaining outputs.
  const exedec = (r.foundBy ?? r.method) === "exedec";
  const why = (s) =>
    s.subgoal
      ? `<div><span class="label">subgoal</span> ${s.subgoal.map(q).join(" ")}</div>`
      : exedec
        ? `<div><span class="label">listed</span> the step that computes the remaining outputs</div>`
        : "";
  $("steps").innerHTML = r.steps
    .map(
      (s) => `<li>${why(s)}
        <div><span class="label">subprogram</span> <code>${esc(s.subprogram)}</code></div>
        <div><span class="label">result</span> ${s.outputs.map(q).join(" ")}</div></li>`,
    )
    .join("");
  document.body.dataset.result = r.solved ? "solved" : "unsolved";
}

// ---- wiring ----------------------------------------------------------------------------

function updateHint() {
  const dc = dsl() === "deepcoder";
  $("input-head").textContent = dc ? "Inputs" : "Input";
  $("hint").textContent = dc
    ? "Inputs: one or two values per example, lists as [1 2 3], ints in [-50, 50], separated by commas. Output: one value."
    : "Inputs and outputs: letters, digits, spaces and the characters & , . ? ! @ ( ) [ ] % { } / : ; $ # \" ' (inputs up to 20 characters).";
}

$("dsl").addEventListener("change", () => {
  updateHint();
  fillSplits();
  fillMethods();
  setExamples(SAMPLE[dsl()]);
});
$("split").addEventListener("change", () => {
  fillTasks();
  applyPreset();
});
$("preset").addEventListener("change", applyPreset);
$("add").addEventListener("click", () => addRow().querySelector(".in").focus());
$("run").addEventListener("click", run);
$("retry").addEventListener("click", () => {
  $("method").value = $("retry").dataset.method;
  run();
});
$("cancel").addEventListener("click", cancel);
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !$("run").disabled) run();
});
onStatus((m) => ($("status").textContent = m));

updateHint();
setExamples(SAMPLE[dsl()]);
loadPresets();
fillMethods().finally(() => (window.__exedecReady = true));

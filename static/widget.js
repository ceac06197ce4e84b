// <exedec-synth>: an embeddable program-synthesis widget.
//
//   <script type="module" src="https://example.org/exedec/widget.js"></script>
//   <exedec-synth dsl="robustfill" autorun
//                 examples='[{"input": "john smith", "output": "J.S."}]'></exedec-synth>
//
// Attributes: dsl (robustfill | deepcoder), examples (JSON; RobustFill
// [{"input", "output"}], DeepCoder [{"inputs": [[1, 2], 3], "output": [4]}]), models (base URL
// of the weight files; default: models/ next to this script), beam (the first beam, default 10),
// budget (seconds to keep searching with wider beams while unsolved, default 5; 0: the first beam
// only), method (exedec | no-subgoal | portfolio, ExeDec then No-Subgoal at each beam; default:
// the one the models folder's DSL/manifest.json names), autorun, and backend (auto | webgpu |
// cpu; default auto: WebGPU when the browser offers it).
// Method: synthesize() -> Promise<{solved, program, steps, backend, method, foundBy, millis, beam,
// beamsTried}> (foundBy: the method whose search gave the result, a portfolio's member).
// Events: exedec-result (detail: that object), exedec-error (detail.message).

import { DEFAULT_MODELS, synthesize, validate } from "./client.js";

const STYLE = `
:host { display: block; font: 14px/1.4 system-ui, sans-serif; border: 1px solid #c8ccd4; border-radius: 8px;
  padding: 12px; max-width: 720px; color: #1d232b; background: #fff; }
table { border-collapse: collapse; width: 100%; margin-bottom: 8px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eceef2; font-family: ui-monospace, monospace;
  white-space: pre-wrap; word-break: break-all; }
th { font-family: system-ui, sans-serif; font-weight: 600; color: #555; }
tr.bad td { background: #fde8e8; }
button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid #2d5bd7; background: #2d5bd7; color: #fff; cursor: pointer; }
button:disabled { opacity: .6; cursor: default; }
button:focus-visible { outline: 2px solid #ffb000; outline-offset: 2px; }
.status { color: #555; margin-left: 8px; }
.program { font-family: ui-monospace, monospace; background: #f4f6fa; padding: 6px 8px; border-radius: 6px; margin: 8px 0 4px; word-break: break-all; }
.error { color: #b00020; margin-top: 6px; }
ol { padding-left: 20px; margin: 4px 0; } li { margin: 2px 0; } code { font-family: ui-monospace, monospace; }
.ok { color: #1b7f3b; font-weight: 600; } .fail { color: #b00020; font-weight: 600; }
`;

// A progress event as the status line shows it.
function progressText(p) {
  if (p.beam !== undefined) return `beam ${p.beam}…`;
  if (p.method !== undefined) return `${p.method}…`;
  return `step ${p.iteration}: ${p.phase}…`;
}

function show(v) {
  return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v).replaceAll(",", ", ");
}

export class ExedecSynth extends HTMLElement {
  static get observedAttributes() {
    return ["dsl", "examples", "models", "beam", "budget", "method"];
  }

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this.shadowRoot.innerHTML = `<style>${STYLE}</style>
      <div class="examples"></div>
      <button part="run" class="run">Synthesize</button><span class="status" role="status" aria-live="polite"></span>
      <div class="error" role="alert"></div>
      <div class="result"></div>`;
    this.shadowRoot.querySelector(".run").addEventListener("click", () => this.synthesize().catch(() => {}));
    this._running = null;
  }

  connectedCallback() {
    this._render();
    if (this.hasAttribute("autorun")) queueMicrotask(() => this.synthesize().catch(() => {}));
  }

  attributeChangedCallback() {
    if (this.isConnected) this._render();
  }

  get dsl() {
    return (this.getAttribute("dsl") || "robustfill").toLowerCase();
  }

  get examples() {
    try {
      const v = JSON.parse(this.getAttribute("examples") || "[]");
      return Array.isArray(v) ? v : [];
    } catch {
      return null;
    }
  }

  _render(bad = -1) {
    const box = this.shadowRoot.querySelector(".examples");
    const examples = this.examples;
    if (examples === null) {
      box.innerHTML = `<div class="error">The examples attribute is not valid JSON.</div>`;
      return;
    }
    const dc = this.dsl === "deepcoder";
    const rows = examples
      .map((e, i) => {
        const input = dc ? (e.inputs || []).map(show).join(", ") : e.input;
        return `<tr class="${i === bad ? "bad" : ""}"><td>${esc(input ?? "")}</td><td>${esc(dc ? show(e.output) : e.output ?? "")}</td></tr>`;
      })
      .join("");
    box.innerHTML = `<table><thead><tr><th>${dc ? "inputs" : "input"}</th><th>output</th></tr></thead><tbody>${rows}</tbody></table>`;
  }

  _fail(message, example = -1) {
    this._render(example);
    this.shadowRoot.querySelector(".error").textContent = message;
    this.shadowRoot.querySelector(".status").textContent = "";
    this.dispatchEvent(new CustomEvent("exedec-error", { detail: { message }, bubbles: true, composed: true }));
    const error = new Error(message);
    error.example = example;
    throw error;
  }

  /** Runs the synthesis; resolves to {solved, program, steps, backend, method, foundBy, millis, beam, beamsTried}. */
  async synthesize() {
    if (this._running) return this._running;
    this._running = this._synthesize().finally(() => {
      this._running = null;
      this.shadowRoot.querySelector(".run").disabled = false;
    });
    return this._running;
  }

  async _synthesize() {
    const root = this.shadowRoot;
    root.querySelector(".error").textContent = "";
    root.querySelector(".result").textContent = "";
    const dsl = this.dsl;
    if (dsl !== "robustfill" && dsl !== "deepcoder") this._fail(`unknown dsl "${dsl}" (use robustfill or deepcoder)`);
    const examples = this.examples;
    if (examples === null) this._fail("The examples attribute is not valid JSON.");
    if (!examples.length) this._fail("No examples to synthesize from.");
    root.querySelector(".run").disabled = true;
    const status = root.querySelector(".status");
    status.textContent = "checking examples…";
    const check = await validate(dsl, examples);
    if (check.error) this._fail(`Example ${check.error.example + 1}: ${check.error.message}`, check.error.example);
    status.textContent = "loading models…";
    let result;
    try {
      result = await synthesize({
        dsl,
        examples,
        beam: Number(this.getAttribute("beam")) || 10,
        budget: this.hasAttribute("budget") ? Number(this.getAttribute("budget")) : undefined,
        method: this.getAttribute("method") || undefined,
        models: this.getAttribute("models") || DEFAULT_MODELS,
        backend: this.getAttribute("backend") || "auto",
        onProgress: (p) => (status.textContent = progressText(p)),
      });
    } catch (e) {
      this._fail(e.message);
    }
    const detail = {
      solved: result.solved,
      program: result.program,
      steps: result.steps,
      backend: result.backend,
      method: result.method,
      foundBy: result.foundBy,
      millis: result.millis,
      beam: result.beam,
      beamsTried: result.beamsTried,
    };
    const found = result.solved && result.foundBy !== result.method ? ` (found by ${result.foundBy})` : "";
    status.textContent = `${result.method}${found}, ${Math.round(result.millis)} ms on ${result.backend}, beam ${result.beam}`;
    const steps = result.steps
      .map(
        (s) => `<li>${s.subgoal ? `subgoal ${esc(s.subgoal.map((x) => JSON.stringify(x)).join(", "))} → ` : ""}<code>${esc(s.subprogram)}</code> → ${esc(
          s.outputs.map((x) => JSON.stringify(x)).join(", "),
        )}</li>`,
      )
      .join("");
    root.querySelector(".result").innerHTML = `<div class="${result.solved ? "ok" : "fail"}">${result.solved ? "Solved" : "Not solved"}</div>
      <div class="program">${esc(result.program || "(no program)")}</div><ol>${steps}</ol>`;
    this.dispatchEvent(new CustomEvent("exedec-result", { detail, bubbles: true, composed: true }));
    return detail;
  }
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

if (!customElements.get("exedec-synth")) customElements.define("exedec-synth", ExedecSynth);

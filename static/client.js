// The page's side of the synthesis worker: one worker per page, shared by the demo and every
// <exedec-synth> widget. Requests are promises; cancel() stops the running search by
// replacing the worker (a search is one long computation that cannot be interrupted from
// outside), and rejects what was pending.

const workerUrl = new URL("./worker.js", import.meta.url);
/** The default folder of the weight files, next to this script. */
export const DEFAULT_MODELS = new URL("./models/", import.meta.url).href;

let worker = null;
let nextId = 1;
const pending = new Map();
const statusListeners = new Set();

function getWorker() {
  if (worker) return worker;
  worker = new Worker(workerUrl, { type: "module" });
  worker.onmessage = (event) => {
    const msg = event.data;
    if (msg.type === "status") {
      statusListeners.forEach((f) => f(msg.message));
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    if (msg.type === "progress") {
      p.onProgress && p.onProgress(msg.progress);
    } else {
      pending.delete(msg.id);
      msg.type === "result" ? p.resolve(msg.result) : p.reject(new Error(msg.message));
    }
  };
  worker.onerror = (event) => {
    const error = new Error(event.message || "the synthesis worker failed");
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    worker = null;
  };
  return worker;
}

function request(message, onProgress) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    getWorker().postMessage({ ...message, id });
  });
}

/** Checks examples: resolves to {ok: true} or {error: {example, field, message}}. */
export function validate(dsl, examples, maxTokens = 0) {
  return request({ type: "validate", dsl, examples, maxTokens });
}

/** A models folder's URL, absolute and ending in "/". */
function folder(models) {
  return new URL(models, document.baseURI).href.replace(/\/?$/, "/");
}

const manifests = new Map();

/**
 * The methods a models folder offers for a DSL, in the order to offer them, and the one it runs
 * when none is asked for: its `DSL/manifest.json` ({"default_method", "methods"}), or ExeDec
 * alone where the folder has none. Resolves to {defaultMethod, methods}.
 */
export function modelsInfo(dsl, models = DEFAULT_MODELS) {
  const url = new URL(`${dsl}/manifest.json`, folder(models)).href;
  if (!manifests.has(url)) {
    const exedecOnly = { defaultMethod: "exedec", methods: ["exedec"] };
    const read = fetch(url)
      // undefined: no manifest (or no answer); null: one that is not JSON.
      .then((r) => (r.ok ? r.json().catch(() => null) : undefined))
      .catch(() => undefined)
      .then((m) => {
        if (m === undefined) return exedecOnly;
        if (m && Array.isArray(m.methods) && m.methods.includes(m.default_method)) {
          return { defaultMethod: m.default_method, methods: m.methods };
        }
        console.warn(`${url} is not {"default_method": METHOD, "methods": [METHOD, ...]}; running ExeDec`);
        return exedecOnly;
      });
    manifests.set(url, read);
  }
  return manifests.get(url);
}

/**
 * Synthesizes a program with the anytime search: beam `beam` first, then twice as wide while
 * no program reproduces every example and `budget` seconds last (0: the first beam only;
 * default: the engine's, 5 s). `method`: exedec, no-subgoal, portfolio (ExeDec, then
 * No-Subgoal at each beam), ... (default: the models folder's, see modelsInfo).
 * Resolves to {solved, program, steps, outputs, backend, method, foundBy, millis, iterations,
 * beam, beamsTried, stop} (foundBy: the method whose search gave the result, a portfolio's
 * member); rejects with an Error whose message
 * names the problem. `onProgress` receives {beam, attempt, seconds} when a search starts,
 * {method} when a portfolio starts a member's search and {iteration, phase} as it goes.
 */
export async function synthesize({ dsl, examples, beam = 10, budget, method, models = DEFAULT_MODELS, backend = "auto", onProgress }) {
  const base = folder(models);
  const chosen = method || (await modelsInfo(dsl, base)).defaultMethod;
  return request({ type: "synthesize", dsl, examples, beam, budget, method: chosen, models: base, backend }, onProgress);
}

/** Stops every running request (they reject with "cancelled"). */
export function cancel() {
  if (!worker) return;
  worker.terminate();
  worker = null;
  for (const p of pending.values()) p.reject(new Error("cancelled"));
  pending.clear();
}

/** Listens to the worker's status messages (model loading, backend fallback). */
export function onStatus(listener) {
  statusListeners.add(listener);
  return () => statusListeners.delete(listener);
}

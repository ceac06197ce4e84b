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

/**
 * Synthesizes a program with the anytime search: beam `beam` first, then twice as wide while
 * no program reproduces every example and `budget` seconds last (0: the first beam only;
 * default: the engine's, 5 s).
 * Resolves to {solved, program, steps, outputs, backend, millis, iterations, beam, beamsTried,
 * stop}; rejects with an Error whose message names the problem. `onProgress` receives
 * {beam, attempt, seconds} when a search starts and {iteration, phase} as it goes.
 */
export function synthesize({ dsl, examples, beam = 10, budget, method = "exedec", models = DEFAULT_MODELS, backend = "auto", onProgress }) {
  const base = new URL(models, document.baseURI).href.replace(/\/?$/, "/");
  return request({ type: "synthesize", dsl, examples, beam, budget, method, models: base, backend }, onProgress);
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

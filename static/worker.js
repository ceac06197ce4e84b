// The synthesis worker: loads the wasm bundle (WebGPU or CPU), the weight files of a DSL's
// models, and runs searches so the page never freezes. Messages:
//   in:  {id, type: "synthesize", dsl, method, examples, beam, budget, models, backend}
//        {id, type: "validate", dsl, examples}
//   out: {id, type: "progress", progress} | {id, type: "result", result (with its method)}
//        | {id, type: "error", message}
//        {type: "status", message}

const bundles = {};     // "cpu" | "webgpu" -> module namespace
const engines = {};     // key -> Promise<Engine>

function bundleUrl(kind) {
  return new URL(`./pkg/${kind}/exedec_web.js`, import.meta.url).href;
}

async function loadBundle(kind) {
  if (!bundles[kind]) {
    bundles[kind] = (async () => {
      const mod = await import(bundleUrl(kind));
      await mod.default();
      return mod;
    })();
  }
  return bundles[kind];
}

async function webgpuAvailable() {
  try {
    return !!(self.navigator.gpu && (await self.navigator.gpu.requestAdapter()));
  } catch {
    return false;
  }
}

async function fetchWeights(base, dsl, kind) {
  const url = new URL(`${dsl}/${kind}.exw`, base).href;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the ${kind} model (${url}: HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

async function createEngine(backend, dsl, method, base) {
  const mod = await loadBundle(backend);
  postMessage({ type: "status", message: `loading ${dsl} models (${backend})` });
  // The weight files the method needs, named by the engine itself.
  const weights = await Promise.all(mod.networks(method).map((kind) => fetchWeights(base, dsl, kind)));
  return mod.Engine.create(dsl, method, backend, weights);
}

// An engine for (dsl, method, models, backend preference); WebGPU falls back to the CPU.
function engine(dsl, method, base, preference) {
  const key = [dsl, method, base, preference].join("|");
  if (!engines[key]) {
    engines[key] = (async () => {
      if (preference !== "cpu" && (await webgpuAvailable())) {
        try {
          return await createEngine("webgpu", dsl, method, base);
        } catch (e) {
          if (preference === "webgpu") throw e;
          postMessage({ type: "status", message: `WebGPU unavailable (${e}); using the CPU` });
        }
      } else if (preference === "webgpu") {
        throw new Error("this browser offers no WebGPU adapter");
      }
      return createEngine("cpu", dsl, method, base);
    })();
    engines[key].catch(() => delete engines[key]);
  }
  return engines[key];
}

onmessage = async (event) => {
  const msg = event.data;
  try {
    if (msg.type === "validate") {
      const mod = await loadBundle("cpu");
      postMessage({ id: msg.id, type: "result", result: JSON.parse(mod.validate(msg.dsl, JSON.stringify(msg.examples), msg.maxTokens || 0)) });
    } else if (msg.type === "synthesize") {
      const method = msg.method || "exedec";
      const e = await engine(msg.dsl, method, msg.models, msg.backend || "auto");
      const progress = (p) => postMessage({ id: msg.id, type: "progress", progress: JSON.parse(p) });
      const budget = Number.isFinite(msg.budget) ? msg.budget : (await loadBundle("cpu")).defaultBudget();
      const result = JSON.parse(await e.synthesize(JSON.stringify(msg.examples), msg.beam || 10, budget, progress));
      postMessage({ id: msg.id, type: "result", result: { ...result, method } });
    } else {
      throw new Error(`unknown request ${msg.type}`);
    }
  } catch (e) {
    postMessage({ id: msg.id, type: "error", message: String(e && e.message ? e.message : e) });
  }
};

//! ExeDec in the browser: wasm-bindgen bindings over `exedec-core`.
//!
//! The page runs this module in a Web Worker (so the page never freezes) and talks to it in
//! JSON: [`Engine::create`] loads the weight files of one DSL's models on the WebGPU or the
//! CPU backend, [`Engine::synthesize`] runs the search on a user's examples and reports
//! progress, [`validate`] checks examples and names the offending one, and [`execute`] runs
//! a program. The same search code runs natively; models read back their results
//! asynchronously, as WebGPU requires.

use std::cell::RefCell;

use burn::prelude::Device;
use exedec_core::data::ModelKind;
use exedec_core::model::NeuralModel;
use exedec_core::model::neural::{MethodModels, NeuralLatentModel};
use exedec_core::model::weights::{from_bytes, latent_from_bytes};
use exedec_core::search::{AnytimeConfig, AnytimeOutcome, Control, Progress, anytime_search};
use exedec_core::user::{ExampleError, Limits, deepcoder_spec, robustfill_spec};
use exedec_core::{DeepCoder, Domain, Dsl, Method, RobustFill, Spec};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

thread_local! {
    /// A WebGPU device can be created only once per page (per worker): keep it.
    static GPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// The device of a backend name: `"webgpu"` or `"cpu"`.
async fn device(backend: &str) -> Result<(Device, &'static str), String> {
    match backend {
        #[cfg(feature = "webgpu")]
        "webgpu" => {
            if let Some(d) = GPU.with(|g| g.borrow().clone()) {
                return Ok((d, "webgpu"));
            }
            let d = Device::wgpu_options()
                .init_async()
                .await
                .map_err(|e| format!("WebGPU initialization failed: {e:?}"))?;
            GPU.with(|g| *g.borrow_mut() = Some(d.clone()));
            Ok((d, "webgpu"))
        }
        #[cfg(feature = "ndarray")]
        "cpu" =>
        {
            #[allow(deprecated)]
            Ok((Device::ndarray(), "cpu"))
        }
        other => Err(format!("backend {other:?} is not in this bundle")),
    }
}

/// The backends compiled into this bundle.
#[wasm_bindgen]
pub fn backends() -> Vec<String> {
    let mut v = Vec::new();
    if cfg!(feature = "webgpu") {
        v.push("webgpu".to_string());
    }
    if cfg!(feature = "ndarray") {
        v.push("cpu".to_string());
    }
    v
}

/// The weight files a method needs, by model type (`subgoal`, `synthesizer`, ...), in the
/// order [`Engine::create`] takes them.
#[wasm_bindgen]
pub fn networks(method: &str) -> Result<Vec<String>, JsValue> {
    let method: Method = method.parse().map_err(js_error)?;
    Ok(method.networks().iter().map(ModelKind::to_string).collect())
}

/// The anytime search's default time budget, in seconds (as `exedec synthesize`).
#[wasm_bindgen(js_name = defaultBudget)]
pub fn default_budget() -> f64 {
    AnytimeConfig::DEFAULT_BUDGET_SECONDS
}

/// Loaded models of one DSL for one method.
#[wasm_bindgen]
pub struct Engine {
    dsl: Dsl,
    backend: String,
    models: MethodModels,
    limits: Limits,
}

fn js_error(message: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&message.to_string())
}

fn load(bytes: &[u8], kind: ModelKind, dsl: Dsl, device: &Device) -> Result<NeuralModel, JsValue> {
    let loaded = from_bytes(bytes, Some((kind, dsl)), device).map_err(|e| js_error(format!("{kind} weights: {e}")))?;
    Ok(NeuralModel::new(loaded.model, loaded.header.config, device.clone()))
}

/// Examples as the widget takes them: RobustFill `{"input", "output"}`, DeepCoder
/// `{"inputs": [...], "output"}` with ints and int lists.
#[derive(Deserialize)]
#[serde(untagged)]
enum ExampleJson {
    Text { input: String, output: String },
    Values { inputs: Vec<Json>, output: Json },
}

fn value_text(v: &Json) -> String {
    match v {
        Json::Array(items) => format!("[ {} ]", items.iter().map(value_text).collect::<Vec<_>>().join(" ")),
        Json::Number(n) => n.to_string(),
        // Anything else is passed through as text, so the parser names it.
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Parses and validates examples; the error names the offending example and field.
fn spec_of(dsl: Dsl, examples_json: &str, limits: Limits) -> Result<Parsed, ExampleError> {
    let bad = |message: String| ExampleError { example: 0, field: exedec_core::user::Field::Example, message };
    let raw: Vec<Json> =
        serde_json::from_str(examples_json).map_err(|e| bad(format!("the examples are not valid JSON: {e}")))?;
    let mut rf = Vec::new();
    let mut dc = Vec::new();
    for (i, item) in raw.iter().enumerate() {
        let ex: ExampleJson = serde_json::from_value(item.clone()).map_err(|_| ExampleError {
            example: i,
            field: exedec_core::user::Field::Example,
            message: match dsl {
                Dsl::RobustFill => "expected {\"input\": \"...\", \"output\": \"...\"}".into(),
                Dsl::DeepCoder => "expected {\"inputs\": [...], \"output\": ...}".into(),
            },
        })?;
        match (dsl, ex) {
            (Dsl::RobustFill, ExampleJson::Text { input, output }) => rf.push((input, output)),
            (Dsl::DeepCoder, ExampleJson::Values { inputs, output }) => {
                dc.push((inputs.iter().map(value_text).collect(), value_text(&output)))
            }
            _ => {
                return Err(ExampleError {
                    example: i,
                    field: exedec_core::user::Field::Example,
                    message: format!("not a {dsl} example"),
                });
            }
        }
    }
    Ok(match dsl {
        Dsl::RobustFill => Parsed::RobustFill(robustfill_spec(&rf, limits)?),
        Dsl::DeepCoder => Parsed::DeepCoder(deepcoder_spec(&dc, limits)?),
    })
}

enum Parsed {
    RobustFill(Spec<RobustFill>),
    DeepCoder(Spec<DeepCoder>),
}

/// Checks examples for a DSL: `{"ok": true}` or `{"error": {"example", "field", "message"}}`
/// (`max_tokens` limits inputs and outputs alike; 0 for no length limit).
#[wasm_bindgen]
pub fn validate(dsl: &str, examples_json: &str, max_tokens: usize) -> String {
    let limits = Limits::uniform(if max_tokens == 0 { usize::MAX } else { max_tokens });
    let result = dsl
        .parse::<Dsl>()
        .map_err(|e| json!({"example": 0, "field": {"kind": "example"}, "message": e}))
        .and_then(|d| spec_of(d, examples_json, limits).map_err(|e| serde_json::to_value(&e).unwrap_or(Json::Null)));
    match result {
        Ok(_) => json!({"ok": true}).to_string(),
        Err(e) => json!({ "error": e }).to_string(),
    }
}

#[derive(Serialize)]
struct StepJson {
    subgoal: Option<Vec<String>>,
    subprogram: String,
    outputs: Vec<String>,
}

fn outcome_json<D: Domain>(d: &D, spec: &Spec<D>, anytime: &AnytimeOutcome<D>, backend: &str, millis: f64) -> Json {
    let out = &anytime.outcome;
    let fmt = |v: &[D::Output]| v.iter().map(|o| d.format_output(o)).collect::<Vec<_>>();
    let steps: Vec<StepJson> = out
        .steps
        .iter()
        .map(|s| StepJson {
            subgoal: s.subgoal.as_ref().map(|sg| fmt(sg)),
            subprogram: d.format_step(&s.step),
            outputs: fmt(&s.outputs),
        })
        .collect();
    let outputs: Option<Vec<Option<String>>> = out
        .program
        .as_ref()
        .map(|p| spec.inputs.iter().map(|i| d.execute(p, i).ok().map(|o| d.format_output(&o))).collect());
    json!({
        "solved": out.solved,
        "program": out.program.as_ref().map(|p| d.format_readable(p)),
        "steps": steps,
        "outputs": outputs,
        "backend": backend,
        "millis": millis,
        "iterations": out.iterations,
        "beam": anytime.beam_size,
        "beamsTried": anytime.beams_tried,
        "stop": anytime.stop,
        "foundBy": out.method.name(),
    })
}

#[wasm_bindgen]
impl Engine {
    /// Loads the models of `method` on `backend` (`"webgpu"` or `"cpu"`): the bytes of its
    /// weight files in the order [`networks`] names them.
    pub async fn create(
        dsl: String,
        method: String,
        backend: String,
        weights: Vec<js_sys::Uint8Array>,
    ) -> Result<Engine, JsValue> {
        let dsl: Dsl = dsl.parse().map_err(js_error)?;
        let method: Method = method.parse().map_err(js_error)?;
        let (device, name) = device(&backend).await.map_err(js_error)?;
        let kinds = method.networks();
        if weights.len() != kinds.len() {
            return Err(js_error(format!("{method} needs {} weight files, got {}", kinds.len(), weights.len())));
        }
        let bytes: Vec<Vec<u8>> = weights.iter().map(js_sys::Uint8Array::to_vec).collect();
        let file = |kind: ModelKind| kinds.iter().position(|&k| k == kind).map(|i| &bytes[i]);
        let models = MethodModels::assemble(
            method,
            |kind| load(file(kind).ok_or_else(|| js_error(format!("no {kind} weights")))?, kind, dsl, &device),
            || {
                let bytes =
                    file(ModelKind::LatentProgrammer).ok_or_else(|| js_error("no Latent Programmer weights"))?;
                let loaded = latent_from_bytes(bytes, Some(dsl), &device).map_err(js_error)?;
                Ok(NeuralLatentModel::new(loaded.model, loaded.config, device.clone()))
            },
        )?;
        let limits = models.limits();
        Ok(Engine { dsl, backend: name.to_string(), models, limits })
    }

    /// The backend the models run on (`webgpu` or `cpu`).
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.backend.clone()
    }

    /// The longest input (in tokens) the models read.
    #[wasm_bindgen(getter, js_name = maxInputTokens)]
    pub fn max_input_tokens(&self) -> usize {
        self.limits.max_input_tokens
    }

    /// The longest output (in tokens) the models read (ExeDec: its SubgoalModel; the
    /// SynthesizerModel reads subgoals).
    #[wasm_bindgen(getter, js_name = maxOutputTokens)]
    pub fn max_output_tokens(&self) -> usize {
        self.limits.max_output_tokens
    }

    /// Synthesizes a program for the examples (JSON, as in [`validate`]) with the anytime
    /// search: beam `beam` first, then twice as wide while unsolved and `budget_seconds` last.
    /// Returns JSON `{solved, program, steps, outputs, backend, millis, iterations, beam,
    /// beamsTried, stop, foundBy}` (`beam`: the search that gave the result; `foundBy`: its
    /// method, a portfolio's member for a portfolio), or rejects with a message naming the
    /// offending example. `progress` is called with `{beam, attempt, seconds}` when a search
    /// starts, `{method}` when a portfolio starts a member's search and `{iteration, phase}`
    /// as it goes.
    pub async fn synthesize(
        &self,
        examples_json: String,
        beam: usize,
        budget_seconds: f64,
        progress: Option<js_sys::Function>,
    ) -> Result<String, JsValue> {
        let parsed = spec_of(self.dsl, &examples_json, self.limits).map_err(|e| js_error(e.to_string()))?;
        let budget_seconds = if budget_seconds.is_finite() { budget_seconds.clamp(0.0, 600.0) } else { 0.0 };
        let config = AnytimeConfig { budget_seconds, first_beam: beam.clamp(1, 320), ..AnytimeConfig::default() };
        let start = js_sys::Date::now();
        let clock = || (js_sys::Date::now() - start) / 1000.0;
        let mut report = |p: Progress| {
            let msg = match p {
                Progress::Phase { iteration, subgoal } => {
                    json!({"iteration": iteration + 1, "phase": if subgoal { "subgoal" } else { "synthesis" }})
                }
                Progress::Beam { beam_size, attempt } => {
                    json!({"beam": beam_size, "attempt": attempt, "seconds": clock()})
                }
                Progress::Method(method) => json!({"method": method.name()}),
                Progress::Iteration { .. } => return,
            };
            if let Some(f) = &progress {
                let _ = f.call1(&JsValue::NULL, &JsValue::from_str(&msg.to_string()));
            }
        };
        let mut control = Control { should_stop: None, progress: Some(&mut report) };
        let json = match parsed {
            Parsed::RobustFill(spec) => {
                let out = anytime_search(&self.models, &RobustFill, &spec, &config, &clock, &mut control).await;
                outcome_json(&RobustFill, &spec, &out.map_err(js_error)?, &self.backend, js_sys::Date::now() - start)
            }
            Parsed::DeepCoder(spec) => {
                let out = anytime_search(&self.models, &DeepCoder, &spec, &config, &clock, &mut control).await;
                outcome_json(&DeepCoder, &spec, &out.map_err(js_error)?, &self.backend, js_sys::Date::now() - start)
            }
        };
        Ok(json.to_string())
    }
}

/// Runs a program (official text form) on inputs given as a JSON array of strings; returns
/// `{"outputs": [...]}` or `{"error": {"kind", "message"}}` as JSON.
#[wasm_bindgen]
pub fn execute(dsl: &str, program: &str, inputs_json: &str) -> String {
    fn run<D: Domain>(d: &D, program: &str, inputs: &[String]) -> Json {
        let result = d.parse_program(program).and_then(|p| {
            inputs.iter().map(|i| d.parse_input(i).and_then(|i| d.execute(&p, &i))).collect::<Result<Vec<_>, _>>()
        });
        match result {
            Ok(outs) => json!({"outputs": outs.iter().map(|o| d.format_output(o)).collect::<Vec<_>>()}),
            Err(e) => json!({"error": {"kind": e.kind().as_str(), "message": e.message()}}),
        }
    }
    let answer = match (dsl.parse::<Dsl>(), serde_json::from_str::<Vec<String>>(inputs_json)) {
        (Ok(Dsl::RobustFill), Ok(inputs)) => run(&RobustFill, program, &inputs),
        (Ok(Dsl::DeepCoder), Ok(inputs)) => run(&DeepCoder, program, &inputs),
        (Err(e), _) => json!({"error": {"kind": "input", "message": e}}),
        (_, Err(e)) => json!({"error": {"kind": "input", "message": e.to_string()}}),
    };
    answer.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executes_both_dsls() {
        assert_eq!(execute("robustfill", "4 29", r#"["abc"]"#), r#"{"outputs":["k"]}"#);
        assert_eq!(execute("deepcoder", "x0 = INPUT | x1 = Sum x0", r#"["x0 = [ 1 2 ]"]"#), r#"{"outputs":["3"]}"#);
        assert!(execute("deepcoder", "x0 = INPUT | x1 = Head x0", r#"["x0 = [ ]"]"#).contains("invalid"));
        assert!(execute("lisp", "", "[]").contains("input"));
    }

    #[test]
    fn validation_names_the_offending_example() {
        let ok = validate("robustfill", r#"[{"input": "ab", "output": "A"}]"#, 20);
        assert_eq!(ok, r#"{"ok":true}"#);
        let e: Json = serde_json::from_str(&validate(
            "robustfill",
            r#"[{"input": "ab", "output": "A"}, {"input": "é", "output": "x"}]"#,
            20,
        ))
        .unwrap();
        assert_eq!(e["error"]["example"], 1);
        assert_eq!(e["error"]["field"]["kind"], "input");
        let e: Json = serde_json::from_str(&validate(
            "deepcoder",
            r#"[{"inputs": [[1, 2, 3], 4], "output": [5, 6]}, {"inputs": [[1]], "output": 3}]"#,
            0,
        ))
        .unwrap();
        assert_eq!(e["error"]["example"], 1);
        let e: Json =
            serde_json::from_str(&validate("deepcoder", r#"[{"inputs": [[1, 200]], "output": 3}]"#, 0)).unwrap();
        assert!(e["error"]["message"].as_str().unwrap().contains("range"));
        let e: Json = serde_json::from_str(&validate("robustfill", "not json", 0)).unwrap();
        assert!(e["error"]["message"].as_str().unwrap().contains("JSON"));
        assert!(validate("deepcoder", r#"[{"inputs": [[1, 2]], "output": [3]}]"#, 0).contains("ok"));
    }
}

//! Few-shot LLM experiments (the official `spec_decomposition/llm_utils.py` and
//! `run_llm_experiment.py`): the prompts of the paper's LLM study and the loops that query a model
//! and check its answers.
//!
//! - [`python`]: the Python renderings of programs shown to the LLM, and a parser for exactly
//!   that subset, so answers run on this project's interpreters (no Python, no `exec`).
//! - [`prompt`]: the DSL descriptions and the baseline, ExeDec and ablation prompts.
//! - [`solve`]: one test problem end to end: the baseline's single call, or ExeDec's
//!   step-by-step calls with actual execution results fed back (at most 3 calls).
//! - [`dsls`]: what each DSL contributes ([`LlmDsl`]); everything else is written once.
//!
//! The model is anything implementing [`Llm`]; the `exedec llm` command provides one for
//! OpenAI-compatible HTTP endpoints, with a cache, retries and a timeout.

pub mod dsls;
pub mod prompt;
pub mod python;
pub mod solve;

use crate::domain::Domain;
use crate::error::Result;

pub use python::PyVersion;
pub use solve::{Attempt, LlmCall, solve};

/// The three prompting styles of the paper's LLM study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// Few-shot problems with their whole programs; one call.
    Baseline,
    /// Step by step: each step states its subgoal ("Step j computes:") before its code.
    Exedec,
    /// Step by step with the code before the computed values (the LLM analogue of the
    /// No-Subgoal ablation).
    Ablation,
}

impl Style {
    pub const ALL: [Style; 3] = [Style::Baseline, Style::Exedec, Style::Ablation];

    pub fn name(self) -> &'static str {
        match self {
            Style::Baseline => "baseline",
            Style::Exedec => "exedec",
            Style::Ablation => "ablation",
        }
    }

    /// The search method this style is the LLM analogue of (the row of the results table).
    pub fn method(self) -> crate::Method {
        match self {
            Style::Baseline => crate::Method::Transformer,
            Style::Exedec => crate::Method::Exedec,
            Style::Ablation => crate::Method::NoSubgoal,
        }
    }

    /// The style whose analogue `method` is (the Latent Programmer and the portfolio have none).
    pub fn of_method(method: crate::Method) -> Option<Style> {
        match method {
            crate::Method::Transformer => Some(Style::Baseline),
            crate::Method::Exedec => Some(Style::Exedec),
            crate::Method::NoSubgoal => Some(Style::Ablation),
            crate::Method::LatentProgrammer | crate::Method::Portfolio => None,
        }
    }
}

impl std::fmt::Display for Style {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Style {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "baseline" => Ok(Style::Baseline),
            "exedec" => Ok(Style::Exedec),
            "ablation" | "exedec_ablation" | "exedec-ablation" => Ok(Style::Ablation),
            _ => Err(format!("unknown prompt style {s:?} (expected baseline, exedec or ablation)")),
        }
    }
}

/// Why a model could not be queried. Transport failures are not task failures: a run stops
/// on them instead of counting an unreachable server as unsolved problems.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    #[error("the LLM request failed: {0}")]
    Transport(String),
    #[error("the LLM answered with something unreadable: {0}")]
    Response(String),
}

/// A language model: a prompt in, a completion out (temperature 0, one sample).
pub trait Llm: Sync {
    fn complete(&self, prompt: &str, max_tokens: usize) -> std::result::Result<String, LlmError>;
}

/// One problem of the LLM data: examples and a solution.
#[derive(Debug, Clone)]
pub struct Problem<D: Domain> {
    pub inputs: Vec<D::Input>,
    pub outputs: Vec<D::Output>,
    pub program: D::Program,
}

/// A test problem with the few-shot problems its prompt shows (the `llm_data` files).
#[derive(Debug, Clone)]
pub struct LlmTask<D: Domain> {
    pub index: usize,
    pub test: Problem<D>,
    pub few_shot: Vec<Problem<D>>,
}

/// What a DSL contributes to the prompts; see [`dsls`] for the two implementations.
pub trait LlmDsl: Domain {
    /// What the DSL is for, the functions and the constants of its description (the official
    /// `spec_decomposition/llm_utils.py`), for a rendering version; `None` constants leave that paragraph out.
    fn description_parts(&self, version: PyVersion) -> (&'static str, String, Option<String>);
    /// One step as a line of Python ("Step j code").
    fn render_step(&self, step: &Self::Step, version: PyVersion) -> Result<String>;
    /// Parses one step's line of Python.
    fn parse_step(&self, code: &str) -> Result<Self::Step>;
    /// The whole program in Python form from its steps' lines, for a problem whose first
    /// input is `input` (DeepCoder takes the signature's variables from it).
    fn assemble(&self, input: &Self::Input, step_lines: &[String]) -> String;
    /// Parses a whole Python program (a baseline answer).
    fn parse_python_program(&self, code: &str, input: &Self::Input) -> Result<Self::Program>;
    /// One test case after `Case i. `; `step_by_step` selects the ExeDec prompt's form.
    fn case_text(&self, input: &Self::Input, output: &Self::Output, step_by_step: bool) -> String;
    /// One case's line after a step ran: RobustFill `"<out>" so "<rest>" remains`,
    /// DeepCoder `x2 = [1, 2]`.
    fn step_text(&self, step: &Self::Step, produced: &Self::Output, remaining: &Self::Output) -> String;
    /// The official check of intermediate objects (RobustFill strings of at most 20
    /// characters; DeepCoder lists of at most 5 ints).
    fn valid_object(&self, value: &Self::Output) -> bool;
    /// Reads one problem of the LLM data (`{"inputs", "outputs", "program"}`).
    fn problem_from_json(&self, v: &serde_json::Value) -> Result<Problem<Self>>;
    /// The most tokens the official runs let the LLM write per call.
    fn max_output_tokens(&self, style: Style) -> usize;
}

/// Reads the LLM data (one JSON object per line: index, test_problem, few_shot_examples).
pub fn read_tasks<D: LlmDsl>(d: &D, text: &str) -> Result<Vec<LlmTask<D>>> {
    use crate::error::DslError;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = |m: String| DslError::parse(format!("line {}: {m}", n + 1));
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| at(e.to_string()))?;
        let index = v["index"].as_u64().map(|i| i as usize).unwrap_or(out.len());
        let test = d.problem_from_json(&v["test_problem"]).map_err(|e| at(e.to_string()))?;
        let few_shot = v["few_shot_examples"]
            .as_array()
            .ok_or_else(|| at("no few_shot_examples".into()))?
            .iter()
            .map(|p| d.problem_from_json(p))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| at(e.to_string()))?;
        out.push(LlmTask { index, test, few_shot });
    }
    Ok(out)
}

//! Browser bindings over `exedec-core`.
//!
//! The functions here take and return JSON strings, so the page and the widget can call them
//! from plain JavaScript without knowing the Rust types.

use exedec_core::{DeepCoder, Domain, Dsl, RobustFill};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The answer of [`execute`]: the outputs, or an error with its kind.
#[derive(Serialize)]
#[serde(untagged)]
enum Executed {
    Outputs { outputs: Vec<String> },
    Error { error: ErrorBody },
}

#[derive(Serialize)]
struct ErrorBody {
    kind: String,
    message: String,
}

fn run<D: Domain>(domain: &D, program: &str, inputs: &[String]) -> Executed {
    let result = domain.parse_program(program).and_then(|p| {
        inputs.iter().map(|i| domain.parse_input(i).and_then(|i| domain.execute(&p, &i))).collect::<Result<Vec<_>, _>>()
    });
    match result {
        Ok(outs) => Executed::Outputs { outputs: outs.iter().map(|o| domain.format_output(o)).collect() },
        Err(e) => Executed::Error { error: ErrorBody { kind: e.kind().as_str().into(), message: e.message().into() } },
    }
}

/// Runs a program (official text form) on inputs given as a JSON array of strings; returns
/// `{"outputs": [...]}` or `{"error": {"kind", "message"}}` as JSON.
#[wasm_bindgen]
pub fn execute(dsl: &str, program: &str, inputs_json: &str) -> String {
    let answer = match (dsl.parse::<Dsl>(), serde_json::from_str::<Vec<String>>(inputs_json)) {
        (Ok(Dsl::RobustFill), Ok(inputs)) => run(&RobustFill, program, &inputs),
        (Ok(Dsl::DeepCoder), Ok(inputs)) => run(&DeepCoder, program, &inputs),
        (Err(e), _) => Executed::Error { error: ErrorBody { kind: "input".into(), message: e } },
        (_, Err(e)) => Executed::Error { error: ErrorBody { kind: "input".into(), message: e.to_string() } },
    };
    serde_json::to_string(&answer).unwrap_or_default()
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
}

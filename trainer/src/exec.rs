//! `exedec exec`: a total, line-oriented interpreter front end.
//!
//! Every input line produces exactly one output line, in order; a malformed line gives a
//! `kind: "input"` error line instead of stopping the run. A program may be written in the
//! official form of the released data or in the readable form that `synthesize` prints.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use exedec_core::{DeepCoder, Domain, Dsl, DslError, RobustFill};
use serde_json::{Value as Json, json};

pub fn run(dsl: Dsl, input: Option<&Path>, output: Option<&Path>) -> Result<()> {
    let reader: Box<dyn BufRead> = match input {
        Some(p) => Box::new(BufReader::new(File::open(p).with_context(|| format!("opening {}", p.display()))?)),
        None => Box::new(BufReader::new(io::stdin().lock())),
    };
    let writer: Box<dyn Write> = match output {
        Some(p) => Box::new(File::create(p).with_context(|| format!("creating {}", p.display()))?),
        None => Box::new(io::stdout().lock()),
    };
    let mut writer = BufWriter::new(writer);
    for line in reader.lines() {
        let line = line.context("reading input")?;
        let result = match dsl {
            Dsl::RobustFill => exec_line(&RobustFill, &line),
            Dsl::DeepCoder => exec_line(&DeepCoder, &line),
        };
        serde_json::to_writer(&mut writer, &result)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()?;
    Ok(())
}

fn error_json(kind: &str, message: &str) -> Json {
    json!({ "error": { "kind": kind, "message": message } })
}

fn dsl_error(e: &DslError) -> Json {
    error_json(e.kind().as_str(), e.message())
}

/// Parses a program in the official form or, failing that, the readable one. The error
/// reported is the one of the form the text looks like: RobustFill's official form is only
/// token ids, so text with a letter or a parenthesis is meant to be readable.
fn parse_either<D: Domain>(domain: &D, text: &str) -> Result<D::Program, DslError> {
    domain.parse_program(text).or_else(|official| {
        domain.parse_readable(text).map_err(|readable| {
            let token_ids_only =
                text.chars().all(|c| c.is_ascii_digit() || c.is_whitespace() || matches!(c, '|' | '-'));
            if token_ids_only { official } else { readable }
        })
    })
}

/// Executes one request line.
pub fn exec_line<D: Domain>(domain: &D, line: &str) -> Json {
    let request: Json = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return error_json("input", &format!("malformed JSON: {e}")),
    };
    let Some(program) = request.get("program").and_then(Json::as_str) else {
        return error_json("input", "expected a string field \"program\"");
    };
    let Some(inputs) = request.get("inputs").and_then(Json::as_array) else {
        return error_json("input", "expected an array field \"inputs\"");
    };
    let Some(inputs) = inputs.iter().map(Json::as_str).collect::<Option<Vec<&str>>>() else {
        return error_json("input", "every element of \"inputs\" must be a string");
    };
    let program = match parse_either(domain, program) {
        Ok(p) => p,
        Err(e) => return dsl_error(&e),
    };
    let mut outputs = Vec::with_capacity(inputs.len());
    for text in inputs {
        let result = domain.parse_input(text).and_then(|input| domain.execute(&program, &input));
        match result {
            Ok(out) => outputs.push(Json::String(domain.format_output(&out))),
            Err(e) => return dsl_error(&e),
        }
    }
    json!({ "outputs": outputs })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(j: &Json) -> Option<&str> {
        j.pointer("/error/kind").and_then(Json::as_str)
    }

    #[test]
    fn each_stage_has_its_error_kind() {
        let rf = RobustFill;
        assert_eq!(exec_line(&rf, r#"{"program": "4 29|10", "inputs": [" a "]}"#), json!({"outputs": ["ka"]}));
        assert_eq!(kind(&exec_line(&rf, r#"{"program": "4", "inputs": ["a"]}"#)), Some("decode"));
        assert_eq!(kind(&exec_line(&rf, r#"{"program": "4 x", "inputs": ["a"]}"#)), Some("parse"));
        assert_eq!(kind(&exec_line(&rf, r#"{"program": "8 102", "inputs": ["a"]}"#)), Some("run"));
        assert_eq!(kind(&exec_line(&rf, r#"{"program": "10", "inputs": ["\u00e9"]}"#)), Some("invalid"));
        assert_eq!(kind(&exec_line(&rf, r#"{"program": "10", "inputs": [1]}"#)), Some("input"));
        assert_eq!(kind(&exec_line(&rf, "not json")), Some("input"));
        // The readable form runs too, and its own parse errors are the ones reported.
        assert_eq!(
            exec_line(&rf, r#"{"program": "Const('k') | Trim()", "inputs": [" a "]}"#),
            json!({"outputs": ["ka"]})
        );
        let bad = exec_line(&rf, r#"{"program": "GetUpto(", "inputs": ["a"]}"#);
        assert_eq!(kind(&bad), Some("parse"));
        assert!(!bad.pointer("/error/message").and_then(Json::as_str).unwrap_or("").contains("token id"), "{bad}");
        let dc = DeepCoder;
        let p = "x0 = INPUT | x1 = Head x0";
        assert_eq!(
            exec_line(&dc, &json!({"program": p, "inputs": ["x0 = [ 3 4 ]"]}).to_string()),
            json!({"outputs": ["3"]})
        );
        assert_eq!(kind(&exec_line(&dc, &json!({"program": p, "inputs": ["x0 = [ ]"]}).to_string())), Some("invalid"));
        assert_eq!(kind(&exec_line(&dc, &json!({"program": p, "inputs": ["x0 = 3"]}).to_string())), Some("run"));
        assert_eq!(kind(&exec_line(&dc, &json!({"program": "x0 = Head", "inputs": []}).to_string())), Some("parse"));
        assert_eq!(
            kind(&exec_line(&dc, &json!({"program": p, "inputs": ["x0 = [ 60 ]"]}).to_string())),
            Some("invalid")
        );
        // As the official code: `Access` with a negative index is None before its list
        // argument's type is looked at; an empty group in RobustFill's official form is refused.
        let access = "x0 = INPUT | x1 = INPUT | x2 = Access x0 x1";
        let run =
            |inputs: [&str; 2]| exec_line(&dc, &json!({"program": access, "inputs": [inputs.join(" | ")]}).to_string());
        assert_eq!(kind(&run(["x0 = -1", "x1 = 4"])), Some("invalid"));
        assert_eq!(kind(&run(["x0 = 1", "x1 = 4"])), Some("run"));
        assert_eq!(kind(&exec_line(&rf, r#"{"program": "4 29|", "inputs": ["a"]}"#)), Some("decode"));
        assert_eq!(kind(&exec_line(&rf, r#"{"program": "4 29||10", "inputs": ["a"]}"#)), Some("decode"));
    }
}

//! What RobustFill and DeepCoder contribute to the LLM prompts: their descriptions, Python
//! forms, test-case lines and the official limits on intermediate objects.

use serde_json::Value as Json;

use super::python::{PyVersion, RF_FUNCTIONS, parse_dc_statement, parse_rf_expr, render_dc_statement, render_rf_expr};
use super::{LlmDsl, Problem, Style};
use crate::domain::Domain;
use crate::dsl::deepcoder::ops::{Lambda, Op as DcOp};
use crate::dsl::deepcoder::program::{Program as DcProgram, State, Statement, Var};
use crate::dsl::deepcoder::value::Value;
use crate::dsl::robustfill::ast::{Boundary, Case, Expr, Program as RfProgram, RegexType};
use crate::dsl::robustfill::value::Text;
use crate::error::{DslError, Result};
use crate::{DeepCoder, RobustFill};

/// The longest string the official RobustFill trajectory check accepts.
pub const RF_MAX_OBJECT_LEN: usize = 20;
/// The longest list the official DeepCoder trajectory check accepts.
pub const DC_MAX_LIST_LEN: usize = 5;

/// The lines of a program's body: everything but blank lines and comments, trimmed.
fn code_lines(code: &str) -> Vec<&str> {
    code.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

fn strings(v: &Json, what: &str) -> Result<Vec<String>> {
    v.as_array()
        .ok_or_else(|| DslError::parse(format!("{what} is not a list")))?
        .iter()
        .map(|s| s.as_str().map(str::to_string).ok_or_else(|| DslError::parse(format!("{what} holds a non-string"))))
        .collect()
}

impl LlmDsl for RobustFill {
    fn description_parts(&self, _version: PyVersion) -> (&'static str, String, Option<String>) {
        let mut constants: Vec<String> = RegexType::ALL.iter().map(|t| format!("dsl.Type.{}", t.name())).collect();
        constants.extend(Case::ALL.iter().map(|c| format!("dsl.Case.{}", c.name())));
        constants.extend(Boundary::ALL.iter().map(|b| format!("dsl.Boundary.{}", b.name())));
        ("manipulating strings", RF_FUNCTIONS.join(", "), Some(constants.join(", ")))
    }

    fn render_step(&self, step: &Expr, _version: PyVersion) -> Result<String> {
        render_rf_expr(step)
    }

    fn parse_step(&self, code: &str) -> Result<Expr> {
        parse_rf_expr(code.trim())
    }

    fn assemble(&self, _input: &Text, step_lines: &[String]) -> String {
        let mut s = String::from("def program(x):\n  parts = [\n");
        for l in step_lines {
            s.push_str(&format!("      {l},\n"));
        }
        s.push_str("  ]\n  return ''.join(parts)");
        s
    }

    fn parse_python_program(&self, code: &str, _input: &Text) -> Result<RfProgram> {
        let lines = code_lines(code);
        let shape = || {
            DslError::parse(
                "expected def program(x): / parts = [ / one expression per line / ] / return ''.join(parts)",
            )
        };
        let [def, open, body @ .., close, ret] = lines.as_slice() else { return Err(shape()) };
        let ret = ret.replace(' ', "");
        if def.replace(' ', "") != "defprogram(x):"
            || open.replace(' ', "") != "parts=["
            || *close != "]"
            || !(ret == "return''.join(parts)" || ret == "return\"\".join(parts)")
        {
            return Err(shape());
        }
        let exprs = body.iter().map(|l| parse_rf_expr(l.strip_suffix(',').unwrap_or(l))).collect::<Result<Vec<_>>>()?;
        Ok(RfProgram::new(exprs))
    }

    fn case_text(&self, input: &Text, output: &Text, step_by_step: bool) -> String {
        let x = if step_by_step { "x = " } else { "" };
        format!("{x}\"{}\" --> \"{}\"", input.as_str(), output.as_str())
    }

    fn step_text(&self, _step: &Expr, produced: &Text, remaining: &Text) -> String {
        format!("\"{}\" so \"{}\" remains", produced.as_str(), remaining.as_str())
    }

    fn valid_object(&self, value: &Text) -> bool {
        value.len() <= RF_MAX_OBJECT_LEN
    }

    fn problem_from_json(&self, v: &Json) -> Result<Problem<Self>> {
        let inputs = strings(&v["inputs"], "inputs")?.iter().map(|s| Text::new(s)).collect::<Result<Vec<_>>>()?;
        let outputs = strings(&v["outputs"], "outputs")?.iter().map(|s| Text::new(s)).collect::<Result<Vec<_>>>()?;
        if inputs.len() != outputs.len() || inputs.is_empty() {
            return Err(DslError::parse("the numbers of inputs and outputs differ"));
        }
        let program = self.parse_program(v["program"].as_str().ok_or_else(|| DslError::parse("no program"))?)?;
        Ok(Problem { inputs, outputs, program })
    }

    fn max_output_tokens(&self, style: Style) -> usize {
        match style {
            Style::Baseline | Style::Exedec => 400,
            Style::Ablation => 200,
        }
    }
}

/// A DeepCoder value as Python prints it: `[1, -2]`, `3`.
pub fn py_value(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::List(xs) => format!("[{}]", xs.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

fn json_value(v: &Json) -> Result<Value> {
    let int = |x: &Json| x.as_i64().ok_or_else(|| DslError::parse(format!("{x} is not an int")));
    match v {
        Json::Array(xs) => Value::list(xs.iter().map(int).collect::<Result<Vec<_>>>()?),
        x => Value::int(int(x)?),
    }
}

/// The Scanl1 implementation shown to the model in the Pythonic (version 4) prompts.
const SCANL1_SOURCE: &str = "def Scanl1(f, xs):\n  ys = []\n  for i, x in enumerate(xs):\n    if i == 0:\n      ys.append(x)\n    else:\n      ys.append(f(ys[-1], x))\n  return ys";

impl LlmDsl for DeepCoder {
    fn description_parts(&self, version: PyVersion) -> (&'static str, String, Option<String>) {
        let purpose = "manipulating lists of integers";
        match version {
            PyVersion::V1 => {
                let ops: Vec<&str> = DcOp::ALL.iter().map(|o| o.python_name()).collect();
                let lambdas: Vec<&str> = Lambda::ALL.iter().map(|l| l.python_name()).collect();
                (purpose, ops.join(", "), Some(lambdas.join(", ")))
            }
            PyVersion::V4 => (purpose, SCANL1_SOURCE.to_string(), None),
        }
    }

    fn render_step(&self, step: &Statement, version: PyVersion) -> Result<String> {
        render_dc_statement(step, version)
    }

    fn parse_step(&self, code: &str) -> Result<Statement> {
        parse_dc_statement(code.trim())
    }

    fn assemble(&self, input: &State, step_lines: &[String]) -> String {
        let args: Vec<String> = input.entries.iter().map(|(v, _)| v.to_string()).collect();
        let mut s = format!("def program({}):\n", args.join(", "));
        for l in step_lines {
            s.push_str(&format!("  {l}\n"));
        }
        let ret = step_lines
            .last()
            .and_then(|l| l.split_once('='))
            .map(|(v, _)| v.trim().to_string())
            .or_else(|| args.last().cloned())
            .unwrap_or_default();
        s.push_str(&format!("  return {ret}"));
        s
    }

    fn parse_python_program(&self, code: &str, input: &State) -> Result<DcProgram> {
        let lines = code_lines(code);
        let [def, body @ .., ret] = lines.as_slice() else {
            return Err(DslError::parse("expected def program(...): / assignments / return"));
        };
        let inputs: Vec<Var> = input.entries.iter().map(|(v, _)| *v).collect();
        let names: Vec<String> = inputs.iter().map(|v| v.to_string()).collect();
        if def.replace(' ', "") != format!("defprogram({}):", names.join(",")) {
            return Err(DslError::parse(format!("expected the signature def program({}):", names.join(", "))));
        }
        let statements = body.iter().map(|l| parse_dc_statement(l)).collect::<Result<Vec<_>>>()?;
        let last = statements.last().ok_or_else(|| DslError::parse("the program has no statement"))?;
        if ret.strip_prefix("return").map(str::trim) != Some(last.lhs.to_string().as_str()) {
            return Err(DslError::parse(format!("expected the program to end with return {}", last.lhs)));
        }
        DcProgram::new(inputs, statements)
    }

    fn case_text(&self, input: &State, output: &Value, _step_by_step: bool) -> String {
        let parts: Vec<String> = input.entries.iter().map(|(v, x)| format!("{v} = {}", py_value(x))).collect();
        format!("{} --> {}", parts.join(", "), py_value(output))
    }

    fn step_text(&self, step: &Statement, produced: &Value, _remaining: &Value) -> String {
        format!("{} = {}", step.lhs, py_value(produced))
    }

    fn valid_object(&self, value: &Value) -> bool {
        value.as_list().is_none_or(|xs| xs.len() <= DC_MAX_LIST_LEN)
    }

    fn problem_from_json(&self, v: &Json) -> Result<Problem<Self>> {
        let program = self.parse_program(v["program"].as_str().ok_or_else(|| DslError::parse("no program"))?)?;
        let by_name = v["inputs"].as_object().ok_or_else(|| DslError::parse("inputs is not an object"))?;
        let outputs = v["outputs"]
            .as_array()
            .ok_or_else(|| DslError::parse("outputs is not a list"))?
            .iter()
            .map(json_value)
            .collect::<Result<Vec<_>>>()?;
        let mut inputs: Vec<State> = vec![State::default(); outputs.len()];
        for var in program.inputs() {
            let values = by_name
                .get(&var.to_string())
                .and_then(Json::as_array)
                .ok_or_else(|| DslError::parse(format!("no values for input {var}")))?;
            if values.len() != outputs.len() {
                return Err(DslError::parse(format!(
                    "input {var} has {} values for {} outputs",
                    values.len(),
                    outputs.len()
                )));
            }
            for (state, x) in inputs.iter_mut().zip(values) {
                state.push(*var, json_value(x)?)?;
            }
        }
        if outputs.is_empty() {
            return Err(DslError::parse("the problem has no test cases"));
        }
        Ok(Problem { inputs, outputs, program })
    }

    fn max_output_tokens(&self, style: Style) -> usize {
        match style {
            Style::Baseline => 150,
            Style::Exedec => 200,
            Style::Ablation => 80,
        }
    }
}

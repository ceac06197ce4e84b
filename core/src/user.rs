//! Examples written by a user (on the command line or in the web page), turned into a task
//! specification with clear, located errors: which example, which input or output, and why.

use std::fmt;

use crate::domain::{Domain, Spec};
use crate::dsl::deepcoder::{DeepCoder, State, Value, parse_value};
use crate::dsl::robustfill::{RobustFill, Text};

/// Where in the examples a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "lowercase")]
pub enum Field {
    /// The k-th input (0-based) of an example.
    Input(usize),
    Output,
    /// The example as a whole (e.g. a malformed line).
    Example,
}

/// A problem with a user's examples.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
pub struct ExampleError {
    /// The example (0-based).
    pub example: usize,
    pub field: Field,
    pub message: String,
}

impl fmt::Display for ExampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "example {}", self.example + 1)?;
        match self.field {
            Field::Input(k) => write!(f, ", input {}", k + 1)?,
            Field::Output => f.write_str(", output")?,
            Field::Example => {}
        }
        write!(f, ": {}", self.message)
    }
}

fn err(example: usize, field: Field, message: impl Into<String>) -> ExampleError {
    ExampleError { example, field, message: message.into() }
}

/// Limits of the models that will read the examples.
///
/// Inputs and outputs have separate limits because not every model reads the whole outputs:
/// ExeDec's SynthesizerModel reads the inputs and one subgoal, so only the SubgoalModel bounds
/// the outputs (RobustFill: 20 input characters for both models, outputs of up to 200 for the
/// SubgoalModel). A subgoal longer than the SynthesizerModel reads invalidates only that
/// candidate of the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest encoded input, in tokens.
    pub max_input_tokens: usize,
    /// Longest encoded output, in tokens.
    pub max_output_tokens: usize,
}

impl Limits {
    /// The same limit for inputs and outputs.
    pub fn uniform(max_tokens: usize) -> Self {
        Limits { max_input_tokens: max_tokens, max_output_tokens: max_tokens }
    }

    /// What both of two limits allow.
    pub fn tightest(self, other: Limits) -> Self {
        Limits {
            max_input_tokens: self.max_input_tokens.min(other.max_input_tokens),
            max_output_tokens: self.max_output_tokens.min(other.max_output_tokens),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::uniform(usize::MAX)
    }
}

fn check_tokens<D: Domain>(domain: &D, index: usize, spec: &Spec<D>, limits: Limits) -> Result<(), ExampleError> {
    let mut v = Vec::new();
    for (k, i) in spec.inputs.iter().enumerate() {
        v.clear();
        domain.encode_input(i, &mut v).map_err(|e| err(index, Field::Input(k), e.message().to_string()))?;
        if v.len() > limits.max_input_tokens {
            return Err(err(
                index,
                Field::Input(k),
                format!("too long for the model ({} tokens, at most {})", v.len(), limits.max_input_tokens),
            ));
        }
    }
    for o in &spec.outputs {
        v.clear();
        domain.encode_output(o, &mut v).map_err(|e| err(index, Field::Output, e.message().to_string()))?;
        if v.len() > limits.max_output_tokens {
            return Err(err(
                index,
                Field::Output,
                format!("too long for the model ({} tokens, at most {})", v.len(), limits.max_output_tokens),
            ));
        }
    }
    Ok(())
}

/// RobustFill examples: (input, output) strings over the alphabet, non-empty outputs.
pub fn robustfill_spec(examples: &[(String, String)], limits: Limits) -> Result<Spec<RobustFill>, ExampleError> {
    if examples.is_empty() {
        return Err(err(0, Field::Example, "give at least one example"));
    }
    let mut spec = Spec::new(Vec::new(), Vec::new());
    for (i, (input, output)) in examples.iter().enumerate() {
        let inp = Text::new(input).map_err(|e| err(i, Field::Input(0), e.message().to_string()))?;
        let out = Text::new(output).map_err(|e| err(i, Field::Output, e.message().to_string()))?;
        if out.is_empty() {
            return Err(err(i, Field::Output, "the output is empty"));
        }
        let one = Spec::new(vec![inp.clone()], vec![out.clone()]);
        check_tokens(&RobustFill, i, &one, limits)?;
        spec.inputs.push(inp);
        spec.outputs.push(out);
    }
    Ok(spec)
}

/// DeepCoder examples: per example, the input values and the output value. Every example
/// must have the same number of inputs, of the same types.
pub fn deepcoder_spec(examples: &[(Vec<String>, String)], limits: Limits) -> Result<Spec<DeepCoder>, ExampleError> {
    if examples.is_empty() {
        return Err(err(0, Field::Example, "give at least one example"));
    }
    let n = examples[0].0.len();
    let mut spec = Spec::new(Vec::new(), Vec::new());
    let mut first_types: Vec<bool> = Vec::new();
    for (i, (inputs, output)) in examples.iter().enumerate() {
        if inputs.is_empty() {
            return Err(err(i, Field::Example, "an example needs at least one input"));
        }
        if inputs.len() > 2 {
            return Err(err(i, Field::Example, format!("{} inputs: the models take one or two", inputs.len())));
        }
        if inputs.len() != n {
            return Err(err(i, Field::Example, format!("{} inputs, but example 1 has {n}", inputs.len())));
        }
        let values: Vec<Value> = inputs
            .iter()
            .enumerate()
            .map(|(k, s)| parse_value(s).map_err(|e| err(i, Field::Input(k), e.message().to_string())))
            .collect::<Result<_, _>>()?;
        let types: Vec<bool> = values.iter().map(Value::is_list).collect();
        if i == 0 {
            if !types.contains(&true) {
                return Err(err(i, Field::Input(0), "at least one input must be a list"));
            }
            first_types = types;
        } else if let Some(k) = (0..n).find(|&k| types[k] != first_types[k]) {
            return Err(err(i, Field::Input(k), "its type (int or list) differs from example 1"));
        }
        let out = parse_value(output).map_err(|e| err(i, Field::Output, e.message().to_string()))?;
        let one = Spec::new(vec![State::from_values(values.clone())], vec![out.clone()]);
        check_tokens(&DeepCoder, i, &one, limits)?;
        spec.inputs.push(State::from_values(values));
        spec.outputs.push(out);
    }
    Ok(spec)
}

/// Splits `INPUT -> OUTPUT` (RobustFill) at the arrow; one space on each side of the arrow
/// belongs to the arrow (neither `-` nor `>` is in the RobustFill alphabet).
pub fn split_arrow(line: &str) -> Option<(String, String)> {
    let (a, b) = line.split_once("->")?;
    let a = a.strip_suffix(' ').unwrap_or(a);
    let b = b.strip_prefix(' ').unwrap_or(b);
    Some((a.to_string(), b.to_string()))
}

/// Splits DeepCoder inputs `[1 2 3], 4` at the commas outside brackets.
pub fn split_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in text.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() || !out.is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tightest_of_two_limits_allows_what_both_allow() {
        let exedec = Limits { max_input_tokens: 20, max_output_tokens: 200 };
        let tightest = exedec.tightest(Limits::uniform(100));
        assert_eq!(tightest, Limits { max_input_tokens: 20, max_output_tokens: 100 });
        assert_eq!(Limits::uniform(100).tightest(exedec), tightest);
    }

    #[test]
    fn robustfill_examples() {
        let ok = robustfill_spec(&[("ab cd".into(), "AB".into())], Limits::default()).unwrap();
        assert_eq!(ok.inputs[0], "ab cd");
        let e = robustfill_spec(&[("ab".into(), "A".into()), ("caf\u{e9}".into(), "x".into())], Limits::default())
            .unwrap_err();
        assert_eq!((e.example, e.field), (1, Field::Input(0)));
        assert!(e.to_string().starts_with("example 2, input 1:"), "{e}");
        let e = robustfill_spec(&[("abc".into(), "x".repeat(30))], Limits::uniform(20)).unwrap_err();
        assert_eq!(e.field, Field::Output);
        assert!(e.message.contains("too long"));
        // ExeDec's limits for RobustFill: inputs as the SynthesizerModel reads them, outputs as
        // the SubgoalModel does.
        let exedec = Limits { max_input_tokens: 20, max_output_tokens: 200 };
        let long = robustfill_spec(&[("abc".into(), "x".repeat(146))], exedec).unwrap();
        assert_eq!(long.outputs[0].len(), 146);
        let e = robustfill_spec(&[("abc".into(), "x".repeat(201))], exedec).unwrap_err();
        assert_eq!(e.field, Field::Output);
        let e = robustfill_spec(&[("ab".into(), "A".into()), ("x".repeat(21), "x".into())], exedec).unwrap_err();
        assert_eq!((e.example, e.field), (1, Field::Input(0)));
        assert!(e.message.contains("at most 20"), "{e}");
        assert_eq!(split_arrow("ab  -> AB"), Some(("ab ".into(), "AB".into())));
    }

    #[test]
    fn deepcoder_examples() {
        let ex = |s: &str| {
            let (i, o) = s.split_once("->").unwrap();
            (split_values(i), o.trim().to_string())
        };
        let spec = deepcoder_spec(&[ex("[1 2 3], 4 -> [5 6]"), ex("[0], 1 -> [ ]")], Limits::default()).unwrap();
        assert_eq!(spec.inputs[0].to_string(), "x0 = [ 1 2 3 ] | x1 = 4");
        let e = deepcoder_spec(&[ex("[1 2] -> 3"), ex("[1], 2 -> 3")], Limits::default()).unwrap_err();
        assert_eq!((e.example, e.field), (1, Field::Example));
        let e = deepcoder_spec(&[ex("[1 99] -> 3")], Limits::default()).unwrap_err();
        assert_eq!(e.field, Field::Input(0));
        assert!(e.message.contains("range"), "{}", e.message);
        let e = deepcoder_spec(&[ex("[1] -> 3"), ex("4 -> 3")], Limits::default()).unwrap_err();
        assert_eq!((e.example, e.field), (1, Field::Input(0)));
        let e = deepcoder_spec(&[ex("[1] -> [ [ 2 ] ]")], Limits::default()).unwrap_err();
        assert_eq!(e.field, Field::Output);
    }
}

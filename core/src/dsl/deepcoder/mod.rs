//! The DeepCoder integer-list DSL (the official `tasks/deepcoder/deepcoder_dsl.py`; docs/dsl.md).
//!
//! A program assigns one variable per statement, each an operation over earlier variables;
//! its output is the last variable. [`value`] holds the ints and lists with their range
//! checks, [`ops`] the operations and lambdas with Python's dynamic typing, [`program`] the
//! variables, statements, programs and states with their text forms, [`tokens`] the
//! shared 153-token vocabulary, and [`reach`] the values one statement computes from a state.

pub mod ops;
pub mod program;
pub mod reach;
pub mod sample;
pub mod tokens;
pub mod value;

use std::sync::OnceLock;

pub use ops::{Lambda, Op, Type};
pub use program::{MAX_NUM_VARIABLES, Program, State, Statement, Var};
pub use value::{IntList, MAX_INT, MAX_LIST_LENGTH, MIN_INT, Value, parse_value};

use crate::domain::{Domain, Dsl, Spec, Task};
use crate::error::{DslError, Result};
use crate::splits::{Part, Split};
use crate::vocab::{Token, Vocab};

/// The DeepCoder [`Domain`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DeepCoder;

fn vocab_static() -> &'static Vocab {
    static V: OnceLock<Vocab> = OnceLock::new();
    V.get_or_init(tokens::vocab)
}

/// The variable a new statement assigns in a state: the first canonical name not yet used
/// (`x{len}` for the canonical states of the test data).
pub fn next_variable(state: &State) -> Result<Var> {
    (0..MAX_NUM_VARIABLES)
        .map(Var::new)
        .find(|v| state.get(*v).is_none())
        .ok_or_else(|| DslError::run("all ten variables are in use"))
}

impl Domain for DeepCoder {
    type Input = State;
    type Output = Value;
    type Step = Statement;
    type Program = Program;

    fn dsl(&self) -> Dsl {
        Dsl::DeepCoder
    }

    fn io_vocab(&self) -> &Vocab {
        vocab_static()
    }

    fn program_vocab(&self) -> &Vocab {
        vocab_static()
    }

    fn parse_input(&self, text: &str) -> Result<State> {
        State::parse(text)
    }

    fn format_input(&self, input: &State) -> String {
        input.to_string()
    }

    fn parse_output(&self, text: &str) -> Result<Value> {
        parse_value(text)
    }

    fn format_output(&self, output: &Value) -> String {
        output.to_string()
    }

    fn parse_program(&self, text: &str) -> Result<Program> {
        Program::parse(text)
    }

    fn format_program(&self, program: &Program) -> Result<String> {
        Ok(program.to_string())
    }

    fn parse_readable(&self, text: &str) -> Result<Program> {
        Program::parse(text.trim())
    }

    fn format_readable(&self, program: &Program) -> String {
        program.to_string()
    }

    fn format_step(&self, step: &Statement) -> String {
        step.to_string()
    }

    fn encode_input(&self, input: &State, out: &mut Vec<Token>) -> Result<()> {
        tokens::encode_state(input, out)
    }

    fn encode_output(&self, output: &Value, out: &mut Vec<Token>) -> Result<()> {
        tokens::encode_value(output, out);
        Ok(())
    }

    fn decode_output(&self, ids: &[Token]) -> Result<Value> {
        tokens::decode_value(ids)
    }

    fn encode_step(&self, step: &Statement, out: &mut Vec<Token>) -> Result<()> {
        tokens::encode_rhs(step, out)
    }

    fn decode_step(&self, ids: &[Token], input: &State) -> Result<Statement> {
        tokens::decode_rhs(next_variable(input)?, ids)
    }

    fn encode_program(&self, program: &Program, out: &mut Vec<Token>) -> Result<()> {
        tokens::encode_program(program, out)
    }

    fn decode_program(&self, ids: &[Token]) -> Result<Program> {
        tokens::decode_program(ids)
    }

    fn steps(&self, program: &Program) -> Vec<Statement> {
        program.statements().to_vec()
    }

    fn empty_program(&self, input: &State) -> Result<Program> {
        Program::new(input.entries.iter().map(|(v, _)| *v).collect(), Vec::new())
    }

    fn push_step(&self, program: &Program, step: Statement) -> Result<Program> {
        program.with_statement(step)
    }

    fn execute(&self, program: &Program, input: &State) -> Result<Value> {
        let values: smallvec::SmallVec<[Value; MAX_NUM_VARIABLES]> = input.values().cloned().collect();
        program.run(&values)
    }

    fn run_step(&self, step: &Statement, input: &State) -> Result<Value> {
        step.run(input)
    }

    fn check_subgoal(&self, spec: &Spec<Self>, subgoal: &[Value]) -> bool {
        subgoal.len() == spec.outputs.len()
    }

    /// The values one statement computes, less those some variable already holds on every
    /// example (a step that adds nothing), unless they are the outputs.
    fn reachable_subgoals(&self, spec: &Spec<Self>) -> Option<Vec<Vec<Value>>> {
        let held = |values: &Vec<Value>| {
            spec.inputs.first().is_some_and(|first| {
                first.entries.iter().any(|(var, _)| spec.inputs.iter().zip(values).all(|(s, v)| s.get(*var) == Some(v)))
            })
        };
        let mut reachable = reach::one_statement_values(&spec.inputs);
        reachable.retain(|values| *values == spec.outputs || !held(values));
        Some(reachable)
    }

    fn step_reaching(&self, spec: &Spec<Self>, outputs: &[Value]) -> Option<Statement> {
        reach::statement_reaching(&spec.inputs, outputs, next_variable(spec.inputs.first()?).ok()?)
    }

    fn next_spec(&self, spec: &Spec<Self>, step: &Statement, produced: &[Value]) -> Option<(Spec<Self>, bool)> {
        if produced.len() != spec.inputs.len() {
            return None;
        }
        let mut inputs = spec.inputs.clone();
        for (state, value) in inputs.iter_mut().zip(produced) {
            state.push(step.lhs, value.clone()).ok()?;
        }
        let done = produced == spec.outputs.as_slice();
        Some((Spec::new(inputs, spec.outputs.clone()), done))
    }

    fn max_steps(&self, input: &State) -> usize {
        MAX_NUM_VARIABLES.saturating_sub(input.len())
    }

    fn is_empty_output(&self, _output: &Value) -> bool {
        false
    }

    fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R, split: Split, part: Part) -> Vec<Task<Self>> {
        let per_search =
            if part == Part::Train { sample::TRAIN_PROGRAMS_PER_SEARCH } else { sample::TEST_PROGRAMS_PER_SEARCH };
        sample::search_tasks(rng, split, part, per_search)
            .into_iter()
            .map(|t| {
                let vars = t.program.inputs().to_vec();
                let inputs = t
                    .inputs
                    .into_iter()
                    .map(|values| State { entries: vars.iter().copied().zip(values).collect() })
                    .collect();
                Task { inputs, outputs: t.outputs, program: Some(t.program) }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::decompose;

    #[test]
    fn decomposition_adds_variables_to_the_state() {
        let d = DeepCoder;
        let p = d
            .parse_program("x0 = INPUT | x1 = INPUT | x2 = Scanl1 (-) x0 | x3 = Map (*(-1)) x2 | x4 = Filter (>0) x3")
            .unwrap();
        let inputs = vec![d.parse_input("x0 = [ 1 0 6 9 1 ] | x1 = [ 9 ]").unwrap()];
        let outputs = vec![d.parse_output("[ 5 14 15 ]").unwrap()];
        let steps = decompose(&d, &p, Spec::new(inputs, outputs)).unwrap();
        assert_eq!(steps.len(), 3);
        assert_eq!(d.format_output(&steps[0].subgoal[0]), "[ 1 1 -5 -14 -15 ]");
        assert_eq!(
            d.format_input(&steps[1].spec.inputs[0]),
            "x0 = [ 1 0 6 9 1 ] | x1 = [ 9 ] | x2 = [ 1 1 -5 -14 -15 ]"
        );
        let mut ids = Vec::new();
        d.encode_step(&steps[0].step, &mut ids).unwrap();
        assert_eq!(ids, [22, 38, 42]);
        assert_eq!(next_variable(&steps[2].spec.inputs[0]).unwrap(), Var::new(4));
    }
}

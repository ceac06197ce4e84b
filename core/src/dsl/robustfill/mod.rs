//! The RobustFill string-transformation DSL (the official `tasks/robust_fill/dsl.py`; docs/dsl.md).
//!
//! A program concatenates the outputs of its expressions, each of which reads the same input
//! string. The modules follow the pipeline: [`ast`] (what a program is), [`regex`] (the
//! hand-coded match classes), [`eval`] (exact semantics), [`tokens`] (the id tables and the
//! official decoder) and [`text`] (the official and readable text forms); [`reach`] finds the
//! expression that computes given outputs, for the search's listed steps.

pub mod ast;
pub mod eval;
pub mod reach;
pub mod regex;
pub mod sample;
pub mod text;
pub mod tokens;
pub mod value;

use std::cell::RefCell;
use std::sync::OnceLock;

pub use ast::{Boundary, Call, Case, Expr, Family, Op, Program, Regex, RegexType, Sym};
pub use eval::Interpreter;
pub use value::Text;

use crate::domain::{Domain, Dsl, Spec, Task};
use crate::error::Result;
use crate::splits::{Part, Split};
use crate::vocab::{Token, Vocab};

/// The longest input string of the benchmark's tasks.
pub const MAX_INPUT_LENGTH: usize = 20;

thread_local! {
    static INTERPRETER: RefCell<Interpreter> = RefCell::new(Interpreter::new());
}

/// Runs `f` with this thread's interpreter (its buffers are reused across calls).
pub fn with_interpreter<R>(f: impl FnOnce(&mut Interpreter) -> R) -> R {
    INTERPRETER.with(|it| f(&mut it.borrow_mut()))
}

/// The RobustFill [`Domain`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RobustFill;

fn vocabs() -> &'static (Vocab, Vocab) {
    static V: OnceLock<(Vocab, Vocab)> = OnceLock::new();
    V.get_or_init(|| (tokens::io_vocab(), tokens::program_vocab()))
}

impl Domain for RobustFill {
    type Input = Text;
    type Output = Text;
    type Step = Expr;
    type Program = Program;

    fn dsl(&self) -> Dsl {
        Dsl::RobustFill
    }

    fn io_vocab(&self) -> &Vocab {
        &vocabs().0
    }

    fn program_vocab(&self) -> &Vocab {
        &vocabs().1
    }

    fn parse_input(&self, text: &str) -> Result<Text> {
        Text::new(text)
    }

    fn format_input(&self, input: &Text) -> String {
        input.to_string()
    }

    fn parse_output(&self, text: &str) -> Result<Text> {
        Text::new(text)
    }

    fn format_output(&self, output: &Text) -> String {
        output.to_string()
    }

    fn parse_program(&self, text: &str) -> Result<Program> {
        text::parse_official(text)
    }

    fn format_program(&self, program: &Program) -> Result<String> {
        text::format_official(program)
    }

    fn parse_readable(&self, text: &str) -> Result<Program> {
        text::parse_readable(text)
    }

    fn format_readable(&self, program: &Program) -> String {
        text::format_readable(program)
    }

    fn format_step(&self, step: &Expr) -> String {
        text::format_expr(step)
    }

    fn encode_input(&self, input: &Text, out: &mut Vec<Token>) -> Result<()> {
        tokens::encode_text(input.as_bytes(), out)
    }

    fn encode_output(&self, output: &Text, out: &mut Vec<Token>) -> Result<()> {
        tokens::encode_text(output.as_bytes(), out)
    }

    fn decode_output(&self, ids: &[Token]) -> Result<Text> {
        tokens::decode_text(ids)
    }

    fn encode_step(&self, step: &Expr, out: &mut Vec<Token>) -> Result<()> {
        tokens::encode_expr(step, out)
    }

    fn decode_step(&self, ids: &[Token], _input: &Text) -> Result<Expr> {
        tokens::decode_expr(ids)
    }

    fn encode_program(&self, program: &Program, out: &mut Vec<Token>) -> Result<()> {
        for e in &program.exprs {
            tokens::encode_expr(e, out)?;
        }
        Ok(())
    }

    fn decode_program(&self, ids: &[Token]) -> Result<Program> {
        let mut with_eos = Vec::with_capacity(ids.len() + 1);
        with_eos.extend_from_slice(ids);
        with_eos.push(crate::vocab::EOS);
        tokens::decode_program(&with_eos)
    }

    fn steps(&self, program: &Program) -> Vec<Expr> {
        program.exprs.clone()
    }

    fn empty_program(&self, _input: &Text) -> Result<Program> {
        Ok(Program::default())
    }

    fn push_step(&self, program: &Program, step: Expr) -> Result<Program> {
        let mut p = program.clone();
        p.exprs.push(step);
        Ok(p)
    }

    fn execute(&self, program: &Program, input: &Text) -> Result<Text> {
        with_interpreter(|it| it.run(program, input))
    }

    fn run_step(&self, step: &Expr, input: &Text) -> Result<Text> {
        with_interpreter(|it| it.run_step(step, input))
    }

    fn check_subgoal(&self, spec: &Spec<Self>, subgoal: &[Text]) -> bool {
        subgoal.len() == spec.outputs.len()
            && !subgoal.iter().all(Text::is_empty)
            && spec.outputs.iter().zip(subgoal).all(|(out, part)| out.starts_with(part))
    }

    fn subgoals_are_output_prefixes(&self) -> bool {
        // One token per character: a prefix of the text is a prefix of its encoding.
        true
    }

    /// The first expression without `Compose` that outputs each example's part
    /// ([`reach::expression_reaching`]).
    fn step_reaching(&self, spec: &Spec<Self>, outputs: &[Text]) -> Option<Expr> {
        reach::expression_reaching(&spec.inputs, outputs)
    }

    fn next_spec(&self, spec: &Spec<Self>, _step: &Expr, produced: &[Text]) -> Option<(Spec<Self>, bool)> {
        if !self.check_subgoal(spec, produced) {
            return None;
        }
        let outputs: Vec<Text> = spec.outputs.iter().zip(produced).map(|(out, part)| out.suffix(part.len())).collect();
        let done = outputs.iter().all(Text::is_empty);
        Some((Spec::new(spec.inputs.clone(), outputs), done))
    }

    fn max_steps(&self, _input: &Text) -> usize {
        20
    }

    fn is_empty_output(&self, output: &Text) -> bool {
        output.is_empty()
    }

    fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R, split: Split, part: Part) -> Vec<Task<Self>> {
        let t = sample::random_task(rng, split, part);
        vec![Task { inputs: t.inputs, outputs: t.outputs, program: Some(t.program) }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::decompose;

    fn t(s: &str) -> Text {
        Text::new(s).unwrap()
    }

    #[test]
    fn decomposition_splits_the_output_into_parts() {
        let d = RobustFill;
        let p = d.parse_readable("GetToken(WORD, 1) | Const('.') | GetToken(NUMBER, 1)").unwrap();
        let inputs = vec![t("ab 12"), t("cd 345")];
        let outputs: Vec<Text> = inputs.iter().map(|i| d.execute(&p, i).unwrap()).collect();
        assert_eq!(outputs, [t("ab.12"), t("cd.345")]);
        let steps = decompose(&d, &p, Spec::new(inputs, outputs)).unwrap();
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[0].subgoal, [t("ab"), t("cd")]);
        assert_eq!(steps[1].spec.outputs, [t(".12"), t(".345")]);
        assert_eq!(steps[2].subgoal, [t("12"), t("345")]);
        assert_eq!(steps[2].spec.outputs, [t("12"), t("345")]);
    }

    #[test]
    fn subgoal_checks() {
        let d = RobustFill;
        let spec = Spec::<RobustFill>::new(vec![t("x"), t("y")], vec![t("abc"), t("de")]);
        assert!(d.check_subgoal(&spec, &[t("a"), t("")]));
        assert!(!d.check_subgoal(&spec, &[t(""), t("")]));
        assert!(!d.check_subgoal(&spec, &[t("b"), t("d")]));
        assert!(!d.check_subgoal(&spec, &[t("a")]));
        let (next, done) = d.next_spec(&spec, &Expr::trim(), &[t("abc"), t("de")]).unwrap();
        assert!(done);
        assert_eq!(next.outputs, [t(""), t("")]);
    }
}

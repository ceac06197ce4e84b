//! The RobustFill string-transformation DSL (spec §2).
//!
//! A program concatenates the outputs of its expressions, each of which reads the same input
//! string. The modules follow the pipeline: [`ast`] (what a program is), [`regex`] (the
//! hand-coded match classes), [`eval`] (exact semantics), [`tokens`] (the id tables and the
//! official decoder) and [`text`] (the official and readable text forms).

pub mod ast;
pub mod eval;
pub mod regex;
pub mod text;
pub mod tokens;

use std::cell::RefCell;
use std::sync::OnceLock;

pub use ast::{Boundary, Call, Case, Expr, Family, Op, Program, Regex, RegexType, Sym};
pub use eval::Interpreter;

use crate::domain::{Domain, Dsl, Spec};
use crate::error::Result;
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
#[derive(Debug, Clone, Copy, Default)]
pub struct RobustFill;

fn vocabs() -> &'static (Vocab, Vocab) {
    static V: OnceLock<(Vocab, Vocab)> = OnceLock::new();
    V.get_or_init(|| (tokens::io_vocab(), tokens::program_vocab()))
}

impl Domain for RobustFill {
    type Input = String;
    type Output = String;
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

    fn parse_input(&self, text: &str) -> Result<String> {
        eval::check_text(text)?;
        Ok(text.to_string())
    }

    fn format_input(&self, input: &String) -> String {
        input.clone()
    }

    fn parse_output(&self, text: &str) -> Result<String> {
        self.parse_input(text)
    }

    fn format_output(&self, output: &String) -> String {
        output.clone()
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

    fn encode_input(&self, input: &String, out: &mut Vec<Token>) -> Result<()> {
        tokens::encode_text(input.as_bytes(), out)
    }

    fn encode_output(&self, output: &String, out: &mut Vec<Token>) -> Result<()> {
        tokens::encode_text(output.as_bytes(), out)
    }

    fn decode_output(&self, ids: &[Token]) -> Result<String> {
        tokens::decode_text(ids)
    }

    fn encode_step(&self, step: &Expr, out: &mut Vec<Token>) -> Result<()> {
        tokens::encode_expr(step, out)
    }

    fn decode_step(&self, ids: &[Token], _input: &String) -> Result<Expr> {
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

    fn empty_program(&self, _input: &String) -> Result<Program> {
        Ok(Program::default())
    }

    fn push_step(&self, program: &Program, step: Expr) -> Result<Program> {
        let mut p = program.clone();
        p.exprs.push(step);
        Ok(p)
    }

    fn execute(&self, program: &Program, input: &String) -> Result<String> {
        with_interpreter(|it| it.run(program, input))
    }

    fn run_step(&self, step: &Expr, input: &String) -> Result<String> {
        with_interpreter(|it| it.run_expr(step, input))
    }

    fn check_subgoal(&self, spec: &Spec<Self>, subgoal: &[String]) -> bool {
        subgoal.len() == spec.outputs.len()
            && !subgoal.iter().all(String::is_empty)
            && spec
                .outputs
                .iter()
                .zip(subgoal)
                .all(|(out, part)| out.starts_with(part.as_str()))
    }

    fn next_spec(
        &self,
        spec: &Spec<Self>,
        _step: &Expr,
        produced: &[String],
    ) -> Option<(Spec<Self>, bool)> {
        if !self.check_subgoal(spec, produced) {
            return None;
        }
        let outputs: Vec<String> = spec
            .outputs
            .iter()
            .zip(produced)
            .map(|(out, part)| out[part.len()..].to_string())
            .collect();
        let done = outputs.iter().all(String::is_empty);
        Some((Spec::new(spec.inputs.clone(), outputs), done))
    }

    fn is_empty_output(&self, output: &String) -> bool {
        output.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::decompose;

    #[test]
    fn decomposition_splits_the_output_into_parts() {
        let d = RobustFill;
        let p = d
            .parse_readable("GetToken(WORD, 1) | Const('-') | GetToken(NUMBER, 1)")
            .unwrap();
        let inputs = vec!["ab 12".to_string(), "cd 345".to_string()];
        let outputs: Vec<String> = inputs.iter().map(|i| d.execute(&p, i).unwrap()).collect();
        assert_eq!(outputs, ["ab-12", "cd-345"]);
        let steps = decompose(&d, &p, Spec::new(inputs, outputs)).unwrap();
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[0].subgoal, ["ab", "cd"]);
        assert_eq!(steps[1].spec.outputs, ["-12", "-345"]);
        assert_eq!(steps[2].subgoal, ["12", "345"]);
        assert_eq!(steps[2].spec.outputs, ["12", "345"]);
    }

    #[test]
    fn subgoal_checks() {
        let d = RobustFill;
        let spec = Spec::<RobustFill>::new(
            vec!["x".into(), "y".into()],
            vec!["abc".into(), "de".into()],
        );
        assert!(d.check_subgoal(&spec, &["a".into(), "".into()]));
        assert!(!d.check_subgoal(&spec, &["".into(), "".into()]));
        assert!(!d.check_subgoal(&spec, &["b".into(), "d".into()]));
        assert!(!d.check_subgoal(&spec, &["a".into()]));
        let (next, done) = d
            .next_spec(&spec, &Expr::trim(), &["abc".into(), "de".into()])
            .unwrap();
        assert!(done);
        assert_eq!(next.outputs, ["", ""]);
    }
}

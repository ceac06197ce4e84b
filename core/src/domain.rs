//! The `Domain` abstraction: everything search, training and evaluation need to know about a
//! DSL, so that each of them is written once for both RobustFill and DeepCoder.
//!
//! ExeDec's view of a task is a *specification*: per example, an input the models read and an
//! output still to be produced. A program is a sequence of *steps* (RobustFill: expressions;
//! DeepCoder: statements). Running one step on every example gives the step's *subgoal*, and
//! [`Domain::next_spec`] says how that changes the specification:
//!
//! - RobustFill: the input stays, the subgoal must be a prefix of the remaining output, and
//!   the remaining output loses that prefix; done when nothing remains.
//! - DeepCoder: the subgoal becomes a new variable of the program state (the input side); the
//!   output stays the final one; done when the new variable equals it.
//!
//! With these few operations the execution decomposition of a program ([`decompose`]), the
//! ExeDec loop and the training records are generic.

use std::fmt::Debug;
use std::hash::Hash;

use crate::error::{DslError, Result};
use crate::splits::{Part, Split};
use crate::vocab::{Token, Vocab};

/// The two DSLs of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dsl {
    RobustFill,
    DeepCoder,
}

impl Dsl {
    pub const ALL: [Dsl; 2] = [Dsl::RobustFill, Dsl::DeepCoder];

    pub fn name(self) -> &'static str {
        match self {
            Dsl::RobustFill => "robustfill",
            Dsl::DeepCoder => "deepcoder",
        }
    }

    /// What the models know of this DSL, read off its token tables.
    pub fn vocab_sizes(self) -> VocabSizes {
        match self {
            Dsl::RobustFill => VocabSizes::of(&crate::RobustFill),
            Dsl::DeepCoder => VocabSizes::of(&crate::DeepCoder),
        }
    }
}

/// The sizes of a DSL's two vocabularies and the id separating examples in a joined I/O
/// sequence: all that the models know of a DSL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VocabSizes {
    /// Ids of the I/O vocabulary (inputs, outputs, subgoals).
    pub io: usize,
    /// Ids of the program vocabulary.
    pub program: usize,
    /// The I/O vocabulary's separator, if it has one.
    pub separator: Option<Token>,
}

impl VocabSizes {
    pub fn of<D: Domain>(domain: &D) -> Self {
        VocabSizes {
            io: domain.io_vocab().len(),
            program: domain.program_vocab().len(),
            separator: domain.io_vocab().separator(),
        }
    }
}

impl std::fmt::Display for Dsl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Dsl {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "robustfill" | "rf" => Ok(Dsl::RobustFill),
            "deepcoder" | "dc" => Ok(Dsl::DeepCoder),
            _ => Err(format!("unknown DSL {s:?} (expected robustfill or deepcoder)")),
        }
    }
}

/// The current specification of a task: one (input, output) pair per example.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spec<D: Domain> {
    pub inputs: Vec<D::Input>,
    pub outputs: Vec<D::Output>,
}

impl<D: Domain> Spec<D> {
    pub fn new(inputs: Vec<D::Input>, outputs: Vec<D::Output>) -> Self {
        Spec { inputs, outputs }
    }

    pub fn num_examples(&self) -> usize {
        self.inputs.len()
    }
}

/// A programming-by-example task: examples and, where known, a program that solves them.
#[derive(Debug, Clone)]
pub struct Task<D: Domain> {
    pub inputs: Vec<D::Input>,
    pub outputs: Vec<D::Output>,
    pub program: Option<D::Program>,
}

impl<D: Domain> Task<D> {
    pub fn spec(&self) -> Spec<D> {
        Spec::new(self.inputs.clone(), self.outputs.clone())
    }
}

/// One step of an execution decomposition: the specification before the step, the step's
/// subgoal (its output on every example) and the step itself.
#[derive(Debug, Clone)]
pub struct Decomposition<D: Domain> {
    pub spec: Spec<D>,
    pub subgoal: Vec<D::Output>,
    pub step: D::Step,
}

/// A DSL as seen by search, training and evaluation.
///
/// Implementors are plain tags (unit structs); the derive-friendly supertraits let generic
/// containers such as [`Spec<D>`] derive their own traits.
pub trait Domain: Copy + Default + Debug + PartialEq + Eq + Hash + Send + Sync + 'static {
    /// One example's input as the models read it (RobustFill: a string; DeepCoder: a program
    /// state).
    type Input: Clone + Debug + PartialEq + Eq + Hash + Send + Sync;
    /// One example's output, remaining output or subgoal.
    type Output: Clone + Debug + PartialEq + Eq + Hash + Send + Sync;
    /// One step of a program (RobustFill: an expression; DeepCoder: a statement).
    type Step: Clone + Debug + PartialEq + Send + Sync;
    /// A whole program.
    type Program: Clone + Debug + PartialEq + Send + Sync;

    fn dsl(&self) -> Dsl;

    /// The vocabulary of encoder inputs/outputs and of subgoals.
    fn io_vocab(&self) -> &Vocab;
    /// The vocabulary of programs and program steps.
    fn program_vocab(&self) -> &Vocab;

    // --- text forms -------------------------------------------------------------------

    /// Parses one example's input as written in the released data.
    fn parse_input(&self, text: &str) -> Result<Self::Input>;
    fn format_input(&self, input: &Self::Input) -> String;
    /// Parses one example's output as written in the released data.
    fn parse_output(&self, text: &str) -> Result<Self::Output>;
    /// The official printed form of an output.
    fn format_output(&self, output: &Self::Output) -> String;
    /// Parses the official program text form of the released data.
    fn parse_program(&self, text: &str) -> Result<Self::Program>;
    /// The official program text form.
    fn format_program(&self, program: &Self::Program) -> Result<String>;
    /// Parses the readable program form.
    fn parse_readable(&self, text: &str) -> Result<Self::Program>;
    /// The readable program form.
    fn format_readable(&self, program: &Self::Program) -> String;
    /// One step in readable form.
    fn format_step(&self, step: &Self::Step) -> String;

    // --- tokens -----------------------------------------------------------------------

    fn encode_input(&self, input: &Self::Input, out: &mut Vec<Token>) -> Result<()>;
    fn encode_output(&self, output: &Self::Output, out: &mut Vec<Token>) -> Result<()>;
    /// Decodes one example's part of a predicted subgoal (padding, BOS and EOS are ignored).
    fn decode_output(&self, ids: &[Token]) -> Result<Self::Output>;
    /// Token ids of one step, without EOS.
    fn encode_step(&self, step: &Self::Step, out: &mut Vec<Token>) -> Result<()>;
    /// Decodes one predicted step (without EOS) for a specification whose first example's
    /// input is `input` (DeepCoder names the new variable after the state's variables).
    fn decode_step(&self, ids: &[Token], input: &Self::Input) -> Result<Self::Step>;
    /// Token ids of a whole program, without EOS.
    fn encode_program(&self, program: &Self::Program, out: &mut Vec<Token>) -> Result<()>;
    /// Decodes a whole program from its ids (without the final EOS).
    fn decode_program(&self, ids: &[Token]) -> Result<Self::Program>;

    // --- programs and execution -------------------------------------------------------

    /// The steps of a program, in order.
    fn steps(&self, program: &Self::Program) -> Vec<Self::Step>;
    /// The empty program for a task whose first example's input is `input`.
    fn empty_program(&self, input: &Self::Input) -> Result<Self::Program>;
    /// The program extended by one step.
    fn push_step(&self, program: &Self::Program, step: Self::Step) -> Result<Self::Program>;
    /// Runs a whole program on one example's (original) input.
    fn execute(&self, program: &Self::Program, input: &Self::Input) -> Result<Self::Output>;
    /// Runs one step on one example's current input.
    fn run_step(&self, step: &Self::Step, input: &Self::Input) -> Result<Self::Output>;

    // --- specifications ---------------------------------------------------------------

    /// Whether a predicted subgoal is acceptable for `spec` (same number of parts as examples
    /// is checked by the caller).
    fn check_subgoal(&self, spec: &Spec<Self>, subgoal: &[Self::Output]) -> bool;
    /// Whether a valid subgoal's parts are exactly the prefixes of the remaining outputs'
    /// encodings (RobustFill), so that decoding can be restricted to them.
    fn subgoals_are_output_prefixes(&self) -> bool {
        false
    }
    /// Every subgoal one step can reach from the specification's current inputs that makes
    /// progress (one output per example), where the DSL's steps can be listed (DeepCoder: every
    /// statement over the state's variables), so that decoding can be restricted to them; `None`
    /// where they cannot.
    fn reachable_subgoals(&self, _spec: &Spec<Self>) -> Option<Vec<Vec<Self::Output>>> {
        None
    }
    /// A step that computes `outputs` (one per example: the specification's outputs, or a
    /// subgoal) from the specification's current inputs on every example, where the DSL's
    /// steps can be listed (DeepCoder: the first such statement over the state's variables)
    /// and one does; `None` otherwise.
    fn step_reaching(&self, _spec: &Spec<Self>, _outputs: &[Self::Output]) -> Option<Self::Step> {
        None
    }
    /// The specification after executing `step`, whose outputs on the examples are
    /// `produced`, and whether the task is then solved. `None` when the step is inconsistent
    /// with the specification.
    fn next_spec(&self, spec: &Spec<Self>, step: &Self::Step, produced: &[Self::Output]) -> Option<(Spec<Self>, bool)>;

    /// The official iteration limit of the step-wise search for a task whose first example's
    /// input is `input` (RobustFill 20; DeepCoder one new variable per step, at most 10).
    fn max_steps(&self, input: &Self::Input) -> usize;

    /// Whether an output is empty (used for the "all parts empty" subgoal rule).
    fn is_empty_output(&self, output: &Self::Output) -> bool;

    // --- sampling ---------------------------------------------------------------------

    /// Draws the next batch of random tasks of a split's train (train, valid) or test
    /// distribution: RobustFill draws one task at a time, DeepCoder one search's worth of
    /// tasks sharing the same inputs (1000 for train, 10 for valid and test, as in the
    /// official generator).
    fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R, split: Split, part: Part) -> Vec<Task<Self>>;

    // --- provided ---------------------------------------------------------------------

    /// Whether `program` reproduces every example of the task.
    fn satisfies(&self, program: &Self::Program, inputs: &[Self::Input], outputs: &[Self::Output]) -> bool {
        inputs.iter().zip(outputs).all(|(i, o)| self.execute(program, i).as_ref() == Ok(o))
    }

    /// Runs a step on every example.
    fn run_step_all(&self, step: &Self::Step, inputs: &[Self::Input]) -> Result<Vec<Self::Output>> {
        inputs.iter().map(|i| self.run_step(step, i)).collect()
    }
}

/// The execution decomposition of a program on a task: for each step, the specification it
/// starts from, its subgoal and the step. Fails if the program does not execute step by step
/// into the task's outputs.
pub fn decompose<D: Domain>(domain: &D, program: &D::Program, spec: Spec<D>) -> Result<Vec<Decomposition<D>>> {
    let steps = domain.steps(program);
    let mut out = Vec::with_capacity(steps.len());
    let mut spec = spec;
    for (k, step) in steps.into_iter().enumerate() {
        let subgoal = domain.run_step_all(&step, &spec.inputs)?;
        let (next, _done) = domain
            .next_spec(&spec, &step, &subgoal)
            .ok_or_else(|| DslError::run(format!("step {} is inconsistent with the specification", k + 1)))?;
        out.push(Decomposition { spec: std::mem::replace(&mut spec, next), subgoal, step });
    }
    Ok(out)
}

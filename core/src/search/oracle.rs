//! Oracle models: they read a task's ground-truth decomposition and put the right next
//! subgoal or step first, so the search can be checked without trained weights.
//!
//! An oracle is a real [`StepModel`]: for each specification it knows a few candidate target
//! sequences with probabilities (the ground truth, plus optional distractors), and for a
//! prefix it returns the next-token distribution of the candidates consistent with it, so a
//! whole candidate's probability is its weight. Specifications that are not on the ground
//! truth's path get a flat distribution that favours stopping. The same beam search and
//! ExeDec loop then run as with a neural model.

use std::collections::HashMap;

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::latent::{FixedCodes, WithFixedCodes};
use super::method::{Method, Models};
use super::model::{EncoderInput, ModelError, StepModel};
use crate::data::{EncodedTask, ModelKind, encode_task, examples};
use crate::domain::{Domain, Task};
use crate::vocab::{BOS, EOS, PAD, Token};

/// Probability mass spread over the whole vocabulary, so that no sequence is impossible.
const SMOOTHING: f64 = 1e-4;

/// Distractors injected next to the ground truth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distractors {
    /// Wrong candidates per specification.
    pub count: usize,
    /// Probability of each wrong candidate (the ground truth keeps the rest).
    pub weight: f64,
    pub seed: u64,
}

/// Target token sequences with their probabilities.
type Candidates = Vec<(Vec<Token>, f64)>;

/// A model that knows the answers.
#[derive(Debug, Clone)]
pub struct OracleModel {
    vocab_size: usize,
    /// Token range that distractors draw replacement tokens from.
    token_range: (Token, Token),
    targets: HashMap<EncoderInput, Candidates>,
}

/// Drops padding and a final EOS, so that look-ups ignore the official encoding quirks.
fn normalize(spec: &EncoderInput) -> EncoderInput {
    let norm = |s: &Vec<Token>| {
        let mut v: Vec<Token> = s.iter().copied().filter(|&t| t != PAD).collect();
        if v.last() == Some(&EOS) {
            v.pop();
        }
        v
    };
    EncoderInput { inputs: spec.inputs.iter().map(norm).collect(), outputs: spec.outputs.iter().map(norm).collect() }
}

impl OracleModel {
    /// An oracle for one model type over the tasks' decompositions. `vocab_size` is the
    /// model's target vocabulary; `separator` the I/O separator (for subgoal targets).
    pub fn new<'a>(
        kind: ModelKind,
        tasks: impl IntoIterator<Item = &'a EncodedTask>,
        vocab_size: usize,
        separator: Token,
    ) -> Self {
        let mut targets: HashMap<EncoderInput, Candidates> = HashMap::new();
        for task in tasks {
            for ex in examples(kind, task, separator) {
                let key = normalize(&EncoderInput { inputs: ex.inputs, outputs: ex.outputs });
                let mut target = ex.target;
                target.pop(); // EOS
                targets.entry(key).or_insert_with(|| vec![(target, 1.0)]);
            }
        }
        OracleModel { vocab_size, token_range: (3, vocab_size.saturating_sub(1) as Token), targets }
    }

    /// Adds `d.count` wrong candidates per specification: the ground truth with one token
    /// replaced by another, each of probability `d.weight`.
    pub fn with_distractors(mut self, d: Distractors) -> Self {
        let mut keys: Vec<&EncoderInput> = self.targets.keys().collect();
        keys.sort_by(|a, b| (&a.inputs, &a.outputs).cmp(&(&b.inputs, &b.outputs)));
        let mut rng = ChaCha8Rng::seed_from_u64(d.seed);
        let mut added: Vec<(EncoderInput, Candidates)> = Vec::new();
        for key in keys {
            let truth = &self.targets[key][0].0;
            let mut extra = Vec::new();
            for _ in 0..d.count {
                let mut wrong = truth.clone();
                if wrong.is_empty() {
                    wrong.push(rng.random_range(self.token_range.0..=self.token_range.1));
                } else {
                    let i = rng.random_range(0..wrong.len());
                    wrong[i] = rng.random_range(self.token_range.0..=self.token_range.1);
                }
                if &wrong != truth {
                    extra.push((wrong, d.weight));
                }
            }
            added.push((key.clone(), extra));
        }
        for (key, extra) in added {
            let c = self.targets.entry(key).or_default();
            let taken: f64 = extra.iter().map(|e| e.1).sum();
            if let Some(t) = c.first_mut() {
                t.1 = (1.0 - taken).max(1e-3);
            }
            c.extend(extra);
        }
        self
    }

    /// Adds one candidate for a specification (for tests that need a particular wrong or
    /// functionally equivalent prediction).
    pub fn add_candidate(&mut self, spec: &EncoderInput, target: Vec<Token>, weight: f64) {
        self.targets.entry(normalize(spec)).or_default().push((target, weight));
    }

    /// The number of specifications the oracle knows.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
}

/// A method's oracle models.
pub type OracleModels = Models<OracleModel, WithFixedCodes<OracleModel>>;

/// A method's oracle models for one task, from its ground truth (with `distractors`, if any,
/// beside it in every model).
pub fn oracle_models<D: Domain>(
    domain: &D,
    task: &Task<D>,
    method: Method,
    distractors: Option<Distractors>,
) -> Result<OracleModels, ModelError> {
    let enc = encode_for_oracle(domain, task)?;
    let oracle = |kind| {
        let o = oracle_for(domain, &enc, kind);
        match distractors {
            Some(d) => o.with_distractors(d),
            None => o,
        }
    };
    // Codes mean what a trained codebook makes them mean, so the oracle proposes a fixed code
    // sequence and the program oracle ignores it: this checks the two-level search.
    let latent = || {
        Ok(WithFixedCodes {
            predictor: FixedCodes { codes: vec![3], vocab: 40, p: 0.9 },
            programs: oracle(ModelKind::Transformer),
        })
    };
    Models::assemble(method, |kind| Ok(oracle(kind)), latent)
}

/// The oracle for one network of a task's search (any but the Latent Programmer's), to stand
/// in for that network beside trained ones ([`OracleOr`]).
pub fn oracle_network<D: Domain>(domain: &D, task: &Task<D>, kind: ModelKind) -> Result<OracleModel, ModelError> {
    if kind == ModelKind::LatentProgrammer {
        return Err(ModelError::Input("the Latent Programmer has no oracle network (its codes are learned)".into()));
    }
    Ok(oracle_for(domain, &encode_for_oracle(domain, task)?, kind))
}

fn encode_for_oracle<D: Domain>(domain: &D, task: &Task<D>) -> Result<EncodedTask, ModelError> {
    encode_task(domain, task).map_err(|e| ModelError::Input(format!("the task has no usable ground truth: {e}")))
}

/// The oracle of one network over an encoded task: subgoals in the I/O vocabulary, steps and
/// programs in the program vocabulary.
fn oracle_for<D: Domain>(domain: &D, enc: &EncodedTask, kind: ModelKind) -> OracleModel {
    let sep = domain.io_vocab().separator().unwrap_or(0);
    let vocab = if kind.predicts_subgoals() { domain.io_vocab().len() } else { domain.program_vocab().len() };
    OracleModel::new(kind, [enc], vocab, sep)
}

/// A network that is either trained or an oracle: a search with one network replaced by its
/// oracle measures how much the others lose to that network's mistakes (`exedec eval --oracle`).
#[derive(Debug, Clone)]
pub enum OracleOr<M> {
    Oracle(OracleModel),
    Model(M),
}

/// The decoding state of an [`OracleOr`].
#[derive(Debug, Clone)]
pub enum OracleOrState<S> {
    Oracle(Vec<OracleRow>),
    Model(S),
}

fn mismatched_state() -> ModelError {
    ModelError::Backend("a decoding state was given to a model that did not start it".into())
}

impl<M: StepModel> StepModel for OracleOr<M> {
    type State = OracleOrState<M::State>;

    fn vocab_size(&self) -> usize {
        match self {
            OracleOr::Oracle(o) => o.vocab_size(),
            OracleOr::Model(m) => m.vocab_size(),
        }
    }

    fn max_target_len(&self) -> usize {
        match self {
            OracleOr::Oracle(o) => o.max_target_len(),
            OracleOr::Model(m) => m.max_target_len(),
        }
    }

    fn max_io_len(&self) -> usize {
        match self {
            OracleOr::Oracle(o) => o.max_io_len(),
            OracleOr::Model(m) => m.max_io_len(),
        }
    }

    fn start(&self, specs: &[EncoderInput]) -> Result<Self::State, ModelError> {
        Ok(match self {
            OracleOr::Oracle(o) => OracleOrState::Oracle(o.start(specs)?),
            OracleOr::Model(m) => OracleOrState::Model(m.start(specs)?),
        })
    }

    async fn next_log_probs(&self, state: &mut Self::State, tokens: &[Token]) -> Result<Vec<f32>, ModelError> {
        match (self, state) {
            (OracleOr::Oracle(o), OracleOrState::Oracle(s)) => o.next_log_probs(s, tokens).await,
            (OracleOr::Model(m), OracleOrState::Model(s)) => m.next_log_probs(s, tokens).await,
            _ => Err(mismatched_state()),
        }
    }

    fn reorder(&self, state: &mut Self::State, parents: &[usize]) -> Result<(), ModelError> {
        match (self, state) {
            (OracleOr::Oracle(o), OracleOrState::Oracle(s)) => o.reorder(s, parents),
            (OracleOr::Model(m), OracleOrState::Model(s)) => m.reorder(s, parents),
            _ => Err(mismatched_state()),
        }
    }
}

/// One row: the candidates of its specification and the prefix decoded so far.
#[derive(Debug, Clone)]
pub struct OracleRow {
    candidates: Option<Candidates>,
    prefix: Vec<Token>,
}

impl StepModel for OracleModel {
    type State = Vec<OracleRow>;

    fn vocab_size(&self) -> usize {
        self.vocab_size
    }

    fn max_target_len(&self) -> usize {
        256
    }

    fn max_io_len(&self) -> usize {
        usize::MAX
    }

    fn start(&self, specs: &[EncoderInput]) -> Result<Vec<OracleRow>, ModelError> {
        Ok(specs
            .iter()
            .map(|s| OracleRow { candidates: self.targets.get(&normalize(s)).cloned(), prefix: Vec::new() })
            .collect())
    }

    async fn next_log_probs(&self, state: &mut Vec<OracleRow>, tokens: &[Token]) -> Result<Vec<f32>, ModelError> {
        if tokens.len() != state.len() {
            return Err(ModelError::Backend("one token per row expected".into()));
        }
        let v = self.vocab_size;
        let mut out = Vec::with_capacity(state.len() * v);
        let mut mass = vec![0.0f64; v];
        for (row, &tok) in state.iter_mut().zip(tokens) {
            if tok != BOS {
                row.prefix.push(tok);
            }
            mass.iter_mut().for_each(|m| *m = 0.0);
            let mut total = 0.0;
            for (target, w) in row.candidates.iter().flatten() {
                let n = row.prefix.len();
                if n <= target.len() && target[..n] == row.prefix[..] {
                    let next = if n < target.len() { target[n] } else { EOS } as usize;
                    if next < v {
                        mass[next] += w;
                        total += w;
                    }
                }
            }
            if total == 0.0 {
                // Off the ground truth's path: most likely stop here.
                mass[EOS as usize] = 1.0;
                total = 1.0;
            }
            out.extend(mass.iter().map(|m| ((1.0 - SMOOTHING) * m / total + SMOOTHING / v as f64).ln() as f32));
        }
        Ok(out)
    }

    fn reorder(&self, state: &mut Vec<OracleRow>, parents: &[usize]) -> Result<(), ModelError> {
        let old = std::mem::take(state);
        *state = parents.iter().map(|&p| old[p].clone()).collect();
        Ok(())
    }
}

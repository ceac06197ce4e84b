//! Random RobustFill tasks (the official `tasks/robust_fill/sample_random.py`) and the split
//! distributions (`dataset/write_data.py`, `generate_task_for_experiment`).
//!
//! Inputs are built from random "tokens" (delimiters and regex-class strings), and the counts
//! of what was sampled steer the expression samplers so that indices point at matches that
//! exist. Expression samplers resample until their output is non-empty on every input, and
//! pools are nested lists with a uniform choice at every level, exactly as in the official
//! samplers. Every rejection loop is bounded: a task whose inputs make some sampler give up
//! is redrawn with new inputs, so sampling never hangs.

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

use super::ast::{Boundary, CHARACTERS, Case, DELIMITERS, Expr, Family, Program, Regex, RegexType};
use super::eval::Interpreter;
use super::value::Text;
use crate::splits::{Part, Split};

/// Number of examples per task in the benchmark.
pub const NUM_EXAMPLES: usize = 4;
/// Maximum number of input tokens (`max_input_tokens`).
pub const MAX_INPUT_TOKENS: u32 = 5;
/// Maximum repetitions of a token (`max_k`).
pub const MAX_K: u32 = 3;
/// Maximum input length.
pub const MAX_INPUT_LENGTH: usize = 20;
/// Maximum characters of a sampled regex-class string body.
const MAX_TOKEN_LENGTH: u32 = 4;
/// Bound on every rejection loop (the official code loops without bound).
const MAX_ATTEMPTS: usize = 1000;

/// Random inputs and what they were built from.
#[derive(Debug, Clone)]
pub struct SampledInputs {
    pub inputs: Vec<Text>,
    /// Delimiters that occur, with their counts (insertion order).
    pub delimiters: Vec<(u8, u32)>,
    /// Regex types that were sampled (plus CHAR), with their counts.
    pub types: Vec<(RegexType, u32)>,
}

fn bump<K: PartialEq>(counts: &mut Vec<(K, u32)>, key: K, by: u32) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some((_, c)) => *c += by,
        None => counts.push((key, by)),
    }
}

/// A delimiter followed by a random body of the type's characters.
fn sample_type_string<R: Rng + ?Sized>(rng: &mut R, t: RegexType, out: &mut Vec<u8>) {
    const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"0123456789";
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let body = |alphabet: &[u8], n: u32, out: &mut Vec<u8>, rng: &mut R| {
        for _ in 0..n {
            out.push(alphabet[rng.random_range(0..alphabet.len())]);
        }
    };
    if t == RegexType::PropCase {
        let n = rng.random_range(1..=MAX_TOKEN_LENGTH - 1);
        out.push(DELIMITERS[rng.random_range(0..DELIMITERS.len())]);
        body(UPPER, 1, out, rng);
        body(LOWER, n, out, rng);
        return;
    }
    let n = rng.random_range(1..=MAX_TOKEN_LENGTH);
    out.push(DELIMITERS[rng.random_range(0..DELIMITERS.len())]);
    let alphabet = match t {
        RegexType::Number | RegexType::Digit => DIGITS,
        RegexType::Word => LETTERS,
        RegexType::Alphanum | RegexType::Char => ALNUM,
        RegexType::AllCaps => UPPER,
        RegexType::Lower | RegexType::PropCase => LOWER,
    };
    body(alphabet, n, out, rng);
}

/// Samples `num_examples` inputs (`sample_inputs`).
pub fn sample_inputs<R: Rng + ?Sized>(rng: &mut R, num_examples: usize) -> SampledInputs {
    let mut delimiters: Vec<(u8, u32)> = Vec::new();
    let mut types: Vec<(RegexType, u32)> = Vec::new();
    // Per example: the pieces' bytes back to back, and each piece's (start, end).
    let mut bytes: Vec<Vec<u8>> = vec![Vec::with_capacity(64); num_examples];
    let mut pieces: Vec<Vec<(u8, u8)>> = vec![Vec::with_capacity(16); num_examples];
    let n_toks = rng.random_range(3..=MAX_INPUT_TOKENS);
    for _ in 0..n_toks {
        if rng.random_range(1..=3) == 1 {
            let d = DELIMITERS[rng.random_range(0..DELIMITERS.len())];
            let k = rng.random_range(1..=MAX_K);
            bump(&mut delimiters, d, k);
            for _ in 0..k {
                for (b, p) in bytes.iter_mut().zip(pieces.iter_mut()) {
                    p.push((b.len() as u8, b.len() as u8 + 1));
                    b.push(d);
                }
            }
        } else {
            let t = RegexType::ALL[rng.random_range(0..RegexType::ALL.len())];
            let k = rng.random_range(1..=MAX_K);
            bump(&mut types, t, k);
            for _ in 0..k {
                for (b, p) in bytes.iter_mut().zip(pieces.iter_mut()) {
                    let start = b.len();
                    sample_type_string(rng, t, b);
                    bump(&mut delimiters, b[start], 1);
                    p.push((start as u8, b.len() as u8));
                }
            }
        }
        if bytes.iter().map(Vec::len).max().unwrap_or(0) >= MAX_INPUT_LENGTH {
            break;
        }
    }
    let inputs: Vec<Text> = bytes
        .iter()
        .zip(pieces.iter_mut())
        .map(|(b, p)| {
            p.shuffle(rng);
            let mut s = Vec::with_capacity(MAX_INPUT_LENGTH);
            for &(start, end) in p.iter() {
                s.extend_from_slice(&b[start as usize..end as usize]);
                if s.len() >= MAX_INPUT_LENGTH {
                    break;
                }
            }
            s.truncate(MAX_INPUT_LENGTH);
            Text::from_alphabet_bytes(s)
        })
        .collect();
    // Everything is a character.
    let longest = inputs.iter().map(Text::len).max().unwrap_or(0) as u32;
    match types.iter_mut().find(|(t, _)| *t == RegexType::Char) {
        Some((_, c)) => *c = longest,
        None => types.push((RegexType::Char, longest)),
    }
    SampledInputs { inputs, delimiters, types }
}

/// The expression samplers of the official code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampler {
    Const,
    SubStr,
    GetSpan,
    GetToken,
    GetUpto,
    GetFrom,
    ToCase,
    Replace,
    Trim,
    GetFirst,
    GetAll,
    Substitute,
    SubstituteAll,
    Remove,
    RemoveAll,
    ComposeModification,
    ComposeSubstring,
}

/// A sampler pool: a nested list with a uniform choice at every level.
#[derive(Debug, Clone, Copy)]
pub enum Pool {
    Leaf(Sampler),
    Choice(&'static [Pool]),
}

use Sampler as S;

pub const ALL_SUBSTRING: Pool = Pool::Choice(&[
    Pool::Leaf(S::SubStr),
    Pool::Leaf(S::GetSpan),
    Pool::Leaf(S::GetToken),
    Pool::Leaf(S::GetUpto),
    Pool::Leaf(S::GetFrom),
]);

pub const ALL_MODIFICATION: Pool = Pool::Choice(&[
    Pool::Leaf(S::ToCase),
    Pool::Leaf(S::Replace),
    Pool::Leaf(S::Trim),
    Pool::Leaf(S::GetFirst),
    Pool::Leaf(S::GetAll),
    Pool::Leaf(S::Substitute),
    Pool::Leaf(S::SubstituteAll),
    Pool::Leaf(S::Remove),
    Pool::Leaf(S::RemoveAll),
]);

/// Substring, Modification, Compose and ConstStr each with probability 1/4.
pub const POOL_ALL: Pool = Pool::Choice(&[
    ALL_SUBSTRING,
    ALL_MODIFICATION,
    Pool::Choice(&[Pool::Leaf(S::ComposeModification), Pool::Leaf(S::ComposeSubstring)]),
    Pool::Leaf(S::Const),
]);

pub const POOL_NO_COMPOSE: Pool = Pool::Choice(&[ALL_SUBSTRING, ALL_MODIFICATION, Pool::Leaf(S::Const)]);

pub const POOL_NO_COMPOSE_SUBSTRING: Pool =
    Pool::Choice(&[ALL_SUBSTRING, ALL_MODIFICATION, Pool::Leaf(S::ComposeModification), Pool::Leaf(S::Const)]);

pub const POOL_ONLY_COMPOSE: Pool =
    Pool::Choice(&[Pool::Leaf(S::ComposeModification), Pool::Leaf(S::ComposeSubstring)]);

/// The 9 modification samplers and ConstStr in one flat list (ConstStr has probability 1/10).
pub const POOL_MODIFY_OR_CONST: Pool = Pool::Choice(&[
    Pool::Leaf(S::ToCase),
    Pool::Leaf(S::Replace),
    Pool::Leaf(S::Trim),
    Pool::Leaf(S::GetFirst),
    Pool::Leaf(S::GetAll),
    Pool::Leaf(S::Substitute),
    Pool::Leaf(S::SubstituteAll),
    Pool::Leaf(S::Remove),
    Pool::Leaf(S::RemoveAll),
    Pool::Leaf(S::Const),
]);

/// A sampler gave up (some rejection loop hit its bound); the task is redrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stuck;

/// The state shared by the expression samplers for one set of inputs.
pub struct ExprSampler<'a> {
    pub sampled: &'a SampledInputs,
    interp: Interpreter,
    out: Vec<u8>,
}

impl<'a> ExprSampler<'a> {
    pub fn new(sampled: &'a SampledInputs) -> Self {
        ExprSampler { sampled, interp: Interpreter::new(), out: Vec::new() }
    }

    /// Non-empty on every input (an error counts as empty).
    fn non_empty(&mut self, e: &Expr) -> bool {
        for input in &self.sampled.inputs {
            self.out.clear();
            if self.interp.eval_expr(e, input.as_bytes(), &mut self.out).is_err() || self.out.is_empty() {
                return false;
            }
        }
        true
    }

    fn retry<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        mut make: impl FnMut(&mut Self, &mut R) -> Result<Expr, Stuck>,
    ) -> Result<Expr, Stuck> {
        for _ in 0..MAX_ATTEMPTS {
            let e = make(self, rng)?;
            if self.non_empty(&e) {
                return Ok(e);
            }
        }
        Err(Stuck)
    }

    fn random_type<R: Rng + ?Sized>(&self, rng: &mut R) -> (RegexType, u32) {
        self.sampled.types[rng.random_range(0..self.sampled.types.len())]
    }

    fn random_delimiter<R: Rng + ?Sized>(&self, rng: &mut R) -> (u8, u32) {
        self.sampled.delimiters[rng.random_range(0..self.sampled.delimiters.len())]
    }

    /// An index from INDEX whose magnitude is at most `count`.
    fn random_index<R: Rng + ?Sized>(rng: &mut R, count: u32) -> i8 {
        let k = count.min(5) as usize;
        // INDEX = [-5..-1, 1..5]; the allowed ones are [-k..-1] and [1..k].
        let r = rng.random_range(0..2 * k);
        if r < k { -((k - r) as i8) } else { (r - k + 1) as i8 }
    }

    /// A regex argument: a seen delimiter with probability 1/2 (if any), else a seen type.
    fn random_regex<R: Rng + ?Sized>(&self, rng: &mut R) -> (Regex, u32) {
        if !self.sampled.delimiters.is_empty() && rng.random_range(1..=2) == 1 {
            let (d, c) = self.random_delimiter(rng);
            (Regex::Delimiter(d), c)
        } else {
            let (t, c) = self.random_type(rng);
            (Regex::Type(t), c)
        }
    }

    /// Draws from a pool until some sampler returns an expression (`random_expression`).
    pub fn expression<R: Rng + ?Sized>(&mut self, rng: &mut R, pool: Pool) -> Result<Expr, Stuck> {
        for _ in 0..MAX_ATTEMPTS {
            let mut p = pool;
            let sampler = loop {
                match p {
                    Pool::Leaf(s) => break s,
                    Pool::Choice(options) => p = options[rng.random_range(0..options.len())],
                }
            };
            if let Some(e) = self.sample(rng, sampler)? {
                return Ok(e);
            }
        }
        Err(Stuck)
    }

    /// One sampler; `None` where the official sampler returns None (Trim, Remove, RemoveAll).
    pub fn sample<R: Rng + ?Sized>(&mut self, rng: &mut R, sampler: Sampler) -> Result<Option<Expr>, Stuck> {
        let e = match sampler {
            S::Const => Expr::const_str(*CHARACTERS.choose(rng).unwrap_or(&b'a')),
            S::SubStr => self.retry(rng, |this, rng| {
                let m = this.sampled.inputs.iter().map(Text::len).min().unwrap_or(0) as i32;
                let p1 = rng.random_range(-m + 1..=m.max(-m + 1));
                let p2 = if p1 > 0 { rng.random_range(p1..=m) } else { rng.random_range(p1..=0) };
                Ok(Expr::sub_str(p1 as i8, p2 as i8))
            })?,
            S::GetSpan => self.retry(rng, |this, rng| {
                let (r1, c1) = this.random_regex(rng);
                let i1 = Self::random_index(rng, c1);
                let (r2, c2) = this.random_regex(rng);
                let i2 = Self::random_index(rng, c2);
                let b1 = *Boundary::ALL.choose(rng).unwrap_or(&Boundary::Start);
                let b2 = *Boundary::ALL.choose(rng).unwrap_or(&Boundary::End);
                Ok(Expr::get_span(r1, i1, b1, r2, i2, b2))
            })?,
            S::GetToken | S::GetFirst => self.retry(rng, |this, rng| {
                let (t, c) = this.random_type(rng);
                let i = Self::random_index(rng, c);
                Ok(if sampler == S::GetToken { Expr::get_token(t, i) } else { Expr::get_first(t, i) })
            })?,
            S::GetUpto | S::GetFrom => self.retry(rng, |this, rng| {
                let (r, _) = this.random_regex(rng);
                Ok(if sampler == S::GetUpto { Expr::get_upto(r) } else { Expr::get_from(r) })
            })?,
            S::ToCase => Expr::to_case(*Case::ALL.choose(rng).unwrap_or(&Case::Lower)),
            S::Replace => {
                let (d1, _) = self.random_delimiter(rng);
                Expr::replace(d1, *DELIMITERS.choose(rng).unwrap_or(&b' '))
            }
            S::Trim => {
                let e = Expr::trim();
                if !self.non_empty(&e) {
                    return Ok(None);
                }
                e
            }
            S::GetAll => self.retry(rng, |this, rng| Ok(Expr::get_all(this.random_type(rng).0)))?,
            S::Substitute => {
                let (t, c) = self.random_type(rng);
                let i = Self::random_index(rng, c);
                Expr::substitute(t, i, *CHARACTERS.choose(rng).unwrap_or(&b'a'))
            }
            S::SubstituteAll => {
                let (t, _) = self.random_type(rng);
                Expr::substitute_all(t, *CHARACTERS.choose(rng).unwrap_or(&b'a'))
            }
            S::Remove | S::RemoveAll => {
                let mut order: smallvec::SmallVec<[(RegexType, u32); 8]> = self.sampled.types.iter().copied().collect();
                order.shuffle(rng);
                for (t, c) in order {
                    let e = if sampler == S::Remove {
                        Expr::remove(t, Self::random_index(rng, c))
                    } else {
                        Expr::remove_all(t)
                    };
                    if self.non_empty(&e) {
                        return Ok(Some(e));
                    }
                }
                return Ok(None);
            }
            S::ComposeModification | S::ComposeSubstring => self.retry(rng, |this, rng| {
                let outer = this.expression(rng, ALL_MODIFICATION)?;
                let inner_pool = if sampler == S::ComposeModification { ALL_MODIFICATION } else { ALL_SUBSTRING };
                let inner = this.expression(rng, inner_pool)?;
                Expr::compose(outer, inner).ok_or(Stuck)
            })?,
        };
        Ok(Some(e))
    }
}

/// How a split draws a program (one row of the distribution table).
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// `n` expressions uniform in `lengths`, each drawn from `pool`.
    Uniform { lengths: (usize, usize), pool: Pool },
    /// One pool for the whole program, chosen uniformly from `pools`.
    PoolPerProgram { lengths: (usize, usize), pools: &'static [Pool] },
    /// The first ⌊n/2⌋ expressions from `first`, the rest from `second`.
    Halves { lengths: (usize, usize), first: Pool, second: Pool },
    /// With probability `p` a program of shape `a`, else of shape `b`.
    Mixture { p: f64, a: &'static Shape, b: &'static Shape },
}

/// Which programs a test distribution keeps (the official `keep_fn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    All,
    /// At least one Substring expression and one Modification or ConstStr.
    SubstringAndModifyOrConst,
    /// At least one Compose.
    HasCompose,
    /// At least one Compose whose inner expression is a Substring.
    HasComposeOfSubstring,
}

impl Keep {
    pub fn keeps(self, p: &Program) -> bool {
        let has = |f: &dyn Fn(&Expr) -> bool| p.exprs.iter().any(f);
        match self {
            Keep::All => true,
            Keep::SubstringAndModifyOrConst => {
                has(&|e| e.family() == Family::Substring)
                    && has(&|e| matches!(e.family(), Family::Modification | Family::Const))
            }
            Keep::HasCompose => has(&|e| e.family() == Family::Compose),
            Keep::HasComposeOfSubstring => {
                has(&|e| matches!(e, Expr::Compose { inner, .. } if inner.op.family() == Family::Substring))
            }
        }
    }
}

/// A split's distribution of programs for one part.
#[derive(Debug, Clone, Copy)]
pub struct Distribution {
    pub shape: Shape,
    pub keep: Keep,
}

/// The table of the twelve RobustFill distributions (the official `generate_task_for_experiment`).
pub fn distribution(split: Split, part: Part) -> Distribution {
    const CNO_ONE_COMPOSE: Shape = Shape::Uniform { lengths: (1, 1), pool: POOL_ONLY_COMPOSE };
    const CNO_NO_COMPOSE: Shape = Shape::Uniform { lengths: (2, 6), pool: POOL_NO_COMPOSE };
    const CDC_GROUPS: Pool = Pool::Choice(&[ALL_SUBSTRING, POOL_MODIFY_OR_CONST]);
    let train = part.is_train_distribution();
    let (shape, keep) = match (split, train) {
        (Split::None, _) => (Shape::Uniform { lengths: (1, 10), pool: POOL_ALL }, Keep::All),
        (Split::LengthGeneralization, true) => (Shape::Uniform { lengths: (1, 6), pool: POOL_ALL }, Keep::All),
        (Split::LengthGeneralization, false) => (Shape::Uniform { lengths: (7, 10), pool: POOL_ALL }, Keep::All),
        (Split::ComposeDifferentConcepts, true) => {
            (Shape::PoolPerProgram { lengths: (2, 6), pools: &[ALL_SUBSTRING, POOL_MODIFY_OR_CONST] }, Keep::All)
        }
        (Split::ComposeDifferentConcepts, false) => {
            (Shape::Uniform { lengths: (2, 6), pool: CDC_GROUPS }, Keep::SubstringAndModifyOrConst)
        }
        (Split::SwitchConceptOrder, true) => {
            (Shape::Halves { lengths: (2, 6), first: ALL_SUBSTRING, second: POOL_MODIFY_OR_CONST }, Keep::All)
        }
        (Split::SwitchConceptOrder, false) => {
            (Shape::Halves { lengths: (2, 6), first: POOL_MODIFY_OR_CONST, second: ALL_SUBSTRING }, Keep::All)
        }
        (Split::ComposeNewOp, true) => (Shape::Mixture { p: 0.25, a: &CNO_ONE_COMPOSE, b: &CNO_NO_COMPOSE }, Keep::All),
        (Split::ComposeNewOp, false) => (Shape::Uniform { lengths: (2, 6), pool: POOL_ALL }, Keep::HasCompose),
        (Split::AddOpFunctionality, true) => {
            (Shape::Uniform { lengths: (1, 6), pool: POOL_NO_COMPOSE_SUBSTRING }, Keep::All)
        }
        (Split::AddOpFunctionality, false) => {
            (Shape::Uniform { lengths: (1, 6), pool: POOL_ALL }, Keep::HasComposeOfSubstring)
        }
    };
    Distribution { shape, keep }
}

/// A sampled task: inputs, the program and its outputs.
#[derive(Debug, Clone)]
pub struct SampledTask {
    pub inputs: Vec<Text>,
    pub outputs: Vec<Text>,
    pub program: Program,
}

/// Draws a program of a given shape for sampled inputs; `keep` rejections redraw the
/// program with the same inputs and length.
fn draw_program<R: Rng + ?Sized>(
    rng: &mut R,
    sampler: &mut ExprSampler<'_>,
    shape: Shape,
    keep: Keep,
) -> Result<Program, Stuck> {
    let shape = match shape {
        Shape::Mixture { p, a, b } => {
            if rng.random_bool(p) {
                *a
            } else {
                *b
            }
        }
        s => s,
    };
    let (lo, hi) = match shape {
        Shape::Uniform { lengths, .. } | Shape::PoolPerProgram { lengths, .. } | Shape::Halves { lengths, .. } => {
            lengths
        }
        Shape::Mixture { .. } => return Err(Stuck),
    };
    let n = rng.random_range(lo..=hi);
    for _ in 0..MAX_ATTEMPTS {
        let pools: Vec<Pool> = match shape {
            Shape::Uniform { pool, .. } => vec![pool; n],
            Shape::PoolPerProgram { pools, .. } => vec![*pools.choose(rng).ok_or(Stuck)?; n],
            Shape::Halves { first, second, .. } => (0..n).map(|i| if i < n / 2 { first } else { second }).collect(),
            Shape::Mixture { .. } => return Err(Stuck),
        };
        let exprs = pools.into_iter().map(|pool| sampler.expression(rng, pool)).collect::<Result<Vec<_>, _>>()?;
        let program = Program::new(exprs);
        if keep.keeps(&program) {
            return Ok(program);
        }
    }
    Err(Stuck)
}

/// Samples a task of a split's train or test distribution.
pub fn random_task<R: Rng + ?Sized>(rng: &mut R, split: Split, part: Part) -> SampledTask {
    let dist = distribution(split, part);
    loop {
        let sampled = sample_inputs(rng, NUM_EXAMPLES);
        let mut sampler = ExprSampler::new(&sampled);
        let Ok(program) = draw_program(rng, &mut sampler, dist.shape, dist.keep) else { continue };
        let mut interp = Interpreter::new();
        let outputs: Option<Vec<Text>> = sampled.inputs.iter().map(|i| interp.run(&program, i).ok()).collect();
        match outputs {
            Some(outputs) if outputs.iter().all(|o| !o.is_empty()) => {
                return SampledTask { inputs: sampled.inputs, outputs, program };
            }
            _ => continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ast::INDICES;
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn inputs_follow_the_spec() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..500 {
            let s = sample_inputs(&mut rng, 4);
            assert_eq!(s.inputs.len(), 4);
            assert!(s.inputs.iter().all(|i| (1..=20).contains(&i.len())));
            let char_count = s.types.iter().find(|(t, _)| *t == RegexType::Char).unwrap().1;
            assert_eq!(char_count as usize, s.inputs.iter().map(Text::len).max().unwrap());
            assert!(!s.delimiters.is_empty());
        }
    }

    #[test]
    fn indices_respect_counts() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            let i = ExprSampler::random_index(&mut rng, 2);
            assert!(INDICES.contains(&i) && i.abs() <= 2);
            seen.insert(i);
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [-2, -1, 1, 2]);
    }

    #[test]
    fn tasks_reexecute_and_are_deterministic() {
        for split in Split::ALL {
            for part in [Part::Train, Part::Test] {
                let mut a = ChaCha8Rng::seed_from_u64(7);
                let mut b = ChaCha8Rng::seed_from_u64(7);
                for _ in 0..50 {
                    let t = random_task(&mut a, split, part);
                    let u = random_task(&mut b, split, part);
                    assert_eq!(t.program, u.program);
                    let mut it = Interpreter::new();
                    for (i, o) in t.inputs.iter().zip(&t.outputs) {
                        assert_eq!(&it.run(&t.program, i).unwrap(), o);
                        assert!(!o.is_empty());
                    }
                }
            }
        }
    }
}

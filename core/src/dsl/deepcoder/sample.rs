//! Random DeepCoder tasks (the official `tasks/deepcoder/old_sample_random.py` and
//! `sample_random.py`) and the split distributions (`sample_random.py`,
//! `sample_programs_experiment`).
//!
//! Programs are found by a randomized depth-first *search* over statements for one shared set
//! of example inputs: candidates are every op × matching lambda × existing variables of the
//! right types, filtered by the unused-variable rule, and kept only if they run on every
//! example, are not redundant and are new among their siblings. Complete programs with dead
//! code or duplicate/constant outputs are rejected. Early stopping prunes the deep levels.
//! Programs of the train and test distributions are collected by output, cross-filtered so
//! that a test program has no equally short train equivalent, and drawn evenly over lengths.

use std::hash::BuildHasherDefault;

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rustc_hash::FxHasher;
use smallvec::SmallVec;

use super::ops::{self, Lambda, Op, Type};
use super::program::{MAX_NUM_VARIABLES, Program, Statement, Var};
use super::value::{MAX_LIST_LENGTH, Value};
use crate::splits::{Part, Split};

type FxHashSet<K> = std::collections::HashSet<K, BuildHasherDefault<FxHasher>>;
type FxHashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Number of examples per task in the benchmark.
pub const NUM_EXAMPLES: usize = 3;
/// Maximum number of program inputs.
pub const MAX_PROGRAM_ARITY: usize = 2;
/// Programs per search for the train part (the official full-data setting).
pub const TRAIN_PROGRAMS_PER_SEARCH: usize = 1000;
/// Programs per search for the valid and test parts.
pub const TEST_PROGRAMS_PER_SEARCH: usize = 10;
/// Bound on the redraws of example inputs (the official code loops without bound).
const MAX_ATTEMPTS: usize = 1000;

/// The ten first-order ops and Map.
pub const FIRST_ORDER_AND_MAP: &[Op] = &[
    Op::Head,
    Op::Last,
    Op::Take,
    Op::Drop,
    Op::Access,
    Op::Minimum,
    Op::Maximum,
    Op::Reverse,
    Op::Sort,
    Op::Sum,
    Op::Map,
];
/// Filter, Count, ZipWith and Scanl1.
pub const HIGHER_ORDER_NO_MAP: &[Op] = &[Op::Filter, Op::Count, Op::ZipWith, Op::Scanl1];
/// Every op but Scanl1.
pub const OPERATIONS_NO_SCAN: &[Op] = &[
    Op::Head,
    Op::Last,
    Op::Take,
    Op::Drop,
    Op::Access,
    Op::Minimum,
    Op::Maximum,
    Op::Reverse,
    Op::Sort,
    Op::Sum,
    Op::Map,
    Op::Filter,
    Op::Count,
    Op::ZipWith,
];
/// All ops.
pub const OPERATIONS: &[Op] = Op::ALL;
/// The Scanl1 lambdas of ADD_OP_FUNCTIONALITY's train distribution.
pub const LAMBDAS_ONLY_MINUS_MIN: &[Lambda] = &[Lambda::Subtract, Lambda::Min];

/// Which complete programs a distribution keeps (the official `keep_fn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    All,
    /// Uses an op of FIRST_ORDER_AND_MAP and one of HIGHER_ORDER_NO_MAP.
    BothGroups,
    /// Contains Scanl1.
    HasScanl1,
    /// Contains `Scanl1 (+)`, `Scanl1 (*)` or `Scanl1 (max)`.
    HasNewScanl1,
}

impl Keep {
    pub fn keeps(self, statements: &[Statement]) -> bool {
        let any = |f: &dyn Fn(&Statement) -> bool| statements.iter().any(f);
        match self {
            Keep::All => true,
            Keep::BothGroups => {
                any(&|s| FIRST_ORDER_AND_MAP.contains(&s.op)) && any(&|s| HIGHER_ORDER_NO_MAP.contains(&s.op))
            }
            Keep::HasScanl1 => any(&|s| s.op == Op::Scanl1),
            Keep::HasNewScanl1 => {
                any(&|s| s.op == Op::Scanl1 && matches!(s.lambda, Some(Lambda::Add | Lambda::Multiply | Lambda::Max)))
            }
        }
    }
}

/// The ops a search may use.
#[derive(Debug, Clone, Copy)]
pub enum Ops {
    /// The same ops at every position; each group is searched separately.
    Groups(&'static [&'static [Op]]),
    /// Statements before ⌊n/2⌋ from `first`, the rest from `second`.
    Halves { first: &'static [Op], second: &'static [Op] },
}

/// One distribution (train or test) of a split: one row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Distribution {
    pub lengths: &'static [usize],
    pub ops: Ops,
    pub keep: Keep,
    /// Restricts the lambdas Scanl1 may take.
    pub scanl1_lambdas: Option<&'static [Lambda]>,
}

/// How a split's programs for one generated part are drawn.
#[derive(Debug, Clone, Copy)]
pub struct SplitSpec {
    pub train: Distribution,
    pub test: Distribution,
    /// Draw CDC's per-length train quota evenly from the two op groups.
    pub balance_groups: bool,
    /// A fraction of the train tasks replaced by fresh length-1 tasks of these ops.
    pub extra_new_op: Option<(&'static [Op], usize)>,
}

const ALL_OPS: Ops = Ops::Groups(&[OPERATIONS]);

/// The table of DeepCoder distributions (the official `sample_programs_experiment`). NONE's train
/// and test distributions are the same, so a NONE search only searches the part being generated.
pub fn split_spec(split: Split) -> SplitSpec {
    let dist = |lengths, ops, keep| Distribution { lengths, ops, keep, scanl1_lambdas: None };
    let (train, test) = match split {
        Split::None => (dist(&[1, 2, 3, 4, 5], ALL_OPS, Keep::All), dist(&[1, 2, 3, 4, 5], ALL_OPS, Keep::All)),
        Split::LengthGeneralization => (dist(&[1, 2, 3, 4], ALL_OPS, Keep::All), dist(&[5], ALL_OPS, Keep::All)),
        Split::ComposeDifferentConcepts => (
            dist(&[2, 3, 4], Ops::Groups(&[FIRST_ORDER_AND_MAP, HIGHER_ORDER_NO_MAP]), Keep::All),
            dist(&[2, 3, 4], ALL_OPS, Keep::BothGroups),
        ),
        Split::SwitchConceptOrder => (
            dist(&[2, 3, 4], Ops::Halves { first: HIGHER_ORDER_NO_MAP, second: FIRST_ORDER_AND_MAP }, Keep::All),
            dist(&[2, 3, 4], Ops::Halves { first: FIRST_ORDER_AND_MAP, second: HIGHER_ORDER_NO_MAP }, Keep::All),
        ),
        Split::ComposeNewOp => (
            dist(&[2, 3, 4], Ops::Groups(&[OPERATIONS_NO_SCAN]), Keep::All),
            dist(&[2, 3, 4], ALL_OPS, Keep::HasScanl1),
        ),
        Split::AddOpFunctionality => (
            Distribution { scanl1_lambdas: Some(LAMBDAS_ONLY_MINUS_MIN), ..dist(&[1, 2, 3, 4], ALL_OPS, Keep::All) },
            dist(&[1, 2, 3, 4], ALL_OPS, Keep::HasNewScanl1),
        ),
    };
    SplitSpec {
        train,
        test,
        balance_groups: split == Split::ComposeDifferentConcepts,
        extra_new_op: (split == Split::ComposeNewOp).then_some((&[Op::Scanl1][..], 4)),
    }
}

/// Random example inputs (`random_inputs`): one list input plus `num_inputs - 1` ints or
/// lists, shuffled; per list input one value range and one length range for all examples;
/// all examples distinct. `None` if distinct examples could not be drawn.
pub fn random_inputs<R: Rng + ?Sized>(
    rng: &mut R,
    num_examples: usize,
    num_inputs: usize,
    types: Option<&[Type]>,
) -> Option<Vec<Vec<Value>>> {
    const INT_RANGES: [(i64, i64); 4] = [(0, 4), (0, 9), (-10, 10), (-50, 50)];
    const LENGTH_RANGES: [(usize, usize); 2] = [(1, 3), (0, MAX_LIST_LENGTH)];
    let types: Vec<Type> = match types {
        Some(t) => t.to_vec(),
        None => {
            let mut t = vec![Type::List];
            t.extend((1..num_inputs).map(|_| if rng.random_bool(0.5) { Type::Int } else { Type::List }));
            t.shuffle(rng);
            t
        }
    };
    let int_ranges: Vec<(i64, i64)> = (0..num_inputs).map(|_| INT_RANGES[rng.random_range(0..4)]).collect();
    let length_ranges: Vec<(usize, usize)> = (0..num_inputs).map(|_| LENGTH_RANGES[rng.random_range(0..2)]).collect();
    let mut examples: Vec<Vec<Value>> = Vec::with_capacity(num_examples);
    for _ in 0..MAX_ATTEMPTS {
        if examples.len() == num_examples {
            break;
        }
        let ex: Vec<Value> = types
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                Type::Int => Value::Int(rng.random_range(0..=MAX_LIST_LENGTH as i8)),
                _ => {
                    let (lo, hi) = int_ranges[i];
                    let (a, b) = length_ranges[i];
                    let n = rng.random_range(a..=b);
                    Value::List((0..n).map(|_| rng.random_range(lo..=hi) as i8).collect())
                }
            })
            .collect();
        if !examples.contains(&ex) {
            examples.push(ex);
        }
    }
    (examples.len() == num_examples).then_some(examples)
}

/// A statement during the search: op, lambda and argument positions in the variable list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cand {
    op: Op,
    lambda: Option<Lambda>,
    args: [u8; 2],
    nargs: u8,
}

impl Cand {
    fn args(&self) -> &[u8] {
        &self.args[..self.nargs as usize]
    }
}

/// A program found by the search: statements over variable positions (inputs first).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    /// Variable (position) assigned by each statement, after the inputs.
    lhs: SmallVec<[Var; 5]>,
    cands: SmallVec<[Cand; 5]>,
}

/// One search: the shared inputs and the state of the depth-first enumeration.
struct Search<'a, R: Rng + ?Sized> {
    rng: &'a mut R,
    canonical: bool,
    /// Values per example: inputs, then one per statement on the current path.
    states: Vec<Vec<Value>>,
    /// Variable names: inputs, then the statements on the current path.
    vars: Vec<Var>,
    path: SmallVec<[Cand; 5]>,
}

/// The programs of one distribution, keyed by their outputs, in insertion order (the first,
/// i.e. shortest, program of each output is kept).
#[derive(Default)]
struct ByOutput {
    index: FxHashMap<Vec<Value>, usize>,
    entries: Vec<(Vec<Value>, Found)>,
}

impl ByOutput {
    fn insert_if_new(&mut self, key: Vec<Value>, program: Found) {
        if !self.index.contains_key(&key) {
            self.index.insert(key.clone(), self.entries.len());
            self.entries.push((key, program));
        }
    }
    fn len(&self) -> usize {
        self.entries.len()
    }
    fn length_of(&self, key: &[Value]) -> Option<usize> {
        self.index.get(key).map(|&i| self.entries[i].1.cands.len())
    }
}

struct Level<'d> {
    dist: &'d Distribution,
    length: usize,
    ops: &'static [Op],
    p_stop: f64,
}

impl<R: Rng + ?Sized> Search<'_, R> {
    fn num_inputs(&self) -> usize {
        self.states[0].len() - self.path.len()
    }

    fn new_variable(&mut self) -> Option<Var> {
        let free: SmallVec<[Var; MAX_NUM_VARIABLES]> =
            (0..MAX_NUM_VARIABLES).map(Var::new).filter(|v| !self.vars.contains(v)).collect();
        if self.canonical { free.first().copied() } else { free.choose(self.rng).copied() }
    }

    /// The candidate statements at the current node (`_get_next_statements`), in order.
    fn candidates(&mut self, level: &Level<'_>, ops: &[Op], unused: &[u8], last: bool) -> Vec<Cand> {
        let state0 = &self.states[0];
        let ints: SmallVec<[u8; 10]> = (0..state0.len() as u8).filter(|&i| !state0[i as usize].is_list()).collect();
        let lists: SmallVec<[u8; 10]> = (0..state0.len() as u8).filter(|&i| state0[i as usize].is_list()).collect();
        let mut valid: SmallVec<[Op; 15]> = ops
            .iter()
            .copied()
            .filter(|op| {
                op.arg_types().iter().all(|t| match t {
                    Type::Int => !ints.is_empty(),
                    Type::List => !lists.is_empty(),
                    _ => true,
                })
            })
            .collect();
        valid.shuffle(self.rng);
        let mut out = Vec::new();
        for op in valid {
            let mut lambdas: SmallVec<[Option<Lambda>; 19]> = SmallVec::new();
            let mut slots: SmallVec<[&[u8]; 2]> = SmallVec::new();
            for t in op.arg_types() {
                match t {
                    Type::Int => slots.push(&ints),
                    Type::List => slots.push(&lists),
                    sig => {
                        let restricted = level.dist.scanl1_lambdas.filter(|_| op == Op::Scanl1);
                        match restricted {
                            Some(ls) => lambdas.extend(ls.iter().map(|&l| Some(l))),
                            None => lambdas.extend(Lambda::with_signature(*sig).map(Some)),
                        }
                    }
                }
            }
            if lambdas.is_empty() {
                lambdas.push(None);
            }
            for &lambda in &lambdas {
                let mut push = |args: &[u8]| {
                    let uses = |v: &u8| args.contains(v);
                    let ok = if last {
                        unused.iter().all(uses)
                    } else if unused.len() == 2 {
                        unused.iter().any(uses)
                    } else {
                        true
                    };
                    if ok {
                        let mut a = [0u8; 2];
                        a[..args.len()].copy_from_slice(args);
                        out.push(Cand { op, lambda, args: a, nargs: args.len() as u8 });
                    }
                };
                match slots.as_slice() {
                    [a] => a.iter().for_each(|&x| push(&[x])),
                    [a, b] => a.iter().for_each(|&x| b.iter().for_each(|&y| push(&[x, y]))),
                    _ => {}
                }
            }
        }
        out
    }

    /// Runs a candidate on every example; `None` if it fails on one.
    fn run(&self, c: &Cand) -> Option<SmallVec<[Value; NUM_EXAMPLES]>> {
        self.states
            .iter()
            .map(|st| {
                let args: SmallVec<[&Value; 2]> = c.args().iter().map(|&i| &st[i as usize]).collect();
                ops::apply(c.op, c.lambda, &args).ok()
            })
            .collect()
    }

    /// Some existing variable equals the new value on every example.
    fn is_redundant(&self, values: &[Value]) -> bool {
        let n = self.states[0].len();
        (0..n).any(|i| self.states.iter().zip(values).all(|(st, v)| &st[i] == v))
    }

    /// A non-final statement's variable is never used as an argument.
    fn has_dead_code(&self) -> bool {
        let k = self.path.len();
        let first = self.num_inputs();
        (0..k - 1).any(|s| {
            let pos = (first + s) as u8;
            !self.path[s + 1..].iter().any(|c| c.args().contains(&pos))
        })
    }

    /// Depth-first enumeration of programs of `level.length` statements from the current node.
    fn helper(&mut self, level: &Level<'_>, unused: &mut SmallVec<[u8; 4]>, found: &mut Vec<(Vec<Value>, Found)>) {
        let depth = self.path.len();
        if depth >= 3 && self.rng.random_bool(level.p_stop) {
            return;
        }
        if depth == level.length {
            let outputs: Vec<Value> = self.states.iter().map(|st| st[st.len() - 1].clone()).collect();
            let duplicate = (0..outputs.len()).any(|i| outputs[..i].contains(&outputs[i]));
            let constant = outputs.len() > 1 && outputs.iter().all(|o| o == &outputs[0]);
            if !self.has_dead_code() && !duplicate && !constant {
                let first = self.num_inputs();
                found.push((
                    outputs,
                    Found { lhs: self.vars[first..].iter().copied().collect(), cands: self.path.clone() },
                ));
            }
            return;
        }
        let ops: &[Op] = match level.dist.ops {
            Ops::Halves { first, second } => {
                if depth < level.length / 2 {
                    first
                } else {
                    second
                }
            }
            Ops::Groups(_) => level.ops,
        };
        let Some(var) = self.new_variable() else { return };
        let last = depth + 1 == level.length;
        let cands = self.candidates(level, ops, unused, last);
        let mut siblings: FxHashSet<SmallVec<[Value; NUM_EXAMPLES]>> = FxHashSet::default();
        for c in cands {
            let Some(values) = self.run(&c) else { continue };
            if self.is_redundant(&values) || siblings.contains(&values) {
                continue;
            }
            siblings.insert(values.clone());
            let new_pos = self.states[0].len() as u8;
            let mut next_unused = unused.clone();
            next_unused.retain(|v| !c.args().contains(v));
            next_unused.push(new_pos);
            for (st, v) in self.states.iter_mut().zip(values) {
                st.push(v);
            }
            self.vars.push(var);
            self.path.push(c);
            self.helper(level, &mut next_unused, found);
            self.path.pop();
            self.vars.pop();
            for st in self.states.iter_mut() {
                st.pop();
            }
        }
    }
}

/// Searches one distribution at one length and adds the programs it keeps to `dict`.
fn programs_of_length<R: Rng + ?Sized>(
    search: &mut Search<'_, R>,
    dist: &Distribution,
    length: usize,
    p_stop: f64,
    dict: &mut ByOutput,
) {
    let groups: &[&'static [Op]] = match dist.ops {
        Ops::Groups(g) => g,
        Ops::Halves { .. } => &[OPERATIONS],
    };
    let mut found = Vec::new();
    for &ops in groups {
        let level = Level { dist, length, ops, p_stop };
        search.helper(&level, &mut SmallVec::new(), &mut found);
    }
    for (key, program) in found {
        if dist.keep.keeps(&to_statements(search.vars_inputs(), &program)) {
            dict.insert_if_new(key, program);
        }
    }
}

impl<R: Rng + ?Sized> Search<'_, R> {
    fn vars_inputs(&self) -> &[Var] {
        &self.vars[..self.num_inputs()]
    }
}

fn to_statements(inputs: &[Var], p: &Found) -> Vec<Statement> {
    let all: SmallVec<[Var; MAX_NUM_VARIABLES]> = inputs.iter().chain(p.lhs.iter()).copied().collect();
    p.cands
        .iter()
        .zip(&p.lhs)
        .map(|(c, &lhs)| {
            let args: SmallVec<[Var; 2]> = c.args().iter().map(|&i| all[i as usize]).collect();
            Statement::new(lhs, c.op, c.lambda, &args)
        })
        .collect()
}

/// Takes `k` programs (all of them if there are at most `k`).
fn sample_list<T: Clone, R: Rng + ?Sized>(rng: &mut R, options: &[T], k: usize) -> Vec<T> {
    if options.len() <= k { options.to_vec() } else { options.choose_multiple(rng, k).cloned().collect() }
}

/// A DeepCoder task: example inputs (as states), outputs and the program.
#[derive(Debug, Clone)]
pub struct SampledTask {
    pub inputs: Vec<Vec<Value>>,
    pub outputs: Vec<Value>,
    pub program: Program,
}

/// Programs for one set of example inputs (`sample_programs_experiment`).
fn sample_programs<R: Rng + ?Sized>(
    rng: &mut R,
    inputs: &[Vec<Value>],
    input_vars: &[Var],
    split: Split,
    is_train: bool,
    canonical: bool,
    num_programs: usize,
) -> Vec<Program> {
    let spec = split_spec(split);
    let (train_range, test_range): (&[usize], &[usize]) = match (split, is_train) {
        (Split::None, true) => (spec.train.lengths, &[]),
        (Split::None, false) => (&[], spec.test.lengths),
        _ => (spec.train.lengths, spec.test.lengths),
    };
    let mut search =
        Search { rng, canonical, states: inputs.to_vec(), vars: input_vars.to_vec(), path: SmallVec::new() };
    let mut dicts = [ByOutput::default(), ByOutput::default()];
    for (k, (get_train, range, dist)) in
        [(true, train_range, &spec.train), (false, test_range, &spec.test)].into_iter().enumerate()
    {
        let max_len = range.iter().copied().max().unwrap_or(0);
        for &length in range {
            if is_train && !get_train && length == test_range.iter().copied().max().unwrap_or(0) {
                continue;
            }
            let mut p_stop = if length == 5 {
                0.9
            } else if get_train == is_train && length == max_len {
                0.7
            } else {
                0.0
            };
            if dicts[k].len() < num_programs * 2 && range.len() > 1 {
                p_stop = 0.0;
            }
            let dict = &mut dicts[k];
            programs_of_length(&mut search, dist, length, p_stop, dict);
        }
    }
    let [train_dict, test_dict] = dicts;
    // Cross-filtering: keep a train program unless the test distribution has a strictly
    // shorter equivalent; keep a test program only if every train equivalent is longer.
    let mut train_by_len: std::collections::BTreeMap<usize, Vec<&Found>> = Default::default();
    for (key, p) in &train_dict.entries {
        if test_dict.length_of(key).unwrap_or(10) >= p.cands.len() {
            train_by_len.entry(p.cands.len()).or_default().push(p);
        }
    }
    let mut test_by_len: std::collections::BTreeMap<usize, Vec<&Found>> = Default::default();
    for (key, p) in &test_dict.entries {
        if train_dict.length_of(key).unwrap_or(10) > p.cands.len() {
            test_by_len.entry(p.cands.len()).or_default().push(p);
        }
    }

    let rng = &mut *search.rng;
    let by_len = if is_train { &train_by_len } else { &test_by_len };
    let mut chosen: Vec<Found> = Vec::new();
    let n_lengths = by_len.len();
    for (i, programs) in by_len.values().enumerate() {
        let k = (num_programs - chosen.len().min(num_programs)) / (n_lengths - i);
        if is_train && spec.balance_groups {
            let mut groups = [FIRST_ORDER_AND_MAP, HIGHER_ORDER_NO_MAP];
            groups.shuffle(rng);
            let in_group = |g: &[Op]| -> Vec<Found> {
                programs.iter().filter(|p| p.cands.iter().all(|c| g.contains(&c.op))).map(|p| (*p).clone()).collect()
            };
            let first = in_group(groups[0]);
            let taken = first.len().min(k / 2);
            chosen.extend(sample_list(rng, &first, k / 2));
            chosen.extend(sample_list(rng, &in_group(groups[1]), k - taken));
        } else {
            let all: Vec<Found> = programs.iter().map(|p| (*p).clone()).collect();
            chosen.extend(sample_list(rng, &all, k));
        }
    }
    chosen.iter().filter_map(|p| Program::new(input_vars.to_vec(), to_statements(input_vars, p)).ok()).collect()
}

/// The input variable names of a search: canonical `x0, x1, ...` or random distinct names.
fn input_variables<R: Rng + ?Sized>(rng: &mut R, n: usize, canonical: bool) -> Vec<Var> {
    if canonical {
        (0..n).map(Var::new).collect()
    } else {
        let mut all: Vec<Var> = (0..MAX_NUM_VARIABLES).map(Var::new).collect();
        all.shuffle(rng);
        all.truncate(n);
        all
    }
}

fn task_of(program: Program, inputs: &[Vec<Value>]) -> Option<SampledTask> {
    let outputs = inputs.iter().map(|i| program.run(i).ok()).collect::<Option<Vec<_>>>()?;
    Some(SampledTask { inputs: inputs.to_vec(), outputs, program })
}

/// A length-1 task of the given ops on fresh inputs (COMPOSE_NEW_OP's extra train tasks,
/// `old_sample_random.random_task` with one statement).
fn single_statement_task<R: Rng + ?Sized>(
    rng: &mut R,
    ops: &[Op],
    num_inputs: usize,
    canonical: bool,
) -> Option<SampledTask> {
    let vars = input_variables(rng, num_inputs, canonical);
    for _ in 0..MAX_ATTEMPTS {
        let Some(inputs) = random_inputs(rng, NUM_EXAMPLES, num_inputs, None) else { continue };
        let lhs = {
            let free: Vec<Var> = (0..MAX_NUM_VARIABLES).map(Var::new).filter(|v| !vars.contains(v)).collect();
            if canonical { free[0] } else { *free.choose(rng)? }
        };
        for _ in 0..20 {
            let ints: Vec<usize> = (0..num_inputs).filter(|&i| !inputs[0][i].is_list()).collect();
            let lists: Vec<usize> = (0..num_inputs).filter(|&i| inputs[0][i].is_list()).collect();
            let valid: Vec<Op> = ops
                .iter()
                .copied()
                .filter(|op| {
                    op.arg_types().iter().all(|t| match t {
                        Type::Int => !ints.is_empty(),
                        Type::List => !lists.is_empty(),
                        _ => true,
                    })
                })
                .collect();
            let op = *valid.choose(rng)?;
            let mut lambda = None;
            let mut args: Vec<Var> = Vec::new();
            for t in op.arg_types() {
                match t {
                    Type::Int => args.push(vars[*ints.choose(rng)?]),
                    Type::List => args.push(vars[*lists.choose(rng)?]),
                    sig => {
                        let options: Vec<Lambda> =
                            Lambda::ALL.iter().copied().filter(|l| l.signature() == *sig).collect();
                        lambda = Some(*options.choose(rng)?);
                    }
                }
            }
            let statement = Statement::new(lhs, op, lambda, &args);
            let program = Program::new(vars.clone(), vec![statement]).ok()?;
            let outputs: Option<Vec<Value>> = inputs.iter().map(|i| program.run(i).ok()).collect();
            let Some(outputs) = outputs else { continue };
            // Redundant: equal to an input on every example.
            let redundant = (0..num_inputs).any(|k| inputs.iter().zip(&outputs).all(|(i, o)| &i[k] == o));
            if redundant {
                continue;
            }
            let duplicate = (0..outputs.len()).any(|i| outputs[..i].contains(&outputs[i]));
            if duplicate {
                break;
            }
            return Some(SampledTask { inputs, outputs, program });
        }
    }
    None
}

/// One search of a split: `num_programs` tasks sharing one set of example inputs (plus, for
/// COMPOSE_NEW_OP's train distribution, a quarter of fresh length-1 Scanl1 tasks). Searches
/// that find too few programs are redone with new inputs, as in the official generator.
pub fn search_tasks<R: Rng + ?Sized>(rng: &mut R, split: Split, part: Part, num_programs: usize) -> Vec<SampledTask> {
    let is_train = part.is_train_distribution();
    let canonical = part != Part::Train;
    loop {
        let num_inputs = rng.random_range(1..=MAX_PROGRAM_ARITY);
        let vars = input_variables(rng, num_inputs, canonical);
        let Some(inputs) = random_inputs(rng, NUM_EXAMPLES, num_inputs, None) else { continue };
        let programs = sample_programs(rng, &inputs, &vars, split, is_train, canonical, num_programs);
        let mut tasks: Vec<SampledTask> = programs.into_iter().filter_map(|p| task_of(p, &inputs)).collect();
        if let (true, Some((ops, fraction))) = (is_train, split_spec(split).extra_new_op) {
            let num_new = num_programs / fraction;
            let num_keep = num_programs - num_new;
            if tasks.len() > num_keep {
                tasks = tasks.choose_multiple(rng, num_keep).cloned().collect();
            }
            for _ in 0..num_new {
                if let Some(t) = single_statement_task(rng, ops, num_inputs, canonical) {
                    tasks.push(t);
                }
            }
        }
        if tasks.len() >= num_programs {
            tasks.truncate(num_programs);
            tasks.shuffle(rng);
            return tasks;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn inputs_follow_the_spec() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..300 {
            let n = rng.random_range(1..=2);
            let ex = random_inputs(&mut rng, 3, n, None).unwrap();
            assert_eq!(ex.len(), 3);
            assert!(ex.iter().any(|e| e.iter().any(Value::is_list)));
            for (i, e) in ex.iter().enumerate() {
                assert!(!ex[..i].contains(e));
                for v in e {
                    match v {
                        Value::Int(x) => assert!((0..=5).contains(x)),
                        Value::List(xs) => assert!(xs.len() <= 5),
                    }
                }
            }
        }
    }

    #[test]
    fn searches_give_valid_distinct_tasks() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let tasks = search_tasks(&mut rng, Split::AddOpFunctionality, Part::Test, 10);
        assert_eq!(tasks.len(), 10);
        let mut outputs = Vec::new();
        for t in &tasks {
            assert!(Keep::HasNewScanl1.keeps(t.program.statements()));
            for (i, o) in t.inputs.iter().zip(&t.outputs) {
                assert_eq!(&t.program.run(i).unwrap(), o);
            }
            assert!(!outputs.contains(&t.outputs), "functionally distinct");
            outputs.push(t.outputs.clone());
            // Canonical names for test.
            assert!(t.program.inputs().iter().enumerate().all(|(i, v)| *v == Var::new(i)));
        }
    }
}

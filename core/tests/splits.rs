//! The six splits of both DSLs, checked on generated data: each split's defining property,
//! re-execution of every generated task, DeepCoder's train/test cross-filtering, and the
//! length distributions against the released test sets.
//!
//! Length distributions are compared with a chi-square test at significance 0.001 (the
//! seeds are fixed, so a pass is reproducible; the threshold says how far from the expected
//! distribution a sample may be). DeepCoder's full-size comparison (1000 tasks per split,
//! about a minute in release mode) is `#[ignore]`d: run it with
//! `cargo test --release -p exedec-core --test splits -- --ignored`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use exedec_core::data::shard_rng;
use exedec_core::dsl::deepcoder::sample::{self as dc_sample, FIRST_ORDER_AND_MAP, HIGHER_ORDER_NO_MAP};
use exedec_core::dsl::deepcoder::{Lambda, Op as DcOp, Statement, Value, Var};
use exedec_core::dsl::robustfill::sample as rf_sample;
use exedec_core::dsl::robustfill::{Expr, Family, Interpreter};
use exedec_core::task::read_records;
use exedec_core::{DeepCoder, Domain, Dsl, Part, RobustFill, Split};

/// Critical values of the chi-square distribution at significance 0.001, by degrees of freedom.
const CHI2_001: [f64; 11] = [0.0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88, 29.59];

/// Two-sample chi-square test of homogeneity; panics with both histograms if it rejects.
fn assert_same_distribution(what: &str, a: &BTreeMap<usize, usize>, b: &BTreeMap<usize, usize>) {
    let keys: Vec<usize> =
        a.keys().chain(b.keys()).copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let (na, nb) = (a.values().sum::<usize>() as f64, b.values().sum::<usize>() as f64);
    let mut stat = 0.0;
    for k in &keys {
        let (oa, ob) = (*a.get(k).unwrap_or(&0) as f64, *b.get(k).unwrap_or(&0) as f64);
        let total = oa + ob;
        let (ea, eb) = (total * na / (na + nb), total * nb / (na + nb));
        stat += (oa - ea).powi(2) / ea + (ob - eb).powi(2) / eb;
    }
    let df = keys.len().saturating_sub(1);
    assert!(df < CHI2_001.len());
    assert!(
        stat <= CHI2_001[df],
        "{what}: chi-square {stat:.1} > {} (df {df})\n  ours: {a:?}\n  reference: {b:?}",
        CHI2_001[df]
    );
}

/// Chi-square goodness of fit against expected probabilities.
fn assert_fits(what: &str, observed: &BTreeMap<usize, usize>, expected: &[(usize, f64)]) {
    let n = observed.values().sum::<usize>() as f64;
    assert_eq!(
        observed.keys().copied().collect::<Vec<_>>(),
        expected.iter().map(|e| e.0).collect::<Vec<_>>(),
        "{what}"
    );
    let stat: f64 = expected.iter().map(|&(k, p)| (observed[&k] as f64 - n * p).powi(2) / (n * p)).sum();
    let df = expected.len() - 1;
    assert!(stat <= CHI2_001[df], "{what}: chi-square {stat:.1} > {} (df {df}); observed {observed:?}", CHI2_001[df]);
}

fn uniform(lo: usize, hi: usize) -> Vec<(usize, f64)> {
    (lo..=hi).map(|k| (k, 1.0 / (hi - lo + 1) as f64)).collect()
}

fn histogram(lengths: impl IntoIterator<Item = usize>) -> BTreeMap<usize, usize> {
    let mut h = BTreeMap::new();
    for l in lengths {
        *h.entry(l).or_insert(0) += 1;
    }
    h
}

fn released_lengths<D: Domain>(domain: &D, split: Split, len: impl Fn(&D::Program) -> usize) -> BTreeMap<usize, usize> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/test_data")
        .join(domain.dsl().name())
        .join(format!("{}.jsonl", split.name()));
    let records = read_records(BufReader::new(File::open(path).expect("vendored data"))).expect("JSON Lines");
    histogram(records.iter().map(|r| len(r.parse(domain).expect("parses").program.as_ref().expect("program"))))
}

// ---------------------------------------------------------------------------------------
// RobustFill

const RF_TASKS: usize = 2000;

fn rf_tasks(split: Split, part: Part) -> Vec<rf_sample::SampledTask> {
    let mut rng = shard_rng(11, Dsl::RobustFill, split, part, 0);
    (0..RF_TASKS).map(|_| rf_sample::random_task(&mut rng, split, part)).collect()
}

fn families(e: &[Expr]) -> Vec<Family> {
    e.iter().map(Expr::family).collect()
}

fn is_modify_or_const(f: Family) -> bool {
    matches!(f, Family::Modification | Family::Const)
}

#[test]
fn robustfill_splits_have_their_defining_properties() {
    let mut interp = Interpreter::new();
    for split in Split::ALL {
        for part in [Part::Train, Part::Test] {
            let tasks = rf_tasks(split, part);
            for t in &tasks {
                assert_eq!(t.inputs.len(), 4);
                assert!(t.inputs.iter().all(|i| (1..=20).contains(&i.len())));
                for (i, o) in t.inputs.iter().zip(&t.outputs) {
                    assert_eq!(&interp.run(&t.program, i).expect("re-executes"), o);
                    assert!(!o.is_empty());
                }
                let fam = families(&t.program.exprs);
                let n = fam.len();
                let has = |f: Family| fam.contains(&f);
                let ok = match (split, part) {
                    (Split::ComposeDifferentConcepts, Part::Train) => {
                        fam.iter().all(|&f| f == Family::Substring) || fam.iter().all(|&f| is_modify_or_const(f))
                    }
                    (Split::ComposeDifferentConcepts, _) => {
                        has(Family::Substring) && fam.iter().any(|&f| is_modify_or_const(f)) && !has(Family::Compose)
                    }
                    (Split::SwitchConceptOrder, Part::Train) => fam
                        .iter()
                        .enumerate()
                        .all(|(i, &f)| if i < n / 2 { f == Family::Substring } else { is_modify_or_const(f) }),
                    (Split::SwitchConceptOrder, _) => fam
                        .iter()
                        .enumerate()
                        .all(|(i, &f)| if i < n / 2 { is_modify_or_const(f) } else { f == Family::Substring }),
                    (Split::ComposeNewOp, Part::Train) => {
                        (n == 1 && fam[0] == Family::Compose) || (n >= 2 && !has(Family::Compose))
                    }
                    (Split::ComposeNewOp, _) => has(Family::Compose),
                    (Split::AddOpFunctionality, Part::Train) => t.program.exprs.iter().all(|e| match e {
                        Expr::Compose { inner, .. } => inner.op.family() == Family::Modification,
                        _ => true,
                    }),
                    (Split::AddOpFunctionality, _) => t
                        .program
                        .exprs
                        .iter()
                        .any(|e| matches!(e, Expr::Compose { inner, .. } if inner.op.family() == Family::Substring)),
                    _ => true,
                };
                assert!(ok, "{split} {part}: {}", RobustFill.format_readable(&t.program));
            }
        }
    }
}

#[test]
fn robustfill_length_distributions() {
    for split in Split::ALL {
        // Test sets: like the released ones.
        let ours = histogram(rf_tasks(split, Part::Test).iter().map(|t| t.program.len()));
        let released = released_lengths(&RobustFill, split, |p| p.len());
        assert_same_distribution(&format!("RobustFill {split} test lengths"), &ours, &released);
        // Train sets: uniform over the split's range (COMPOSE_NEW_OP: a quarter of length 1).
        let train = histogram(rf_tasks(split, Part::Train).iter().map(|t| t.program.len()));
        let expected = match split {
            Split::None => uniform(1, 10),
            Split::LengthGeneralization | Split::AddOpFunctionality => uniform(1, 6),
            Split::ComposeNewOp => std::iter::once((1, 0.25)).chain((2..=6).map(|k| (k, 0.15))).collect(),
            _ => uniform(2, 6),
        };
        assert_fits(&format!("RobustFill {split} train lengths"), &train, &expected);
    }
}

#[test]
fn robustfill_generation_is_reproducible() {
    let a: Vec<_> = rf_tasks(Split::None, Part::Train).into_iter().take(50).map(|t| t.program).collect();
    let b: Vec<_> = rf_tasks(Split::None, Part::Train).into_iter().take(50).map(|t| t.program).collect();
    assert_eq!(a, b);
    let mut other = shard_rng(11, Dsl::RobustFill, Split::None, Part::Train, 1);
    let c: Vec<_> = (0..50).map(|_| rf_sample::random_task(&mut other, Split::None, Part::Train).program).collect();
    assert_ne!(a, c, "another shard gives other tasks");
}

// ---------------------------------------------------------------------------------------
// DeepCoder

fn dc_tasks(split: Split, part: Part, searches: u64, per_search: usize) -> Vec<dc_sample::SampledTask> {
    (0..searches)
        .flat_map(|s| {
            let mut rng = shard_rng(13, Dsl::DeepCoder, split, part, s);
            dc_sample::search_tasks(&mut rng, split, part, per_search)
        })
        .collect()
}

fn in_group(s: &Statement, group: &[DcOp]) -> bool {
    group.contains(&s.op)
}

/// Whether a train-distribution program of at most `max_len` statements reproduces
/// `target` on `inputs` (exhaustive, without any of the search's pruning).
fn reachable(inputs: &[Vec<Value>], target: &[Value], max_len: usize, ops: &[DcOp], scanl1: Option<&[Lambda]>) -> bool {
    fn go(
        states: &mut Vec<Vec<Value>>,
        target: &[Value],
        left: usize,
        ops: &[DcOp],
        scanl1: Option<&[Lambda]>,
    ) -> bool {
        if left == 0 {
            return states.iter().zip(target).all(|(s, t)| s.last() == Some(t));
        }
        let n = states[0].len();
        for &op in ops {
            let lambdas: Vec<Option<Lambda>> = if !op.is_higher_order() {
                vec![None]
            } else {
                let sig = op.arg_types()[0];
                match scanl1.filter(|_| op == DcOp::Scanl1) {
                    Some(ls) => ls.iter().map(|&l| Some(l)).collect(),
                    None => Lambda::ALL.iter().filter(|l| l.signature() == sig).map(|&l| Some(l)).collect(),
                }
            };
            let nvars = op.arity() - usize::from(op.is_higher_order());
            let combos: Vec<Vec<usize>> = match nvars {
                1 => (0..n).map(|a| vec![a]).collect(),
                _ => (0..n).flat_map(|a| (0..n).map(move |b| vec![a, b])).collect(),
            };
            for lambda in &lambdas {
                for args in &combos {
                    let values: Option<Vec<Value>> = states
                        .iter()
                        .map(|st| {
                            let a: Vec<&Value> = args.iter().map(|&i| &st[i]).collect();
                            exedec_core::dsl::deepcoder::ops::apply(op, *lambda, &a).ok()
                        })
                        .collect();
                    let Some(values) = values else { continue };
                    for (st, v) in states.iter_mut().zip(values) {
                        st.push(v);
                    }
                    let hit = go(states, target, left - 1, ops, scanl1);
                    for st in states.iter_mut() {
                        st.pop();
                    }
                    if hit {
                        return true;
                    }
                }
            }
        }
        false
    }
    (1..=max_len).any(|len| go(&mut inputs.to_vec(), target, len, ops, scanl1))
}

fn check_dc_task(split: Split, part: Part, t: &dc_sample::SampledTask) {
    let d = DeepCoder;
    for (i, o) in t.inputs.iter().zip(&t.outputs) {
        assert_eq!(&t.program.run(i).expect("re-executes"), o);
    }
    // Functionally distinct examples, no dead code, canonical names outside train.
    assert!((0..t.outputs.len()).all(|i| !t.outputs[..i].contains(&t.outputs[i])));
    let st = t.program.statements();
    for (k, s) in st.iter().enumerate().take(st.len().saturating_sub(1)) {
        assert!(st[k + 1..].iter().any(|later| later.args.contains(&s.lhs)), "dead code in {}", t.program);
    }
    if part != Part::Train {
        assert!(t.program.inputs().iter().chain(st.iter().map(|s| &s.lhs)).enumerate().all(|(i, v)| *v == Var::new(i)));
    }
    let n = st.len();
    let text = d.format_program(&t.program).expect("prints");
    let ok = match (split, part) {
        (Split::None, _) => (1..=5).contains(&n),
        (Split::LengthGeneralization, Part::Test) => n == 5,
        (Split::LengthGeneralization, _) => (1..=4).contains(&n),
        (Split::ComposeDifferentConcepts, Part::Test) => {
            st.iter().any(|s| in_group(s, FIRST_ORDER_AND_MAP)) && st.iter().any(|s| in_group(s, HIGHER_ORDER_NO_MAP))
        }
        (Split::ComposeDifferentConcepts, _) => {
            st.iter().all(|s| in_group(s, FIRST_ORDER_AND_MAP)) || st.iter().all(|s| in_group(s, HIGHER_ORDER_NO_MAP))
        }
        (Split::SwitchConceptOrder, Part::Test) => st
            .iter()
            .enumerate()
            .all(|(i, s)| in_group(s, if i < n / 2 { FIRST_ORDER_AND_MAP } else { HIGHER_ORDER_NO_MAP })),
        (Split::SwitchConceptOrder, _) => st
            .iter()
            .enumerate()
            .all(|(i, s)| in_group(s, if i < n / 2 { HIGHER_ORDER_NO_MAP } else { FIRST_ORDER_AND_MAP })),
        (Split::ComposeNewOp, Part::Test) => st.iter().any(|s| s.op == DcOp::Scanl1),
        (Split::ComposeNewOp, _) => (n == 1 && st[0].op == DcOp::Scanl1) || st.iter().all(|s| s.op != DcOp::Scanl1),
        (Split::AddOpFunctionality, Part::Test) => {
            ["Scanl1 (+)", "Scanl1 (*)", "Scanl1 (max)"].iter().any(|p| text.contains(p))
        }
        (Split::AddOpFunctionality, _) => {
            st.iter().all(|s| s.op != DcOp::Scanl1 || matches!(s.lambda, Some(Lambda::Subtract | Lambda::Min)))
        }
    };
    assert!(ok, "{split} {part}: {text}");
    let lengths = match (split, part) {
        (Split::None, _) => 1..=5,
        (Split::LengthGeneralization, Part::Test) => 5..=5,
        (Split::LengthGeneralization | Split::AddOpFunctionality, _) => 1..=4,
        (Split::ComposeNewOp, Part::Train) => 1..=4,
        _ => 2..=4,
    };
    assert!(lengths.contains(&n), "{split} {part}: length {n}");
    // Cross-filtering: no train-distribution program as short reproduces a test task
    // (checked exhaustively up to two statements).
    if part == Part::Test && n <= 3 {
        let checks: Vec<(&[DcOp], Option<&[Lambda]>)> = match split {
            Split::ComposeDifferentConcepts => vec![(FIRST_ORDER_AND_MAP, None), (HIGHER_ORDER_NO_MAP, None)],
            Split::ComposeNewOp => vec![(dc_sample::OPERATIONS_NO_SCAN, None)],
            Split::AddOpFunctionality => vec![(DcOp::ALL, Some(dc_sample::LAMBDAS_ONLY_MINUS_MIN))],
            _ => vec![],
        };
        for (ops, scanl1) in checks {
            assert!(
                !reachable(&t.inputs, &t.outputs, n.min(2), ops, scanl1),
                "{split}: a train program reproduces {text}"
            );
        }
    }
    // Int inputs are only in [0, 5], lists at most 5 long.
    for ex in &t.inputs {
        for v in ex {
            match v {
                Value::Int(x) => assert!((0..=5).contains(x)),
                Value::List(xs) => assert!(xs.len() <= 5),
            }
        }
    }
}

#[test]
fn deepcoder_splits_have_their_defining_properties() {
    for split in Split::ALL {
        for part in [Part::Train, Part::Test] {
            let (searches, per_search) = if part == Part::Train { (2, 40) } else { (3, 10) };
            let tasks = dc_tasks(split, part, searches, per_search);
            assert_eq!(tasks.len(), searches as usize * per_search);
            for t in &tasks {
                check_dc_task(split, part, t);
            }
            if part == Part::Train {
                // Train tasks use random variable names.
                let canonical = tasks
                    .iter()
                    .filter(|t| t.program.inputs().iter().enumerate().all(|(i, v)| *v == Var::new(i)))
                    .count();
                assert!(canonical < tasks.len(), "{split}: train names should be random");
            }
        }
    }
}

#[test]
#[ignore = "about a minute in release mode; run with --ignored"]
fn deepcoder_test_length_distributions_match_the_released_sets() {
    for split in Split::ALL {
        let ours = histogram(dc_tasks(split, Part::Test, 100, 10).iter().map(|t| t.program.len()));
        let released = released_lengths(&DeepCoder, split, |p| p.len());
        if released.len() == 1 {
            assert_eq!(ours, released, "DeepCoder {split}");
        } else {
            assert_same_distribution(&format!("DeepCoder {split} test lengths"), &ours, &released);
        }
    }
}

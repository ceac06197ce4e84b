//! The values one statement can compute from a state: every operation with every lambda of its
//! signature and every choice of variables of its argument types, run on each example. A
//! DeepCoder subgoal is the next statement's value on each example, so these are all the
//! subgoals one step can reach (the search's valid-subgoal decoding lists them; docs/search.md).

use std::ops::ControlFlow;

use rustc_hash::FxHashSet;
use smallvec::SmallVec;

use super::ops::{self, Lambda, Op, Type};
use super::program::{State, Statement, Var};
use super::value::Value;

/// The distinct value tuples (one value per state, in order) that a single statement computes
/// from the states' variables, where it runs without error on every state; in enumeration
/// order (operations, then lambdas, then arguments, as the DSL lists them). The variables are
/// the first state's, typed by its values; a statement whose arguments have other types in
/// another state fails there and is left out.
pub fn one_statement_values(states: &[State]) -> Vec<Vec<Value>> {
    let mut seen: FxHashSet<Vec<Value>> = FxHashSet::default();
    let mut out = Vec::new();
    each_statement(states, |_, _, _, run| {
        if let Some(values) = states.iter().map(run).collect::<Option<Vec<Value>>>()
            && seen.insert(values.clone())
        {
            out.push(values);
        }
        ControlFlow::Continue(())
    });
    out
}

/// The first statement, in the order of [`one_statement_values`], that computes `values` (one
/// per state) from the states' variables, assigning `lhs`.
pub fn statement_reaching(states: &[State], values: &[Value], lhs: Var) -> Option<Statement> {
    if states.len() != values.len() {
        return None;
    }
    let mut found = None;
    each_statement(states, |op, lambda, args, run| {
        if states.iter().zip(values).all(|(state, value)| run(state).as_ref() == Some(value)) {
            found = Some(Statement::new(lhs, op, lambda, args));
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    found
}

/// Visits every statement over the first state's variables (operations, then lambdas, then
/// arguments, as the DSL lists them) with a function that runs it on one state (`None` where
/// it fails), until `visit` breaks.
fn each_statement(
    states: &[State],
    mut visit: impl FnMut(Op, Option<Lambda>, &[Var], &dyn Fn(&State) -> Option<Value>) -> ControlFlow<()>,
) {
    let Some(first) = states.first() else { return };
    let (mut ints, mut lists): (Vec<Var>, Vec<Var>) = (Vec::new(), Vec::new());
    for (var, value) in &first.entries {
        if value.is_list() { lists.push(*var) } else { ints.push(*var) }
    }
    for &op in Op::ALL {
        let mut lambdas: SmallVec<[Option<Lambda>; 16]> = SmallVec::new();
        let mut slots: SmallVec<[&[Var]; 2]> = SmallVec::new();
        for t in op.arg_types() {
            match t {
                Type::Int => slots.push(&ints),
                Type::List => slots.push(&lists),
                signature => lambdas.extend(Lambda::with_signature(*signature).map(Some)),
            }
        }
        if lambdas.is_empty() {
            lambdas.push(None);
        }
        let mut arguments: Vec<SmallVec<[Var; 2]>> = Vec::new();
        match slots.as_slice() {
            [a] => arguments.extend(a.iter().map(|&x| SmallVec::from_slice(&[x]))),
            [a, b] => arguments.extend(a.iter().flat_map(|&x| b.iter().map(move |&y| SmallVec::from_slice(&[x, y])))),
            _ => {}
        }
        for &lambda in &lambdas {
            for args in &arguments {
                let run = |state: &State| -> Option<Value> {
                    let values: SmallVec<[&Value; 2]> = args.iter().map(|&v| state.get(v)).collect::<Option<_>>()?;
                    ops::apply(op, lambda, &values).ok()
                };
                if visit(op, lambda, args, &run).is_break() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::deepcoder::{Program, parse_value};

    fn states(rows: &[&[&str]]) -> Vec<State> {
        rows.iter().map(|r| State::from_values(r.iter().map(|v| parse_value(v).unwrap()))).collect()
    }

    #[test]
    fn every_statement_of_a_program_reaches_its_value_in_one_step() {
        let program =
            Program::parse("x0 = INPUT | x1 = INPUT | x2 = Take x1 x0 | x3 = Map (*2) x2 | x4 = ZipWith (+) x3 x0")
                .unwrap();
        let mut states = states(&[&["[3 1 4 1 5]", "2"], &["[-2 7 0]", "3"], &["[9]", "0"]]);
        for statement in program.statements() {
            let reached = one_statement_values(&states);
            let values: Vec<Value> = states.iter().map(|s| statement.run(s).unwrap()).collect();
            assert!(reached.contains(&values), "{statement:?} reaches {values:?}");
            for (state, value) in states.iter_mut().zip(values) {
                state.push(statement.lhs, value).unwrap();
            }
        }
    }

    #[test]
    fn the_statement_reaching_values_computes_them() {
        let states = states(&[&["[3 1 4]", "2"], &["[-2 7]", "1"]]);
        let lhs = Var::new(2);
        let doubled = vec![parse_value("[6 2 8]").unwrap(), parse_value("[-4 14]").unwrap()];
        let statement = statement_reaching(&states, &doubled, lhs).expect("Map (*2) x0");
        assert_eq!(statement.lhs, lhs);
        let values: Vec<Value> = states.iter().map(|s| statement.run(s).unwrap()).collect();
        assert_eq!(values, doubled);
        // Listed values are reached; others, or the wrong number of them, are not.
        for values in one_statement_values(&states) {
            assert!(statement_reaching(&states, &values, lhs).is_some(), "{values:?}");
        }
        let unreachable = vec![parse_value("[9 9 9]").unwrap(), parse_value("[1]").unwrap()];
        assert!(statement_reaching(&states, &unreachable, lhs).is_none());
        assert!(statement_reaching(&states, &doubled[..1], lhs).is_none());
    }

    #[test]
    fn only_statements_that_run_on_every_example_count_once_each() {
        // One list and one int: Head fails on the empty list, so it reaches nothing; Sort and
        // Reverse agree on a one-element list and an empty one, so they count once.
        let reached = one_statement_values(&states(&[&["[]", "1"], &["[5]", "-1"]]));
        let distinct: FxHashSet<&Vec<Value>> = reached.iter().collect();
        assert_eq!(distinct.len(), reached.len());
        let list = |s: &str| parse_value(s).unwrap();
        assert!(reached.contains(&vec![list("[]"), list("[5]")]), "Sort x0 (and Reverse x0)");
        assert!(reached.contains(&vec![list("[]"), list("[]")]), "Take x1 x0 or Drop x1 x0");
        assert!(reached.iter().all(|values| values.len() == 2));
        // The int is an argument of Take, Drop and Access only: nothing maps it.
        assert!(!reached.iter().any(|v| v == &vec![list("2"), list("-2")]));
        assert!(one_statement_values(&[]).is_empty());
    }
}

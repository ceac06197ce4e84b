//! Property tests: the interpreters are total (any token sequence, any text, any input gives
//! a value or a typed error, never a panic), and the text forms round-trip.

use exedec_core::dsl::deepcoder::{self, tokens as dc_tokens};
use exedec_core::dsl::robustfill::{self, ast::CHARACTERS, text, tokens as rf_tokens};
use exedec_core::{DeepCoder, Domain, RobustFill};
use proptest::prelude::*;

/// An op followed by as many arguments as it takes, the arguments drawn from the whole
/// vocabulary (so most are ill-typed), sometimes wrapped in a Compose.
fn rf_expr() -> impl Strategy<Value = Vec<u16>> {
    let call = (4u16..=18).prop_flat_map(|op| {
        let n = robustfill::Op::ALL[(op - 3) as usize].arity();
        prop::collection::vec(prop_oneof![3 => 19u16..=315, 1 => 1u16..=18], n).prop_map(move |args| {
            let mut v = vec![op];
            v.extend(args);
            v
        })
    });
    prop_oneof![
        3 => call.clone(),
        1 => (call.clone(), call).prop_map(|(a, b)| [vec![3], a, b].concat()),
    ]
}

/// Replaces the id at a random place with `id` (even ids) or drops it (odd ones).
fn corrupt(ids: &mut Vec<u16>, corruption: Option<(prop::sample::Index, u16)>) {
    if let (Some((at, id)), false) = (corruption, ids.is_empty()) {
        let i = at.index(ids.len());
        if id % 2 == 0 {
            ids[i] = id
        } else {
            ids.remove(i);
        }
    }
}

/// Token ids of a few expressions, sometimes corrupted (an id replaced or dropped).
fn rf_ids() -> impl Strategy<Value = Vec<u16>> {
    (prop::collection::vec(rf_expr(), 0..5), prop::option::weighted(0.3, (any::<prop::sample::Index>(), 0u16..=330)))
        .prop_map(|(exprs, corruption)| {
            let mut ids = exprs.concat();
            corrupt(&mut ids, corruption);
            ids
        })
}

fn alphabet_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CHARACTERS.to_vec()), 0..max)
        .prop_map(|v| String::from_utf8(v).expect("ASCII"))
}

/// Token ids shaped like a program (`x0 = INPUT | x1 = Op [lambda] args`), with random ops,
/// lambdas and variables, sometimes corrupted.
fn dc_ids() -> impl Strategy<Value = Vec<u16>> {
    let statement = (8u16..=22, prop::option::of(23u16..=41), prop::collection::vec(42u16..=51, 1..3));
    (
        1usize..=2,
        prop::collection::vec(statement, 0..5),
        prop::option::weighted(0.3, (any::<prop::sample::Index>(), 0u16..=160)),
    )
        .prop_map(|(inputs, statements, corruption)| {
            let mut ids = Vec::new();
            for i in 0..inputs {
                ids.extend([42 + i as u16, 4, 5, 3]);
            }
            for (k, (op, lambda, args)) in statements.into_iter().enumerate() {
                ids.extend([42 + (inputs + k) as u16 % 10, 4, op]);
                ids.extend(lambda);
                ids.extend(args);
                ids.push(3);
            }
            ids.pop();
            corrupt(&mut ids, corruption);
            ids
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn robustfill_decode_and_run_never_panic(ids in rf_ids(), input in alphabet_string(40), raw in ".{0,30}") {
        let d = RobustFill;
        let mut with_eos = ids.clone();
        with_eos.push(2);
        if let Ok(program) = rf_tokens::decode_program(&with_eos) {
            let input = d.parse_input(&input).expect("alphabet strings parse");
            match d.execute(&program, &input) {
                Ok(out) => prop_assert!(out.as_bytes().iter().all(|c| CHARACTERS.contains(c))),
                Err(e) => prop_assert!(!e.message().is_empty()),
            }
            // Both text forms print and parse back to the same program.
            let readable = text::format_readable(&program);
            prop_assert_eq!(text::parse_readable(&readable), Ok(program.clone()), "{}", readable);
            let official = text::format_official(&program).expect("decoded programs encode");
            if program.exprs.is_empty() {
                // The official reader refuses the empty text (`int('')` fails).
                prop_assert!(text::parse_official(&official).is_err());
            } else {
                prop_assert_eq!(text::parse_official(&official), Ok(program.clone()));
            }
        }
        let _ = d.parse_input(&raw);
        let _ = text::parse_readable(&raw);
        let _ = text::parse_official(&raw);
        let _ = rf_tokens::decode_expr(&ids);
        let _ = d.decode_output(&ids);
    }

    #[test]
    fn robustfill_steps_on_arbitrary_inputs(ids in rf_ids(), input in alphabet_string(80)) {
        let d = RobustFill;
        if let Ok(step) = rf_tokens::decode_expr(&ids) {
            let input = d.parse_input(&input).expect("alphabet strings parse");
            let _ = d.run_step(&step, &input);
            let mut enc = Vec::new();
            d.encode_step(&step, &mut enc).expect("decoded steps encode");
            prop_assert_eq!(enc, ids);
        }
    }

    #[test]
    fn deepcoder_decode_and_run_never_panic(
        ids in dc_ids(),
        values in prop::collection::vec(prop::collection::vec(-60i64..=60, 0..8), 1..3),
        raw in ".{0,40}",
    ) {
        let d = DeepCoder;
        let state_text = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("x{i} = [ {} ]", v.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")))
            .collect::<Vec<_>>()
            .join(" | ");
        let state = d.parse_input(&state_text);
        prop_assert_eq!(state.is_ok(), values.iter().flatten().all(|x| (-50..=50).contains(x)));
        if let Ok(program) = dc_tokens::decode_program(&ids) {
            if let Ok(state) = &state
                && let Ok(v) = d.execute(&program, state)
            {
                // Every produced value is inside the DSL's range.
                let printed = d.format_output(&v);
                prop_assert_eq!(d.parse_output(&printed), Ok(v.clone()));
            }
            let printed = program.to_string();
            if !printed.is_empty() {
                prop_assert_eq!(d.parse_program(&printed), Ok(program.clone()), "{}", printed);
            }
        }
        if let Ok(state) = &state {
            let _ = d.decode_step(&ids, state);
        }
        let _ = d.parse_input(&raw);
        let _ = d.parse_output(&raw);
        let _ = d.parse_program(&raw);
        let _ = d.decode_output(&ids);
        let _ = deepcoder::parse_value(&raw);
    }
}

#[test]
fn vocabulary_sizes_match_the_models() {
    assert_eq!(RobustFill.program_vocab().len(), robustfill::tokens::PROGRAM_VOCAB_SIZE);
    assert_eq!(RobustFill.io_vocab().len(), robustfill::tokens::IO_VOCAB_SIZE);
    assert_eq!(DeepCoder.io_vocab().len(), deepcoder::tokens::VOCAB_SIZE);
}

/// Guards against vacuous properties: a good share of the generated sequences decode.
#[test]
fn generated_sequences_often_decode() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut rf, mut dc) = (0, 0);
    for _ in 0..2000 {
        let mut ids = rf_ids().new_tree(&mut runner).expect("strategy").current();
        ids.push(2);
        rf += usize::from(rf_tokens::decode_program(&ids).is_ok());
        let ids = dc_ids().new_tree(&mut runner).expect("strategy").current();
        dc += usize::from(dc_tokens::decode_program(&ids).is_ok());
    }
    assert!(rf > 1000, "only {rf} of 2000 RobustFill sequences decode");
    assert!(dc > 200, "only {dc} of 2000 DeepCoder sequences decode");
}

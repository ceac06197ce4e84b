//! The expression that computes given strings: a RobustFill step is one expression of the
//! `Concat`, so the step that reaches a subgoal (or finishes a program) is an expression whose
//! output on each example's input is that example's part. [`expression_reaching`] finds the
//! first one in a fixed listing of the DSL's expressions without `Compose`: `ConstStr`, the
//! Substring operations, then the Modifications, each with every argument the DSL allows
//! (regex indices ±1..5, `SubStr` positions -100..100). The search uses it where it decodes
//! valid subgoals (docs/search.md). The order is fixed but not the DSL's: `GetSpan`'s pairs of
//! sides come grouped by the positions they select on the first example.
//!
//! Listing every expression and running it is too slow for a search (`GetSpan` alone has
//! 580² argument choices), so the Substring operations are read off tables instead: one
//! example's positions pick the candidates, which the other examples then check. Every
//! answer is run by the interpreter on all examples before it is returned.

use super::ast::{Boundary, CHARACTERS, Case, DELIMITERS, Expr, INDICES, POSITION_MAX, POSITION_MIN, Regex, RegexType};
use super::eval::{Interpreter, get_span_text, normalize_index, span_position, span_text, sub_str_text};
use super::regex::{Span, find_spans};
use super::value::Text;

/// The first expression without `Compose`, in the order of the listing, whose output on
/// `inputs[j]` is `outputs[j]` for every example `j`; `None` if there is none (or no example).
pub fn expression_reaching(inputs: &[Text], outputs: &[Text]) -> Option<Expr> {
    if inputs.is_empty() || inputs.len() != outputs.len() {
        return None;
    }
    let mut it = Interpreter::new();
    let target = Target { inputs, outputs };
    let found = const_str(&target)
        .or_else(|| sub_str(&target))
        .or_else(|| regex_based(&target))
        .or_else(|| modification(&target, &mut it))?;
    // The tables above replicate the interpreter; the interpreter has the last word.
    target.produced_by(&found, &mut it).then_some(found)
}

/// The examples: each input with the part its expression must output.
struct Target<'a> {
    inputs: &'a [Text],
    outputs: &'a [Text],
}

impl Target<'_> {
    fn produced_by(&self, expr: &Expr, it: &mut Interpreter) -> bool {
        let mut out = Vec::new();
        self.inputs.iter().zip(self.outputs).all(|(input, want)| {
            out.clear();
            it.eval_expr(expr, input.as_bytes(), &mut out).is_ok() && out == want.as_bytes()
        })
    }
}

fn const_str(t: &Target<'_>) -> Option<Expr> {
    let [c] = *t.outputs[0].as_bytes() else { return None };
    t.outputs.iter().all(|o| o.as_bytes() == [c]).then(|| Expr::const_str(c))
}

/// `SubStr(p1, p2)`: positions from 1 count from the start, the others from the end; the
/// output runs from the first position through the second, empty unless it is after the first.
fn sub_str(t: &Target<'_>) -> Option<Expr> {
    let positions = POSITION_MIN..=POSITION_MAX;
    for p1 in positions.clone() {
        for p2 in positions.clone() {
            if t.inputs.iter().zip(t.outputs).all(|(s, o)| sub_str_output(s.as_bytes(), p1, p2) == o.as_bytes()) {
                return Some(Expr::sub_str(p1, p2));
            }
        }
    }
    None
}

/// The interpreter's `sub_str` on a string.
fn sub_str_output(s: &[u8], p1: i8, p2: i8) -> &[u8] {
    let n = s.len() as i64;
    let q = |p: i8| if p > 0 { i64::from(p) - 1 } else { n + i64::from(p) };
    let (q1, q2) = (q(p1), q(p2));
    if q1 >= q2 { &[] } else { sub_str_text(s, q1, q2) }
}

/// The regex arguments: the eight classes, then the delimiters.
fn regexes() -> impl Iterator<Item = Regex> {
    RegexType::ALL.iter().map(|&t| Regex::Type(t)).chain(DELIMITERS.iter().map(|&d| Regex::Delimiter(d)))
}

/// One side of a `GetSpan`: a regex, an occurrence index and a boundary.
#[derive(Clone, Copy)]
struct Side {
    regex: Regex,
    index: i8,
    boundary: Boundary,
}

/// The matches of every regex on one example's input, for the Substring operations that
/// read them.
struct Matches {
    /// Per regex of [`regexes`], all its matches.
    spans: Vec<Vec<Span>>,
}

impl Matches {
    fn new(s: &[u8]) -> Matches {
        let spans = regexes()
            .map(|r| {
                let mut v = Vec::new();
                find_spans(r, s, &mut v);
                v
            })
            .collect();
        Matches { spans }
    }

    /// The position one side of a `GetSpan` selects (the interpreter's [`span_position`]).
    fn position(&self, regex: usize, index: i8, boundary: Boundary) -> i64 {
        span_position(&self.spans[regex], index, boundary)
    }

    /// Where the first match of a regex ends, if there is one.
    fn first_end(&self, regex: usize) -> Option<usize> {
        self.spans[regex].first().map(|&(_, end)| end as usize)
    }

    /// The `index`-th match of a regex (from the end for a negative index), if there is one.
    fn nth(&self, regex: usize, index: i8) -> Option<Span> {
        let spans = &self.spans[regex];
        normalize_index(index, spans.len()).map(|k| spans[k])
    }
}

/// `GetSpan`, `GetToken`, `GetUpto` and `GetFrom`, from each example's matches.
fn regex_based(t: &Target<'_>) -> Option<Expr> {
    let matches: Vec<Matches> = t.inputs.iter().map(|s| Matches::new(s.as_bytes())).collect();
    let examples = || t.inputs.iter().zip(t.outputs).zip(&matches).map(|((s, o), m)| (s.as_bytes(), o.as_bytes(), m));
    let regex_list: Vec<Regex> = regexes().collect();

    // GetToken(type, index): the index-th match, empty if there is none.
    for (r, &ty) in RegexType::ALL.iter().enumerate() {
        for &i in &INDICES {
            let reaches = examples().all(|(s, o, m)| m.nth(r, i).map_or(&[][..], |sp| span_text(s, sp)) == o);
            if reaches {
                return Some(Expr::get_token(ty, i));
            }
        }
    }
    // GetUpto(regex) and GetFrom(regex): up to, or from, the end of the first match.
    for (r, &regex) in regex_list.iter().enumerate() {
        if examples().all(|(s, o, m)| m.first_end(r).map_or(&[][..], |e| &s[..e]) == o) {
            return Some(Expr::get_upto(regex));
        }
    }
    for (r, &regex) in regex_list.iter().enumerate() {
        if examples().all(|(s, o, m)| m.first_end(r).map_or(&[][..], |e| &s[e..]) == o) {
            return Some(Expr::get_from(regex));
        }
    }
    // GetSpan(side1, side2): the first example's positions pick the pairs of sides.
    let sides: Vec<(usize, Side)> = (0..regex_list.len())
        .flat_map(|r| {
            let regex = regex_list[r];
            INDICES.iter().flat_map(move |&index| {
                [Boundary::Start, Boundary::End].map(|boundary| (r, Side { regex, index, boundary }))
            })
        })
        .collect();
    let (s0, o0, m0) = examples().next()?;
    let pos0: Vec<i64> = sides.iter().map(|&(r, side)| m0.position(r, side.index, side.boundary)).collect();
    let mut by_position: Vec<(i64, Vec<usize>)> = Vec::new();
    for (k, &p) in pos0.iter().enumerate() {
        match by_position.iter_mut().find(|(q, _)| *q == p) {
            Some((_, ks)) => ks.push(k),
            None => by_position.push((p, vec![k])),
        }
    }
    for (p1, ks1) in &by_position {
        for (p2, ks2) in &by_position {
            if get_span_text(s0, *p1, *p2) != o0 {
                continue;
            }
            for &(ra, a) in ks1.iter().map(|&k| &sides[k]) {
                for &(rb, b) in ks2.iter().map(|&k| &sides[k]) {
                    let reaches = examples().skip(1).all(|(s, o, m)| {
                        get_span_text(s, m.position(ra, a.index, a.boundary), m.position(rb, b.index, b.boundary)) == o
                    });
                    if reaches {
                        return Some(Expr::get_span(a.regex, a.index, a.boundary, b.regex, b.index, b.boundary));
                    }
                }
            }
        }
    }
    None
}

/// The Modifications, run by the interpreter on the first example and checked on the others.
/// A character argument absent from the first output can only leave it unchanged, so it is
/// tried only where the output is the input.
fn modification(t: &Target<'_>, it: &mut Interpreter) -> Option<Expr> {
    let (s0, o0) = (t.inputs[0].as_bytes(), t.outputs[0].as_bytes());
    let unchanged = s0 == o0;
    let useful = |c: u8| unchanged || o0.contains(&c);
    let mut candidates: Vec<Expr> = Vec::new();
    candidates.extend(Case::ALL.iter().map(|&c| Expr::to_case(c)));
    for &d1 in DELIMITERS {
        for &d2 in DELIMITERS {
            if useful(d2) {
                candidates.push(Expr::replace(d1, d2));
            }
        }
    }
    candidates.push(Expr::trim());
    for &ty in RegexType::ALL {
        candidates.extend(INDICES.iter().map(|&i| Expr::get_first(ty, i)));
        candidates.push(Expr::get_all(ty));
        for &i in &INDICES {
            candidates.extend(CHARACTERS.iter().filter(|&&c| useful(c)).map(|&c| Expr::substitute(ty, i, c)));
        }
        candidates.extend(CHARACTERS.iter().filter(|&&c| useful(c)).map(|&c| Expr::substitute_all(ty, c)));
        candidates.extend(INDICES.iter().map(|&i| Expr::remove(ty, i)));
        candidates.push(Expr::remove_all(ty));
    }
    let mut out = Vec::new();
    candidates.into_iter().find(|e| {
        out.clear();
        it.eval_expr(e, s0, &mut out).is_ok() && out == o0 && t.produced_by(e, it)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::robustfill::sample::random_task;
    use crate::splits::{Part, Split};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn texts(strings: &[&str]) -> Vec<Text> {
        strings.iter().map(|s| Text::new(s).unwrap()).collect()
    }

    fn outputs(expr: &Expr, inputs: &[Text]) -> Vec<Text> {
        let mut it = Interpreter::new();
        inputs.iter().map(|i| it.run_step(expr, i).unwrap()).collect()
    }

    /// Every expression without `Compose` of sampled programs has one that computes its
    /// outputs (often another: the first listed), and whatever is found computes them.
    #[test]
    fn the_outputs_of_sampled_expressions_are_reached() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut checked = 0;
        while checked < 300 {
            let task = random_task(&mut rng, Split::None, Part::Train);
            for expr in task.program.exprs.iter().filter(|e| !matches!(e, Expr::Compose { .. })) {
                let want = outputs(expr, &task.inputs);
                let found = expression_reaching(&task.inputs, &want).unwrap_or_else(|| panic!("{expr:?} on {want:?}"));
                assert_eq!(outputs(&found, &task.inputs), want, "{found:?} for {expr:?}");
                checked += 1;
            }
        }
    }

    #[test]
    fn each_family_is_found_where_only_it_reaches() {
        let inputs = texts(&["John Smith", "Ada Lovelace", "Alan M Turing"]);
        for expr in [
            Expr::const_str(b'.'),
            Expr::get_token(RegexType::Word, -1),
            Expr::get_span(Regex::Type(RegexType::Word), 1, Boundary::Start, Regex::Delimiter(b' '), 1, Boundary::End),
            Expr::to_case(Case::AllCaps),
            Expr::replace(b' ', b'.'),
            Expr::get_first(RegexType::AllCaps, 2),
        ] {
            let want = outputs(&expr, &inputs);
            let found = expression_reaching(&inputs, &want).unwrap_or_else(|| panic!("{expr:?}"));
            assert_eq!(outputs(&found, &inputs), want, "{found:?} for {expr:?}");
        }
    }

    #[test]
    fn outputs_no_expression_computes_are_not_reached() {
        // The same input with two outputs, and a character no operation makes from these inputs.
        assert_eq!(expression_reaching(&texts(&["ab", "ab"]), &texts(&["a", "b"])), None);
        assert_eq!(expression_reaching(&texts(&["ab", "cd"]), &texts(&["abab", "cdcd"])), None);
        // A Compose: the upper-cased first word (no single expression upper-cases a part).
        let inputs = texts(&["john smith", "ada lovelace", "alan turing"]);
        assert_eq!(expression_reaching(&inputs, &texts(&["JOHN", "ADA", "ALAN"])), None);
        assert_eq!(expression_reaching(&[], &[]), None);
        assert_eq!(expression_reaching(&inputs, &texts(&["john"])), None, "one output for three inputs");
    }

    /// The tables give what the interpreter gives for `GetSpan`, on random strings and sides.
    #[test]
    fn get_span_tables_agree_with_the_interpreter() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let regex_list: Vec<Regex> = regexes().collect();
        let mut it = Interpreter::new();
        for _ in 0..2000 {
            let len = rng.random_range(0..=20);
            let s: Vec<u8> = (0..len).map(|_| CHARACTERS[rng.random_range(0..CHARACTERS.len())]).collect();
            let m = Matches::new(&s);
            let mut side = || {
                let r = rng.random_range(0..regex_list.len());
                let i = INDICES[rng.random_range(0..INDICES.len())];
                let b = if rng.random_bool(0.5) { Boundary::Start } else { Boundary::End };
                (r, i, b)
            };
            let ((r1, i1, b1), (r2, i2, b2)) = (side(), side());
            let expr = Expr::get_span(regex_list[r1], i1, b1, regex_list[r2], i2, b2);
            let mut want = Vec::new();
            it.eval_expr(&expr, &s, &mut want).unwrap();
            let (p1, p2) = (m.position(r1, i1, b1), m.position(r2, i2, b2));
            assert_eq!(get_span_text(&s, p1, p2), &want[..], "{expr:?} on {:?}", String::from_utf8_lossy(&s));
        }
    }
}

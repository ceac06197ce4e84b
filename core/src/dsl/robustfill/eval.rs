//! RobustFill semantics (the official `tasks/robust_fill/dsl.py`; docs/dsl.md), including the
//! official edge cases and the exact points at which ill-typed arguments fail.
//!
//! Strings are handled as bytes: inputs are checked to lie in the 83-character ASCII alphabet
//! and every operation maps alphabet strings to alphabet strings, so byte offsets are
//! character offsets. The interpreter keeps its scratch buffers between calls, so running a
//! program allocates only its output.

use std::borrow::Cow;

use super::ast::{Boundary, Call, Case, Expr, Op, Program, Regex, Sym};
use super::regex::{Span, find_spans, find_spans_limit};
use super::value::{Text, check_alphabet};
use crate::error::{DslError, Result};

/// What an operation is applied to: a string, or (only after `ConstStr` got a non-string
/// argument inside a `Compose`) some other Python object, which nearly every operation
/// rejects.
#[derive(Clone, Copy)]
enum Subject<'a> {
    Str(&'a [u8]),
    Opaque,
}

/// What an operation produced: text appended to the output buffer, or a non-string object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Produced {
    Str,
    Opaque,
}

fn ill_typed(op: Op) -> DslError {
    DslError::Run(Cow::Owned(format!("ill-typed argument for {}", op.name())))
}

fn not_a_string(op: Op) -> DslError {
    DslError::Run(Cow::Owned(format!("{} applied to a non-string value", op.name())))
}

/// A reusable RobustFill interpreter.
#[derive(Debug, Default)]
pub struct Interpreter {
    inner: Vec<u8>,
    work: Vec<u8>,
    inner_work: Vec<u8>,
    spans: Vec<Span>,
}

impl Interpreter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs a whole program on one input.
    pub fn run(&mut self, program: &Program, input: &Text) -> Result<Text> {
        let input = input.as_bytes();
        // Size the output from the program (most expressions output at most their input).
        let mut out = Vec::with_capacity(input.len() * program.exprs.len().max(1) + 8);
        self.run_bytes(program, input, &mut out)?;
        Ok(Text::from_alphabet_bytes(out))
    }

    /// Runs one expression on one input.
    pub fn run_step(&mut self, expr: &Expr, input: &Text) -> Result<Text> {
        let input = input.as_bytes();
        let mut out = Vec::with_capacity(input.len() + 4);
        self.eval_expr(expr, input, &mut out)?;
        Ok(Text::from_alphabet_bytes(out))
    }

    /// Runs a whole program on a plain string (checked against the alphabet first).
    pub fn run_str(&mut self, program: &Program, input: &str) -> Result<String> {
        Ok(self.run(program, &Text::new(input)?)?.to_string())
    }

    /// Runs a whole program on alphabet bytes, appending the output to `out`.
    pub fn run_bytes(&mut self, program: &Program, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        for e in &program.exprs {
            self.eval_expr(e, input, out)?;
        }
        Ok(())
    }

    /// Runs one expression on a plain string (checked against the alphabet first).
    pub fn run_expr(&mut self, expr: &Expr, input: &str) -> Result<String> {
        let input = check_alphabet(input)?;
        let mut out = Vec::with_capacity(input.len() + 4);
        self.eval_expr(expr, input, &mut out)?;
        Ok(Text::from_alphabet_bytes(out).to_string())
    }

    /// Evaluates one expression on alphabet bytes, appending its output to `out`.
    pub fn eval_expr(&mut self, expr: &Expr, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let produced = match expr {
            Expr::Call(call) => self.eval_call(call, Subject::Str(input), out)?,
            Expr::Compose { outer, inner } => {
                let mut buf = std::mem::take(&mut self.inner);
                buf.clear();
                let r = self.eval_call(inner, Subject::Str(input), &mut buf).and_then(|p| {
                    let subject = match p {
                        Produced::Str => Subject::Str(&buf),
                        Produced::Opaque => Subject::Opaque,
                    };
                    self.eval_call(outer, subject, out)
                });
                self.inner = buf;
                r?
            }
        };
        match produced {
            Produced::Str => Ok(()),
            // `''.join(parts)` fails on a non-string part.
            Produced::Opaque => Err(DslError::run("ConstStr argument is not a string")),
        }
    }

    fn eval_call(&mut self, call: &Call, subject: Subject<'_>, out: &mut Vec<u8>) -> Result<Produced> {
        let op = call.op;
        let a = &call.args[..];
        let arg = |i: usize| a.get(i).copied().ok_or_else(|| ill_typed(op));
        match op {
            Op::ConstStr => match arg(0)?.text() {
                Some(t) => {
                    out.extend_from_slice(t);
                    Ok(Produced::Str)
                }
                None => Ok(Produced::Opaque),
            },
            Op::SubStr => {
                let (Sym::Int(p1), Sym::Int(p2)) = (arg(0)?, arg(1)?) else {
                    return Err(ill_typed(op));
                };
                sub_str(p1, p2, subject, out)?;
                Ok(Produced::Str)
            }
            _ => {
                let Subject::Str(s) = subject else {
                    return Err(not_a_string(op));
                };
                self.eval_on_str(op, a, s, out)?;
                Ok(Produced::Str)
            }
        }
    }

    /// The operations that need a string subject.
    fn eval_on_str(&mut self, op: Op, a: &[Sym], s: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let arg = |i: usize| a.get(i).copied().ok_or_else(|| ill_typed(op));
        let regex_type = |i: usize| match arg(i)? {
            Sym::Type(t) => Ok(t),
            _ => Err(ill_typed(op)),
        };
        let int = |i: usize| match arg(i)? {
            Sym::Int(k) => Ok(k),
            _ => Err(ill_typed(op)),
        };
        match op {
            Op::GetSpan => {
                let p1 = self.side_position(op, arg(0)?, arg(1)?, arg(2)?, s)?;
                let p2 = self.side_position(op, arg(3)?, arg(4)?, arg(5)?, s)?;
                out.extend_from_slice(get_span_text(s, p1, p2));
            }
            Op::GetToken => {
                let t = regex_type(0)?;
                let i = int(1)?;
                find_spans_limit(Regex::Type(t), s, &mut self.spans, needed_matches(i));
                if let Some(k) = normalize_index(i, self.spans.len()) {
                    out.extend_from_slice(span_text(s, self.spans[k]));
                }
            }
            Op::ToCase => {
                let Sym::Case(c) = arg(0)? else {
                    return Err(ill_typed(op));
                };
                to_case(c, s, out);
            }
            Op::Replace => {
                let (Some(from), Some(to)) = (arg(0)?.text(), arg(1)?.text()) else {
                    return Err(ill_typed(op));
                };
                replace(s, from, to, usize::MAX, out);
            }
            Op::Trim => {
                let start = s.iter().position(|&c| !is_py_space(c)).unwrap_or(s.len());
                let end = s.iter().rposition(|&c| !is_py_space(c)).map_or(start, |e| e + 1);
                out.extend_from_slice(&s[start..end.max(start)]);
            }
            Op::GetUpto | Op::GetFrom => {
                let r = to_regex(arg(0)?).ok_or_else(|| ill_typed(op))?;
                find_spans_limit(r, s, &mut self.spans, 1);
                if let Some(&(_, end)) = self.spans.first() {
                    let end = end as usize;
                    out.extend_from_slice(if op == Op::GetUpto { &s[..end] } else { &s[end..] });
                }
            }
            Op::GetFirst => {
                let t = regex_type(0)?;
                find_spans(Regex::Type(t), s, &mut self.spans);
                if !self.spans.is_empty() {
                    // The index is only compared once there are matches.
                    let i = int(1)?;
                    let n = self.spans.len() as i64;
                    let take = if i64::from(i) >= n {
                        n
                    } else if i >= 0 {
                        i64::from(i)
                    } else {
                        (n + i64::from(i)).max(0)
                    };
                    for &span in &self.spans[..take as usize] {
                        out.extend_from_slice(span_text(s, span));
                    }
                }
            }
            Op::GetAll => {
                let t = regex_type(0)?;
                find_spans(Regex::Type(t), s, &mut self.spans);
                for &span in &self.spans {
                    out.extend_from_slice(span_text(s, span));
                }
            }
            Op::Substitute | Op::Remove => {
                let t = regex_type(0)?;
                let i = int(1)?;
                find_spans_limit(Regex::Type(t), s, &mut self.spans, needed_matches(i));
                match normalize_index(i, self.spans.len()) {
                    None => out.extend_from_slice(s),
                    Some(k) => {
                        let to: &[u8] =
                            if op == Op::Remove { b"" } else { arg(2)?.text().ok_or_else(|| ill_typed(op))? };
                        replace(s, span_text(s, self.spans[k]), to, 1, out);
                    }
                }
            }
            Op::SubstituteAll | Op::RemoveAll => {
                let t = regex_type(0)?;
                find_spans(Regex::Type(t), s, &mut self.spans);
                if self.spans.is_empty() {
                    out.extend_from_slice(s);
                    return Ok(());
                }
                let to: &[u8] = if op == Op::RemoveAll { b"" } else { arg(1)?.text().ok_or_else(|| ill_typed(op))? };
                // Sequential `s = s.replace(m, to, 1)` for each match text, in order. The
                // string is rebuilt in `out` and the scratch buffer alternately.
                let mut work = std::mem::take(&mut self.work);
                work.clear();
                work.extend_from_slice(s);
                let mut next = std::mem::take(&mut self.inner_work);
                for &span in &self.spans {
                    next.clear();
                    replace(&work, span_text(s, span), to, 1, &mut next);
                    std::mem::swap(&mut work, &mut next);
                }
                out.extend_from_slice(&work);
                self.work = work;
                self.inner_work = next;
            }
            Op::ConstStr | Op::SubStr | Op::Compose => {
                // ConstStr and SubStr are handled by the caller; Compose never appears in a Call.
                return Err(ill_typed(op));
            }
        }
        Ok(())
    }

    /// `GetSpan._index`: the character position selected by one side of a `GetSpan`, with the
    /// official quirk that an index past the last match returns `len(matches) - 1`.
    fn side_position(&mut self, op: Op, r: Sym, i: Sym, b: Sym, s: &[u8]) -> Result<i64> {
        let r = to_regex(r).ok_or_else(|| ill_typed(op))?;
        let Sym::Int(i) = i else {
            return Err(ill_typed(op));
        };
        find_spans_limit(r, s, &mut self.spans, needed_matches(i));
        let boundary = if b == Sym::Boundary(Boundary::Start) { Boundary::Start } else { Boundary::End };
        Ok(span_position(&self.spans, i, boundary))
    }
}

/// The position one side of a `GetSpan` selects from a regex's matches (all of them, or at
/// least the first `i` for a positive `i`): -1 without matches, the number of matches less one
/// for an index past the last (the official quirk), else the boundary of the `i`-th match.
pub(super) fn span_position(spans: &[Span], i: i8, boundary: Boundary) -> i64 {
    let n = spans.len() as i64;
    let k = if i > 0 { i64::from(i) - 1 } else { n + i64::from(i) };
    if n == 0 {
        return -1;
    }
    if k >= n {
        return n - 1;
    }
    if k < 0 {
        return 0;
    }
    let (start, end) = spans[k as usize];
    i64::from(if boundary == Boundary::Start { start } else { end })
}

/// A regex argument: a class, or a single delimiter character.
fn to_regex(s: Sym) -> Option<Regex> {
    match s {
        Sym::Type(t) => Some(Regex::Type(t)),
        Sym::Char(c) if super::ast::is_delimiter(c) => Some(Regex::Delimiter(c)),
        _ => None,
    }
}

/// How many matches an index needs to see: the k-th for a positive k (knowing whether at
/// least k exist is enough), all of them for a negative one.
fn needed_matches(k: i8) -> usize {
    if k > 0 { k as usize } else { usize::MAX }
}

/// `k - 1` for positive k, `len + k` otherwise; `None` when that is out of `[0, len)`.
pub(super) fn normalize_index(k: i8, len: usize) -> Option<usize> {
    let n = len as i64;
    let idx = if k > 0 { i64::from(k) - 1 } else { n + i64::from(k) };
    (0..n).contains(&idx).then_some(idx as usize)
}

pub(super) fn span_text(s: &[u8], (a, b): Span) -> &[u8] {
    &s[a as usize..b as usize]
}

/// Python's `s[a:b]` (with `b = None` for `s[a:]`).
pub(super) fn py_slice(s: &[u8], a: i64, b: Option<i64>) -> &[u8] {
    let n = s.len() as i64;
    let norm = |x: i64| if x < 0 { (x + n).max(0) } else { x.min(n) };
    let a = norm(a);
    let b = b.map_or(n, norm);
    if a >= b { &[] } else { &s[a as usize..b as usize] }
}

fn sub_str(p1: i8, p2: i8, subject: Subject<'_>, out: &mut Vec<u8>) -> Result<()> {
    let len = |subject: Subject<'_>| match subject {
        Subject::Str(s) => Ok(s.len() as i64),
        Subject::Opaque => Err(not_a_string(Op::SubStr)),
    };
    let q1 = if p1 > 0 { i64::from(p1) - 1 } else { len(subject)? + i64::from(p1) };
    let q2 = if p2 > 0 { i64::from(p2) - 1 } else { len(subject)? + i64::from(p2) };
    if q1 >= q2 {
        return Ok(());
    }
    let Subject::Str(s) = subject else {
        return Err(not_a_string(Op::SubStr));
    };
    out.extend_from_slice(sub_str_text(s, q1, q2));
    Ok(())
}

/// `GetSpan`'s output from the positions its sides select ([`span_position`]): empty if
/// either is -1.
pub(super) fn get_span_text(s: &[u8], p1: i64, p2: i64) -> &[u8] {
    if p1.min(p2) >= 0 { py_slice(s, p1, Some(p2)) } else { &[] }
}

/// `SubStr`'s output on a string from its 0-based positions `q1 < q2`: through `q2`.
pub(super) fn sub_str_text(s: &[u8], q1: i64, q2: i64) -> &[u8] {
    if q2 == s.len() as i64 { py_slice(s, q1, None) } else { py_slice(s, q1, Some(q2 + 1)) }
}

fn to_case(c: Case, s: &[u8], out: &mut Vec<u8>) {
    match c {
        Case::AllCaps => out.extend(s.iter().map(u8::to_ascii_uppercase)),
        Case::Lower => out.extend(s.iter().map(u8::to_ascii_lowercase)),
        Case::Proper => {
            // Python's str.capitalize(): first character upper-cased, the rest lower-cased.
            if let Some((first, rest)) = s.split_first() {
                out.push(first.to_ascii_uppercase());
                out.extend(rest.iter().map(u8::to_ascii_lowercase));
            }
        }
    }
}

/// Python's `str.isspace` on the ASCII range.
fn is_py_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f)
}

/// Position of the first occurrence of a non-empty `needle`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    match needle {
        [] => Some(0),
        [c] => hay.iter().position(|x| x == c),
        [first, rest @ ..] => {
            let last_start = hay.len().checked_sub(needle.len())?;
            (0..=last_start).find(|&i| hay[i] == *first && hay[i + 1..].iter().zip(rest).all(|(a, b)| a == b))
        }
    }
}

/// Python's `s.replace(from, to, count)` for a non-empty `from`, appended to `out`.
fn replace(s: &[u8], from: &[u8], to: &[u8], count: usize, out: &mut Vec<u8>) {
    if let ([f], [t], usize::MAX) = (from, to, count) {
        // The common case (Replace of one character by another) is a byte map.
        out.extend(s.iter().map(|c| if c == f { *t } else { *c }));
        return;
    }
    let mut rest = s;
    let mut done = 0;
    while done < count {
        match find(rest, from) {
            Some(p) => {
                out.extend_from_slice(&rest[..p]);
                out.extend_from_slice(to);
                rest = &rest[p + from.len()..];
                done += 1;
            }
            None => break,
        }
    }
    out.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::super::ast::{Boundary as B, Case as C, Regex as R, RegexType as T};
    use super::*;

    fn run1(e: Expr, s: &str) -> String {
        Interpreter::new().run_expr(&e, s).unwrap()
    }

    fn prog(exprs: Vec<Expr>, s: &str) -> String {
        Interpreter::new().run_str(&Program::new(exprs), s).unwrap()
    }

    #[test]
    fn official_dsl_test_programs() {
        let p1 = vec![Expr::get_token(T::Alphanum, 3), Expr::get_from(R::Delimiter(b':')), Expr::get_first(T::Char, 4)];
        assert_eq!(prog(p1.clone(), "Ud 9:25,JV3 Obb"), "2525,JV3 ObbUd 9");
        assert_eq!(prog(p1, "zLny xmHg 8:43 A44q"), "843 A44qzLny");
        let p2 = vec![
            Expr::compose(
                Expr::replace(b' ', b','),
                Expr::get_span(R::Type(T::PropCase), 1, B::Start, R::Type(T::PropCase), 4, B::End),
            )
            .unwrap(),
            Expr::const_str(b'.'),
            Expr::get_token(T::PropCase, -1),
        ];
        assert_eq!(prog(p2.clone(), "Jacob Ethan James Alexander Michael"), "Jacob,Ethan,James,Alexander.Michael");
        assert_eq!(prog(p2, "Earth Fire Wind Water Pluto Sun"), "Earth,Fire,Wind,Water.Sun");
    }

    #[test]
    fn sub_str_edge_cases() {
        assert_eq!(run1(Expr::sub_str(-15, 9), "abcdefghij"), "fghi");
        assert_eq!(run1(Expr::sub_str(3, 3), "abcdefghij"), "");
        assert_eq!(run1(Expr::sub_str(2, 4), "abcdefghij"), "bcd");
        assert_eq!(run1(Expr::sub_str(1, -1), "abcdefghij"), "abcdefghij");
        assert_eq!(run1(Expr::sub_str(1, -2), "abcdefghij"), "abcdefghi");
        assert_eq!(run1(Expr::sub_str(1, 0), "abcdefghij"), "abcdefghij");
        assert_eq!(run1(Expr::sub_str(5, 100), "abc"), "");
        assert_eq!(run1(Expr::sub_str(2, 100), "abc"), "bc");
        assert_eq!(run1(Expr::sub_str(-2, 0), "abc"), "bc");
    }

    #[test]
    fn get_span_quirks() {
        // An index past the last match returns len(matches) - 1 as a *position*.
        let e = Expr::get_span(R::Type(T::Char), 1, B::Start, R::Type(T::Digit), 5, B::End);
        assert_eq!(run1(e, "a1b2cdef"), "a");
        // No match on one side: empty.
        let e = Expr::get_span(R::Type(T::Number), 1, B::Start, R::Delimiter(b'.'), 1, B::End);
        assert_eq!(run1(e, "ab12"), "");
        // A negative index below -len clamps to position 0.
        let e = Expr::get_span(R::Type(T::Digit), -5, B::Start, R::Type(T::Digit), 1, B::End);
        assert_eq!(run1(e, "ab12"), "ab1");
        // A non-START boundary token counts as END.
        let e = Expr::Call(Call::new(
            Op::GetSpan,
            &[
                Sym::Type(T::Word),
                Sym::Int(1),
                Sym::Case(C::Lower),
                Sym::Type(T::Word),
                Sym::Int(2),
                Sym::Boundary(B::End),
            ],
        ));
        assert_eq!(run1(e, "ab cd ef"), " cd");
    }

    #[test]
    fn modification_quirks() {
        assert_eq!(run1(Expr::to_case(C::Proper), "#abC dE"), "#abc de");
        assert_eq!(run1(Expr::get_first(T::Word, -1), "ab12 cd345 ef"), "abcd");
        assert_eq!(run1(Expr::get_first(T::Word, -3), "ab12 cd345 ef"), "");
        assert_eq!(run1(Expr::get_first(T::Word, 5), "ab12 cd345 ef"), "abcdef");
        assert_eq!(run1(Expr::substitute(T::Digit, 2, b'x'), "1a1"), "xa1");
        assert_eq!(run1(Expr::substitute_all(T::Digit, b'5'), "15"), "55");
        assert_eq!(run1(Expr::substitute_all(T::Digit, b'1'), "12"), "11");
        assert_eq!(run1(Expr::remove(T::Word, -1), "ab ab"), " ab");
        assert_eq!(run1(Expr::remove_all(T::Digit), "a1b22"), "ab");
        assert_eq!(run1(Expr::replace(b'a', b'.'), "banana"), "b.n.n.");
        assert_eq!(run1(Expr::trim(), "  a b "), "a b");
        assert_eq!(run1(Expr::trim(), "   "), "");
        assert_eq!(run1(Expr::get_upto(R::Type(T::Number)), "ab12cd34"), "ab12");
        assert_eq!(run1(Expr::get_from(R::Type(T::Number)), "ab12cd34"), "cd34");
        assert_eq!(run1(Expr::get_from(R::Delimiter(b'.')), "abc"), "");
        assert_eq!(run1(Expr::get_token(T::Word, -2), "ab cd ef"), "cd");
        assert_eq!(run1(Expr::get_token(T::Word, 4), "ab cd ef"), "");
    }

    #[test]
    fn ill_typed_arguments_fail_only_where_python_fails() {
        let mut it = Interpreter::new();
        let call = |op, args: &[Sym]| Expr::Call(Call::new(op, args));
        // GetUpto with a non-delimiter character: AssertionError.
        assert!(it.run_expr(&call(Op::GetUpto, &[Sym::Char(b'a')]), "abc").is_err());
        // GetFirst with a non-int index but no matches: returns "" without comparing.
        assert_eq!(it.run_expr(&call(Op::GetFirst, &[Sym::Type(T::Word), Sym::Char(b'a')]), "123").unwrap(), "");
        assert!(it.run_expr(&call(Op::GetFirst, &[Sym::Type(T::Word), Sym::Char(b'a')]), "ab").is_err());
        // ConstStr of "BOS"/"EOS" strings works; of an int fails at the join.
        assert_eq!(it.run_expr(&call(Op::ConstStr, &[Sym::Eos]), "x").unwrap(), "EOS");
        assert!(it.run_expr(&call(Op::ConstStr, &[Sym::Int(3)]), "x").is_err());
        // A character outside the alphabet (no token exists for it) is not a string.
        assert!(it.run_expr(&Expr::const_str(b'-'), "x").is_err());
        assert!(it.run_expr(&Expr::replace(b'x', 0xe9), "x").is_err());
        // Replace with any two characters, not only delimiters.
        assert_eq!(it.run_expr(&call(Op::Replace, &[Sym::Char(b'a'), Sym::Bos]), "cab").unwrap(), "cBOSb");
        // Substitute with a non-string replacement fails only when something is replaced.
        let sub = call(Op::Substitute, &[Sym::Type(T::Digit), Sym::Int(1), Sym::Int(4)]);
        assert_eq!(it.run_expr(&sub, "abc").unwrap(), "abc");
        assert!(it.run_expr(&sub, "a1").is_err());
        // ToCase with a non-Case, SubStr with a non-int.
        assert!(it.run_expr(&call(Op::ToCase, &[Sym::Type(T::Lower)]), "a").is_err());
        assert!(it.run_expr(&call(Op::SubStr, &[Sym::Int(1), Sym::Char(b'a')]), "a").is_err());
        // Compose with a Substring outer op just runs.
        let e = Expr::compose(Expr::get_token(T::Word, 1), Expr::to_case(C::Lower)).unwrap();
        assert_eq!(it.run_expr(&e, "AB cd").unwrap(), "ab");
        // Compose(SubStr(2, 1), ConstStr(5)): SubStr never touches its non-string input.
        let e = Expr::Compose {
            outer: Call::new(Op::SubStr, &[Sym::Int(2), Sym::Int(1)]),
            inner: Call::new(Op::ConstStr, &[Sym::Int(5)]),
        };
        assert_eq!(it.run_expr(&e, "abc").unwrap(), "");
        let e = Expr::Compose { outer: Call::new(Op::Trim, &[]), inner: Call::new(Op::ConstStr, &[Sym::Int(5)]) };
        assert!(it.run_expr(&e, "abc").is_err());
    }

    #[test]
    fn inputs_outside_the_alphabet_are_invalid() {
        let err = Interpreter::new().run_expr(&Expr::trim(), "caf\u{e9}").unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Invalid);
        assert!(Interpreter::new().run_expr(&Expr::trim(), "tab\there").is_err());
    }
}

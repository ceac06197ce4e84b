//! DeepCoder values: an int or a list of ints, every int in [-50, 50] (the official
//! `tasks/deepcoder/deepcoder_dsl.py`; docs/dsl.md).
//!
//! The range invariant is established at every boundary (parsing, op results), so values are
//! stored as `i8` and short lists live inline without heap allocation.

use std::fmt;

use smallvec::SmallVec;

use crate::error::{DslError, Result};

/// The largest allowed int (the official flag `deepcoder_max_int`).
pub const MAX_INT: i64 = 50;
/// The smallest allowed int (symmetric).
pub const MIN_INT: i64 = -MAX_INT;
/// The maximum length of a list *input* (results are not length-checked).
pub const MAX_LIST_LENGTH: usize = 5;

/// The elements of a list value.
pub type IntList = SmallVec<[i8; 16]>;

/// A DeepCoder value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    Int(i8),
    List(IntList),
}

/// True when an int is inside the DSL's range.
pub fn in_range(x: i64) -> bool {
    (MIN_INT..=MAX_INT).contains(&x)
}

impl Value {
    /// An int value, checked against the range.
    pub fn int(x: i64) -> Result<Value> {
        if in_range(x) { Ok(Value::Int(x as i8)) } else { Err(out_of_range(x)) }
    }

    /// A list value, checked against the range.
    pub fn list<I: IntoIterator<Item = i64>>(xs: I) -> Result<Value> {
        let mut out = IntList::new();
        for x in xs {
            if !in_range(x) {
                return Err(out_of_range(x));
            }
            out.push(x as i8);
        }
        Ok(Value::List(out))
    }

    pub fn as_list(&self) -> Option<&[i8]> {
        match self {
            Value::List(xs) => Some(xs),
            Value::Int(_) => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(x) => Some(i64::from(*x)),
            Value::List(_) => None,
        }
    }

    pub fn is_list(&self) -> bool {
        matches!(self, Value::List(_))
    }

    /// The official token form (`[ 1 2 ]`, `[ ]`, `-5`), space-separated.
    pub fn tokens(&self) -> Vec<String> {
        match self {
            Value::Int(x) => vec![x.to_string()],
            Value::List(xs) => {
                let mut t = Vec::with_capacity(xs.len() + 2);
                t.push("[".to_string());
                t.extend(xs.iter().map(i8::to_string));
                t.push("]".to_string());
                t
            }
        }
    }
}

pub(crate) fn out_of_range(x: impl fmt::Display) -> DslError {
    DslError::invalid(format!("{x} is outside the DeepCoder range [{MIN_INT}, {MAX_INT}]"))
}

impl fmt::Display for Value {
    /// The official printed form (`result_to_str`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(x) => write!(f, "{x}"),
            Value::List(xs) => {
                f.write_str("[")?;
                for x in xs {
                    write!(f, " {x}")?;
                }
                f.write_str(" ]")
            }
        }
    }
}

/// Parses a value the way the official `str_to_result` + `validate_result` do: Python literal
/// syntax, with whitespace between numbers standing for a comma (so `[ 1 2 ]` is a list).
///
/// Text that is not such a literal is a `Parse` error; a literal that is not a DeepCoder value
/// (an int outside [-50, 50], a nested list, a tuple such as `1 2`) is `Invalid`. Lists longer
/// than five elements are accepted, as in the official code.
pub fn parse_value(text: &str) -> Result<Value> {
    let mut p = LiteralParser { s: text.as_bytes(), i: 0 };
    p.ws();
    let first = p.literal()?;
    p.ws();
    let mut tuple = false;
    while !p.end() {
        // A top-level sequence is a Python tuple: well-formed, but not a DeepCoder value.
        p.separator()?;
        p.ws();
        if p.end() {
            break;
        }
        p.literal()?;
        p.ws();
        tuple = true;
    }
    if tuple || matches!(p.s.last(), Some(b',')) {
        return Err(DslError::invalid(format!("{text:?} is a tuple, not an int or a list of ints")));
    }
    first.into_value(text)
}

/// A parsed Python literal, before the DeepCoder checks.
enum Literal {
    Int(i128),
    List(Vec<Literal>),
}

impl Literal {
    fn into_value(self, text: &str) -> Result<Value> {
        match self {
            Literal::Int(x) => Value::int(clamp_i64(x)),
            Literal::List(items) => {
                let mut xs = IntList::new();
                for item in items {
                    match item {
                        Literal::Int(x) if in_range(clamp_i64(x)) => xs.push(x as i8),
                        Literal::Int(x) => return Err(out_of_range(x)),
                        Literal::List(_) => {
                            return Err(DslError::invalid(format!("{text:?} is a nested list, not a DeepCoder value")));
                        }
                    }
                }
                Ok(Value::List(xs))
            }
        }
    }
}

fn clamp_i64(x: i128) -> i64 {
    x.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

struct LiteralParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl LiteralParser<'_> {
    fn end(&self) -> bool {
        self.i >= self.s.len()
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn error(&self) -> DslError {
        let text = String::from_utf8_lossy(self.s);
        DslError::parse(format!("{text:?} is not an int or a list of ints (at offset {})", self.i))
    }

    /// Between two items: a comma, or whitespace after a digit followed by a digit or `-`
    /// (where the official code inserts a comma).
    fn separator(&mut self) -> Result<()> {
        let had_space = self.i > 0 && matches!(self.s[self.i - 1], b' ' | b'\t' | b'\n' | b'\r');
        if self.peek() == Some(b',') {
            self.i += 1;
            return Ok(());
        }
        let after_digit = {
            let mut j = self.i;
            while j > 0 && self.s[j - 1] == b' ' {
                j -= 1;
            }
            j > 0 && self.s[j - 1].is_ascii_digit() && j < self.i
        };
        if had_space && after_digit && matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
            return Ok(());
        }
        Err(self.error())
    }

    fn literal(&mut self) -> Result<Literal> {
        match self.peek() {
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Literal::List(items));
                }
                loop {
                    items.push(self.literal()?);
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                        return Ok(Literal::List(items));
                    }
                    self.separator()?;
                    self.ws();
                    if self.peek() == Some(b']') {
                        // A trailing comma, as in `[1, 2,]`.
                        if self.s[..self.i].iter().rev().find(|c| !c.is_ascii_whitespace()) == Some(&b',') {
                            self.i += 1;
                            return Ok(Literal::List(items));
                        }
                        return Err(self.error());
                    }
                }
            }
            Some(b'-' | b'+') => {
                let neg = self.peek() == Some(b'-');
                self.i += 1;
                self.ws();
                match self.literal()? {
                    Literal::Int(x) => Ok(Literal::Int(if neg { -x } else { x })),
                    Literal::List(_) => Err(self.error()),
                }
            }
            Some(b'0'..=b'9') => {
                let start = self.i;
                while matches!(self.peek(), Some(b'0'..=b'9' | b'_')) {
                    self.i += 1;
                }
                let digits: String = self.s[start..self.i].iter().filter(|&&c| c != b'_').map(|&c| c as char).collect();
                // Python ints are unbounded: saturate, the range check rejects it anyway.
                let x = digits.parse::<i128>().unwrap_or(i128::MAX);
                Ok(Literal::Int(x))
            }
            _ => Err(self.error()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn kind(s: &str) -> ErrorKind {
        parse_value(s).unwrap_err().kind()
    }

    #[test]
    fn parses_official_forms() {
        assert_eq!(parse_value("[ 1 2 ]").unwrap(), Value::list([1, 2]).unwrap());
        assert_eq!(parse_value("[ ]").unwrap(), Value::list([]).unwrap());
        assert_eq!(parse_value("[ -5 0 -3 ]").unwrap(), Value::list([-5, 0, -3]).unwrap());
        assert_eq!(parse_value("-5").unwrap(), Value::Int(-5));
        assert_eq!(parse_value(" 7 ").unwrap(), Value::Int(7));
        assert_eq!(parse_value("[1, 2, 3]").unwrap(), Value::list([1, 2, 3]).unwrap());
        assert_eq!(parse_value("[1, 2,]").unwrap(), Value::list([1, 2]).unwrap());
        assert_eq!(parse_value("[ 1 - 2 ]").unwrap(), Value::list([1, -2]).unwrap());
        // Longer than five is accepted.
        assert_eq!(parse_value("[ 1 2 3 4 5 6 7 ]").unwrap().as_list().unwrap().len(), 7);
    }

    #[test]
    fn rejects_what_python_rejects() {
        assert_eq!(kind("[ [ 1 ] ]"), ErrorKind::Invalid);
        assert_eq!(kind("1 2"), ErrorKind::Invalid);
        assert_eq!(kind("[ 51 ]"), ErrorKind::Invalid);
        assert_eq!(kind("-51"), ErrorKind::Invalid);
        assert_eq!(kind("99999999999999999999999999"), ErrorKind::Invalid);
        assert_eq!(kind(""), ErrorKind::Parse);
        assert_eq!(kind("[ 1 2"), ErrorKind::Parse);
        assert_eq!(kind("[ 1 +2 ]"), ErrorKind::Parse);
        assert_eq!(kind("abc"), ErrorKind::Parse);
        assert_eq!(kind("[ 1 ] [ 2 ]"), ErrorKind::Parse);
    }

    #[test]
    fn prints_official_form() {
        assert_eq!(Value::list([1, -2]).unwrap().to_string(), "[ 1 -2 ]");
        assert_eq!(Value::list([]).unwrap().to_string(), "[ ]");
        assert_eq!(Value::Int(-3).to_string(), "-3");
        assert!(Value::int(51).is_err());
    }
}

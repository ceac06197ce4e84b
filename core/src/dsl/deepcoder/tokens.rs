//! The DeepCoder vocabulary (153 ids, shared by programs and I/O; the official
//! `tasks/deepcoder/deepcoder_dsl.py`, `vocab_tables`).
//!
//! 0 pad (`''`), 1 `<BOS>`, 2 `<EOS>`, 3 `|`, 4 `=`, 5 `INPUT`, 6 `[`, 7 `]`, 8..=22 the ops,
//! 23..=41 the lambdas, 42..=51 `x0`..`x9`, 52..=152 the integers -50..=50.

use std::sync::OnceLock;

use super::ops::{Lambda, Op};
use super::program::{Program, State, Statement, Var};
use super::value::{IntList, MAX_INT, MIN_INT, Value};
use crate::error::{DslError, Result};
use crate::vocab::{Token, Vocab};

pub const VOCAB_SIZE: usize = 153;
pub const SEP: Token = 3;
pub const EQUALS: Token = 4;
pub const INPUT: Token = 5;
pub const OPEN: Token = 6;
pub const CLOSE: Token = 7;
const OP_BASE: Token = 8;
const LAMBDA_BASE: Token = 23;
const VAR_BASE: Token = 42;
const INT_BASE: Token = 52;

fn names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut t: Vec<String> =
            ["", "<BOS>", "<EOS>", "|", "=", "INPUT", "[", "]"].iter().map(|s| s.to_string()).collect();
        t.extend(Op::ALL.iter().map(|o| o.token().to_string()));
        t.extend(Lambda::ALL.iter().map(|l| l.token().to_string()));
        t.extend((0..10).map(|i| format!("x{i}")));
        t.extend((MIN_INT..=MAX_INT).map(|i| i.to_string()));
        debug_assert_eq!(t.len(), VOCAB_SIZE);
        t
    })
}

pub fn vocab() -> Vocab {
    Vocab::new(names().to_vec(), Some(SEP))
}

/// The token text of an id.
pub fn token_name(id: Token) -> Option<&'static str> {
    names().get(id as usize).map(String::as_str)
}

/// The id of a token text (not for the pad token, which is the empty string).
pub fn token_id(token: &str) -> Option<Token> {
    Some(match token {
        "<BOS>" => 1,
        "<EOS>" => 2,
        "|" => SEP,
        "=" => EQUALS,
        "INPUT" => INPUT,
        "[" => OPEN,
        "]" => CLOSE,
        _ => {
            if let Some(op) = Op::from_token(token) {
                OP_BASE + op as Token
            } else if let Some(l) = Lambda::from_token(token) {
                LAMBDA_BASE + l as Token
            } else if let Some(v) = Var::parse(token).ok().filter(|v| v.is_canonical() && token.len() == 2) {
                VAR_BASE + v.index() as Token
            } else {
                let k: i64 = token.parse().ok()?;
                if !(MIN_INT..=MAX_INT).contains(&k) || token.starts_with('+') || token == "-0" {
                    return None;
                }
                (i64::from(INT_BASE) + k - MIN_INT) as Token
            }
        }
    })
}

pub fn int_id(x: i8) -> Token {
    (i64::from(INT_BASE) + i64::from(x) - MIN_INT) as Token
}

pub fn var_id(v: Var) -> Result<Token> {
    if v.is_canonical() {
        Ok(VAR_BASE + v.index() as Token)
    } else {
        Err(DslError::invalid(format!("variable {v} has no token")))
    }
}

/// Token ids of a value (`[ 1 2 ]` or `-5`).
pub fn encode_value(v: &Value, out: &mut Vec<Token>) {
    match v {
        Value::Int(x) => out.push(int_id(*x)),
        Value::List(xs) => {
            out.push(OPEN);
            out.extend(xs.iter().map(|&x| int_id(x)));
            out.push(CLOSE);
        }
    }
}

/// Token ids of a state (`x0 = [ 1 ] | x1 = 3`).
pub fn encode_state(s: &State, out: &mut Vec<Token>) -> Result<()> {
    for (i, (var, val)) in s.entries.iter().enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        out.push(var_id(*var)?);
        out.push(EQUALS);
        encode_value(val, out);
    }
    Ok(())
}

/// Token ids of a statement's right-hand side (`Scanl1 (-) x0`).
pub fn encode_rhs(s: &Statement, out: &mut Vec<Token>) -> Result<()> {
    out.push(OP_BASE + s.op as Token);
    if let Some(l) = s.lambda {
        out.push(LAMBDA_BASE + l as Token);
    }
    for &a in &s.args {
        out.push(var_id(a)?);
    }
    Ok(())
}

/// Token ids of a whole program, without EOS.
pub fn encode_program(p: &Program, out: &mut Vec<Token>) -> Result<()> {
    for t in p.tokens() {
        out.push(token_id(&t).ok_or_else(|| DslError::invalid(format!("token {t:?} is not in the vocabulary")))?);
    }
    Ok(())
}

fn names_of(ids: &[Token]) -> Result<Vec<&'static str>> {
    ids.iter()
        .map(|&id| {
            token_name(id).ok_or_else(|| DslError::decode(format!("token id {id} is not in the DeepCoder vocabulary")))
        })
        .collect()
}

/// Decodes a whole program from ids (padding, BOS and EOS are dropped first).
pub fn decode_program(ids: &[Token]) -> Result<Program> {
    let kept: Vec<Token> = ids.iter().copied().filter(|&t| t > 2).collect();
    Program::from_tokens(&names_of(&kept)?)
}

/// Decodes the right-hand side of the statement that assigns `lhs` (padding, BOS and EOS are
/// dropped first).
pub fn decode_rhs(lhs: Var, ids: &[Token]) -> Result<Statement> {
    let kept: Vec<Token> = ids.iter().copied().filter(|&t| t > 2).collect();
    if kept.contains(&SEP) {
        return Err(DslError::parse("a step must be a single statement"));
    }
    let rhs = names_of(&kept)?.join(" ");
    Statement::parse_rhs(lhs, &rhs)
}

/// Decodes a value (padding is skipped): an int token, or `[` int tokens `]`.
pub fn decode_value(ids: &[Token]) -> Result<Value> {
    let ids: Vec<Token> = ids.iter().copied().filter(|&t| t != 0).collect();
    let as_int = |t: Token| (INT_BASE..INT_BASE + 101).contains(&t).then(|| (i64::from(t - INT_BASE) + MIN_INT) as i8);
    match ids.as_slice() {
        [t] => as_int(*t).map(Value::Int),
        [OPEN, inner @ .., CLOSE] => inner.iter().map(|&t| as_int(t)).collect::<Option<IntList>>().map(Value::List),
        _ => None,
    }
    .ok_or_else(|| {
        let text = ids.iter().filter_map(|&t| token_name(t)).collect::<Vec<_>>().join(" ");
        DslError::parse(format!("{text:?} is not a DeepCoder value"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_spec() {
        let v = vocab();
        assert_eq!(v.len(), VOCAB_SIZE);
        assert_eq!(v.name(8), Some("Head"));
        assert_eq!(v.name(22), Some("Scanl1"));
        assert_eq!(v.name(23), Some("(+1)"));
        assert_eq!(v.name(38), Some("(-)"));
        assert_eq!(v.name(41), Some("(max)"));
        assert_eq!(v.name(42), Some("x0"));
        assert_eq!(v.name(52), Some("-50"));
        assert_eq!(v.name(102), Some("0"));
        assert_eq!(v.name(152), Some("50"));
        for id in 1..VOCAB_SIZE as Token {
            assert_eq!(token_id(v.name(id).unwrap()), Some(id), "id {id}");
        }
        assert_eq!(token_id("51"), None);
        assert_eq!(token_id("x01"), None);
    }

    #[test]
    fn spec_rhs_example() {
        let s = Statement::parse_rhs(Var::new(2), "Scanl1 (-) x0").unwrap();
        let mut ids = Vec::new();
        encode_rhs(&s, &mut ids).unwrap();
        assert_eq!(ids, [22, 38, 42]);
        assert_eq!(decode_rhs(Var::new(2), &[22, 38, 42, 2]).unwrap(), s);
        assert!(decode_rhs(Var::new(2), &[22, 38]).is_err());
        assert!(decode_rhs(Var::new(2), &[22, 38, 44]).is_err()); // uses its own variable
    }

    #[test]
    fn values_round_trip() {
        let v = Value::list([1, -2, 50]).unwrap();
        let mut ids = Vec::new();
        encode_value(&v, &mut ids);
        assert_eq!(decode_value(&ids).unwrap(), v);
        assert!(decode_value(&[OPEN, 52]).is_err());
        assert!(decode_value(&[]).is_err());
        assert!(decode_value(&[42]).is_err());
        assert_eq!(decode_value(&[0, OPEN, CLOSE, 0]).unwrap(), Value::List(IntList::new()));
    }
}

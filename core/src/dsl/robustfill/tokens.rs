//! The RobustFill token tables (the official `tasks/robust_fill/tokens.py` and `dsl.py`) and the
//! official encode/decode algorithms.
//!
//! Program vocabulary (316 ids): 0 pad, 1 BOS, 2 EOS, 3..=18 the op classes, 19..=101 the 83
//! characters, 102..=109 the regex types, 110..=112 the cases, 113..=114 the boundaries,
//! 115..=315 the integers -100..=100. I/O vocabulary (87 ids): 0 pad, 1 BOS, 2 EOS, 3..=85
//! the characters, 86 the example separator `|`.

use std::borrow::Cow;

use super::ast::{Boundary, CHARACTERS, Call, Case, Expr, Op, Program, RegexType, Sym};
use super::value::Text;
use crate::error::{DslError, Result};
use crate::vocab::{BOS, EOS, Token, Vocab};

pub const PROGRAM_VOCAB_SIZE: usize = 316;
pub const IO_VOCAB_SIZE: usize = 87;
/// The example separator of the I/O vocabulary.
pub const IO_SEPARATOR: Token = 86;

const OP_BASE: Token = 3;
const CHAR_BASE: Token = 19;
const TYPE_BASE: Token = 102;
const CASE_BASE: Token = 110;
const BOUNDARY_BASE: Token = 113;
const INT_ZERO: i32 = 215;

/// Index of each byte in `CHARACTERS`, or 255.
static CHAR_INDEX: [u8; 256] = {
    let mut t = [255u8; 256];
    let mut i = 0;
    while i < CHARACTERS.len() {
        t[CHARACTERS[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// The program-vocabulary entry of an id (`None` for padding and unknown ids).
pub fn sym_of(id: Token) -> Option<Sym> {
    Some(match id {
        1 => Sym::Bos,
        2 => Sym::Eos,
        3..=18 => Sym::Op(Op::ALL[(id - OP_BASE) as usize]),
        19..=101 => Sym::Char(CHARACTERS[(id - CHAR_BASE) as usize]),
        102..=109 => Sym::Type(RegexType::ALL[(id - TYPE_BASE) as usize]),
        110..=112 => Sym::Case(Case::ALL[(id - CASE_BASE) as usize]),
        113..=114 => Sym::Boundary(Boundary::ALL[(id - BOUNDARY_BASE) as usize]),
        115..=315 => Sym::Int((i32::from(id) - INT_ZERO) as i8),
        _ => return None,
    })
}

/// The id of a program-vocabulary entry (`None` for a character outside the alphabet or an
/// integer outside -100..=100).
pub fn id_of(sym: Sym) -> Option<Token> {
    Some(match sym {
        Sym::Bos => BOS,
        Sym::Eos => EOS,
        Sym::Op(op) => OP_BASE + op as Token,
        Sym::Char(c) => match CHAR_INDEX[c as usize] {
            255 => return None,
            i => CHAR_BASE + Token::from(i),
        },
        Sym::Type(t) => TYPE_BASE + t as Token,
        Sym::Case(c) => CASE_BASE + c as Token,
        Sym::Boundary(b) => BOUNDARY_BASE + b as Token,
        Sym::Int(k) if (-100..=100).contains(&k) => (INT_ZERO + i32::from(k)) as Token,
        Sym::Int(_) => return None,
    })
}

/// The I/O-vocabulary id of an alphabet character.
pub fn io_id_of_char(c: u8) -> Option<Token> {
    match CHAR_INDEX[c as usize] {
        255 => None,
        i => Some(3 + Token::from(i)),
    }
}

/// The character of an I/O-vocabulary id (`None` for specials, the separator and unknown ids).
pub fn char_of_io_id(id: Token) -> Option<u8> {
    (3..=85).contains(&id).then(|| CHARACTERS[(id - 3) as usize])
}

/// A display name for a program-vocabulary entry.
pub fn sym_name(sym: Sym) -> String {
    match sym {
        Sym::Bos => "BOS".into(),
        Sym::Eos => "EOS".into(),
        Sym::Op(op) => op.name().into(),
        Sym::Char(c) => (c as char).to_string(),
        Sym::Type(t) => format!("Type.{}", t.name()),
        Sym::Case(c) => format!("Case.{}", c.name()),
        Sym::Boundary(b) => format!("Boundary.{}", b.name()),
        Sym::Int(k) => k.to_string(),
    }
}

pub fn program_vocab() -> Vocab {
    let mut names = vec![String::new()];
    names.extend((1..PROGRAM_VOCAB_SIZE as Token).map(|id| sym_of(id).map(sym_name).unwrap_or_default()));
    Vocab::new(names, None)
}

pub fn io_vocab() -> Vocab {
    let mut names = vec![String::new(), "BOS".into(), "EOS".into()];
    names.extend(CHARACTERS.iter().map(|&c| (c as char).to_string()));
    names.push("|".into());
    Vocab::new(names, Some(IO_SEPARATOR))
}

fn push_call(call: &Call, out: &mut Vec<Token>) -> Result<()> {
    out.push(OP_BASE + call.op as Token);
    for &a in &call.args {
        out.push(id_of(a).ok_or_else(|| DslError::decode(format!("argument {a:?} has no token")))?);
    }
    Ok(())
}

/// The token ids of one expression (no EOS).
pub fn encode_expr(expr: &Expr, out: &mut Vec<Token>) -> Result<()> {
    match expr {
        Expr::Call(c) => push_call(c, out),
        Expr::Compose { outer, inner } => {
            out.push(OP_BASE + Op::Compose as Token);
            push_call(outer, out)?;
            push_call(inner, out)
        }
    }
}

/// The token ids of a program: its expressions' encodings followed by EOS.
pub fn encode_program(program: &Program) -> Result<Vec<Token>> {
    let mut out = Vec::with_capacity(program.exprs.iter().map(Expr::token_len).sum::<usize>() + 1);
    for e in &program.exprs {
        encode_expr(e, &mut out)?;
    }
    out.push(EOS);
    Ok(out)
}

fn lookup(ids: &[Token], i: usize) -> Result<Sym> {
    let id = *ids.get(i).ok_or(DslError::Decode(Cow::Borrowed("program ends in the middle of an expression")))?;
    sym_of(id).ok_or_else(|| DslError::decode(format!("token id {id} is not in the program vocabulary")))
}

/// Reads one op and its arguments at `ids[*i..]`.
fn read_call(ids: &[Token], i: &mut usize) -> Result<Call> {
    let op = match lookup(ids, *i)? {
        Sym::Op(Op::Compose) => return Err(DslError::decode("Compose cannot be nested")),
        Sym::Op(op) => op,
        other => {
            return Err(DslError::decode(format!("expected an operation, found {}", sym_name(other))));
        }
    };
    let n = op.arity();
    if *i + 1 + n > ids.len() {
        return Err(DslError::decode(format!("{} needs {n} arguments", op.name())));
    }
    let mut args = smallvec::SmallVec::new();
    for k in 0..n {
        args.push(lookup(ids, *i + 1 + k)?);
    }
    *i += 1 + n;
    Ok(Call { op, args })
}

/// Decodes one expression starting at `ids[*i]`.
fn read_expr(ids: &[Token], i: &mut usize) -> Result<Expr> {
    if lookup(ids, *i)? == Sym::Op(Op::Compose) {
        *i += 1;
        let outer = read_call(ids, i)?;
        let inner = read_call(ids, i)?;
        Ok(Expr::Compose { outer, inner })
    } else {
        Ok(Expr::Call(read_call(ids, i)?))
    }
}

/// The official `decode_program`: expressions are read by arity (arguments are plain table
/// look-ups, unchecked) until the last position, which must be EOS.
pub fn decode_program(ids: &[Token]) -> Result<Program> {
    let mut exprs = Vec::new();
    let mut i = 0;
    while i + 1 < ids.len() {
        exprs.push(read_expr(ids, &mut i)?);
    }
    match ids.get(i) {
        Some(&EOS) if i + 1 == ids.len() => Ok(Program { exprs }),
        _ => Err(DslError::decode("program must end with exactly one EOS after its last expression")),
    }
}

/// Decodes exactly one expression (no EOS), as predicted for one ExeDec step.
pub fn decode_expr(ids: &[Token]) -> Result<Expr> {
    let mut i = 0;
    let e = read_expr(ids, &mut i)?;
    if i != ids.len() {
        return Err(DslError::decode("tokens left after one expression"));
    }
    Ok(e)
}

/// The characters of a string as I/O-vocabulary ids.
pub fn encode_text(s: &[u8], out: &mut Vec<Token>) -> Result<()> {
    for &c in s {
        out.push(io_id_of_char(c).ok_or_else(|| {
            DslError::invalid(format!("character {:?} is outside the RobustFill alphabet", c as char))
        })?);
    }
    Ok(())
}

/// I/O-vocabulary ids back to a string (padding, BOS and EOS are skipped).
pub fn decode_text(ids: &[Token]) -> Result<Text> {
    let mut s = Vec::with_capacity(ids.len());
    for &id in ids {
        if id > EOS {
            s.push(char_of_io_id(id).ok_or_else(|| DslError::decode(format!("I/O token id {id} is not a character")))?);
        }
    }
    Ok(Text::from_alphabet_bytes(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::robustfill::ast::RegexType as T;

    #[test]
    fn table_matches_the_spec() {
        assert_eq!(sym_of(3), Some(Sym::Op(Op::Compose)));
        assert_eq!(sym_of(18), Some(Sym::Op(Op::RemoveAll)));
        assert_eq!(sym_of(19), Some(Sym::Char(b'a')));
        assert_eq!(sym_of(44), Some(Sym::Char(b'z')));
        assert_eq!(sym_of(45), Some(Sym::Char(b'A')));
        assert_eq!(sym_of(71), Some(Sym::Char(b'0')));
        assert_eq!(sym_of(81), Some(Sym::Char(b'&')));
        assert_eq!(sym_of(101), Some(Sym::Char(b' ')));
        assert_eq!(sym_of(102), Some(Sym::Type(T::Number)));
        assert_eq!(sym_of(109), Some(Sym::Type(T::Char)));
        assert_eq!(sym_of(111), Some(Sym::Case(Case::AllCaps)));
        assert_eq!(sym_of(114), Some(Sym::Boundary(Boundary::End)));
        assert_eq!(sym_of(115), Some(Sym::Int(-100)));
        assert_eq!(sym_of(215), Some(Sym::Int(0)));
        assert_eq!(sym_of(315), Some(Sym::Int(100)));
        assert_eq!(sym_of(316), None);
        assert_eq!(sym_of(0), None);
        for id in 1..316 {
            assert_eq!(id_of(sym_of(id).unwrap()), Some(id));
        }
        assert_eq!(program_vocab().len(), PROGRAM_VOCAB_SIZE);
        assert_eq!(io_vocab().len(), IO_VOCAB_SIZE);
        assert_eq!(io_vocab().name(IO_SEPARATOR), Some("|"));
    }

    #[test]
    fn spec_example_encoding() {
        // ToCase(ALL_CAPS) . Remove(CHAR, 1)  =  3 8 111 17 109 216
        let e = Expr::compose(Expr::to_case(Case::AllCaps), Expr::remove(T::Char, 1)).unwrap();
        let mut ids = Vec::new();
        encode_expr(&e, &mut ids).unwrap();
        assert_eq!(ids, [3, 8, 111, 17, 109, 216]);
        assert_eq!(decode_expr(&ids).unwrap(), e);
    }

    #[test]
    fn decode_rejects_malformed_sequences() {
        assert!(decode_program(&[]).is_err());
        assert!(decode_program(&[4, 19]).is_err()); // no EOS
        assert!(decode_program(&[4, 19, 2, 2]).is_err()); // EOS EOS
        assert!(decode_program(&[4]).is_err());
        assert!(decode_program(&[19, 2]).is_err()); // a character is not an op
        assert!(decode_program(&[4, 0, 2]).is_err()); // padding as an argument
        assert!(decode_program(&[4, 400, 2]).is_err());
        assert!(decode_program(&[3, 3, 10, 10, 2]).is_err()); // nested Compose
        assert_eq!(decode_program(&[2]).unwrap(), Program::default());
        // Arguments are unchecked table look-ups: ConstStr(EOS) decodes.
        assert_eq!(decode_program(&[4, 2, 2]).unwrap().exprs.len(), 1);
        assert_eq!(decode_program(&[10, 2]).unwrap(), Program::new(vec![Expr::trim()]));
    }
}

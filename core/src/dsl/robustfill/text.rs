//! The two text forms of RobustFill programs.
//!
//! - The **official** form of the released data: each expression's token ids separated by
//!   spaces, expressions separated by `|` (e.g. `4 29|7 109 211`), without the final EOS.
//! - A **readable** form such as `GetToken(CHAR, -4) | ToCase(ALL_CAPS, Remove(CHAR, 1))`:
//!   one call per expression, `Compose(outer, inner)` written as the outer call with the inner
//!   call as an extra last argument. Characters are quoted (`Const('.')`, `Replace(' ', ',')`).
//!   Arguments of an unexpected kind (which the official decoder accepts and the interpreter
//!   rejects at run time) are written qualified (`Case.LOWER` in a regex slot), so every
//!   decodable program prints and parses back to itself.

use std::fmt::Write as _;

use super::ast::{Boundary, Call, Case, Expr, Op, Program, RegexType, Sym};
use super::tokens;
use crate::error::{DslError, Result};
use crate::vocab::{EOS, Token};

/// Parses the official `|`-separated token-id form.
pub fn parse_official(text: &str) -> Result<Program> {
    let mut ids: Vec<Token> = Vec::new();
    // As the official `data_utils.program_str_to_ids`: groups split at `|`, ids at single
    // spaces, each read by Python's `int` (which ignores surrounding whitespace); an empty
    // group or a doubled space leaves an empty string, which `int` refuses.
    for part in text.split('|').flat_map(|group| group.split(' ')) {
        if part.trim().is_empty() {
            return Err(DslError::decode(format!(
                "empty token in {text:?}: expressions are separated by `|` and token ids by single spaces"
            )));
        }
        let v: i64 = part.trim().parse().map_err(|_| DslError::parse(format!("{part:?} is not a token id")))?;
        let id = Token::try_from(v)
            .map_err(|_| DslError::decode(format!("token id {v} is not in the program vocabulary")))?;
        ids.push(id);
    }
    ids.push(EOS);
    tokens::decode_program(&ids)
}

/// Formats a program in the official `|`-separated token-id form.
pub fn format_official(program: &Program) -> Result<String> {
    let mut s = String::new();
    let mut ids = Vec::new();
    for (i, e) in program.exprs.iter().enumerate() {
        if i > 0 {
            s.push('|');
        }
        ids.clear();
        tokens::encode_expr(e, &mut ids)?;
        for (j, id) in ids.iter().enumerate() {
            if j > 0 {
                s.push(' ');
            }
            let _ = write!(s, "{id}");
        }
    }
    Ok(s)
}

/// The kind of argument an op expects in each slot (used to print bare names where they fit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Text,
    Int,
    Type,
    Regex,
    Case,
    Boundary,
}

fn slots(op: Op) -> &'static [Slot] {
    use Slot::*;
    match op {
        Op::ConstStr => &[Text],
        Op::SubStr => &[Int, Int],
        Op::GetSpan => &[Regex, Int, Boundary, Regex, Int, Boundary],
        Op::GetToken | Op::GetFirst | Op::Remove => &[Type, Int],
        Op::ToCase => &[Case],
        Op::Replace => &[Text, Text],
        Op::Trim => &[],
        Op::GetUpto | Op::GetFrom => &[Regex],
        Op::GetAll | Op::RemoveAll => &[Type],
        Op::Substitute => &[Type, Int, Text],
        Op::SubstituteAll => &[Type, Text],
        Op::Compose => &[],
    }
}

/// The readable name of an op (`Const` for `ConstStr`, as in the official rendering).
fn op_name(op: Op) -> &'static str {
    if op == Op::ConstStr { "Const" } else { op.name() }
}

fn quote_char(c: u8, s: &mut String) {
    match c {
        b'\'' => s.push_str("\"'\""),
        _ => {
            s.push('\'');
            s.push(c as char);
            s.push('\'');
        }
    }
}

fn format_sym(sym: Sym, slot: Option<Slot>, s: &mut String) {
    match sym {
        Sym::Char(c) => quote_char(c, s),
        Sym::Int(k) => {
            let _ = write!(s, "{k}");
        }
        Sym::Type(t) if matches!(slot, Some(Slot::Type | Slot::Regex)) => s.push_str(t.name()),
        Sym::Type(t) => {
            let _ = write!(s, "Type.{}", t.name());
        }
        Sym::Case(c) if slot == Some(Slot::Case) => s.push_str(c.name()),
        Sym::Case(c) => {
            let _ = write!(s, "Case.{}", c.name());
        }
        Sym::Boundary(b) if slot == Some(Slot::Boundary) => s.push_str(b.name()),
        Sym::Boundary(b) => {
            let _ = write!(s, "Boundary.{}", b.name());
        }
        Sym::Bos => s.push_str("BOS"),
        Sym::Eos => s.push_str("EOS"),
        Sym::Op(op) => s.push_str(op_name(op)),
    }
}

fn format_call(call: &Call, inner: Option<&Call>, s: &mut String) {
    s.push_str(op_name(call.op));
    s.push('(');
    let slots = slots(call.op);
    for (i, &a) in call.args.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        format_sym(a, slots.get(i).copied(), s);
    }
    if let Some(inner) = inner {
        if !call.args.is_empty() {
            s.push_str(", ");
        }
        format_call(inner, None, s);
    }
    s.push(')');
}

/// Formats one expression in the readable form.
pub fn format_expr(expr: &Expr) -> String {
    let mut s = String::new();
    match expr {
        Expr::Call(c) => format_call(c, None, &mut s),
        Expr::Compose { outer, inner } => format_call(outer, Some(inner), &mut s),
    }
    s
}

/// Formats a program in the readable form (expressions separated by ` | `).
pub fn format_readable(program: &Program) -> String {
    program.exprs.iter().map(format_expr).collect::<Vec<_>>().join(" | ")
}

/// Parses the readable form (whitespace is free; an empty text is the empty program).
pub fn parse_readable(text: &str) -> Result<Program> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let mut exprs = Vec::new();
    p.skip_ws();
    if p.at_end() {
        return Ok(Program::default());
    }
    loop {
        exprs.push(p.expr()?);
        p.skip_ws();
        if p.at_end() {
            break;
        }
        p.expect(b'|')?;
    }
    Ok(Program { exprs })
}

/// Parses one expression in the readable form.
pub fn parse_expr(text: &str) -> Result<Expr> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let e = p.expr()?;
    p.skip_ws();
    if !p.at_end() {
        return Err(p.error("unexpected text after the expression"));
    }
    Ok(e)
}

/// A parsed argument: a vocabulary entry, a bare name (resolved against its slot), or a
/// nested call (only valid as Compose's inner expression).
enum Item {
    Sym(Sym),
    Name(String),
    Call(Call),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> DslError {
        DslError::parse(format!("{what} at offset {}", self.i))
    }

    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn expect(&mut self, c: u8) -> Result<()> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", c as char)))
        }
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.i;
        while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || matches!(self.s[self.i], b'_' | b'.'))
        {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn expr(&mut self) -> Result<Expr> {
        self.skip_ws();
        let start = self.i;
        let Some(name) = self.ident() else {
            return Err(self.error("expected an operation name"));
        };
        let op = parse_op(&name).ok_or_else(|| {
            self.i = start;
            self.error(&format!("unknown operation {name:?}"))
        })?;
        self.skip_ws();
        let items = if self.peek() == Some(b'(') { self.args()? } else { Vec::new() };
        build_expr(op, items).map_err(|m| DslError::parse(format!("{m} (in the expression at offset {start})")))
    }

    fn args(&mut self) -> Result<Vec<Item>> {
        self.expect(b'(')?;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b')') {
            self.i += 1;
            return Ok(items);
        }
        loop {
            items.push(self.item()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b')') => {
                    self.i += 1;
                    return Ok(items);
                }
                _ => return Err(self.error("expected ',' or ')'")),
            }
        }
    }

    fn item(&mut self) -> Result<Item> {
        self.skip_ws();
        match self.peek() {
            Some(q @ (b'\'' | b'"')) => {
                let c = match (self.s.get(self.i + 1), self.s.get(self.i + 2), self.s.get(self.i + 3)) {
                    (Some(b'\\'), Some(&c), Some(&close)) if close == q => {
                        self.i += 4;
                        c
                    }
                    (Some(&c), Some(&close), _) if close == q => {
                        self.i += 3;
                        c
                    }
                    _ => return Err(self.error("expected a quoted character")),
                };
                if !super::ast::is_character(c) {
                    return Err(self.error(&format!("{:?} is not a RobustFill character", c as char)));
                }
                Ok(Item::Sym(Sym::Char(c)))
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                self.i += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
                let k: i64 = text.parse().map_err(|_| self.error("expected an integer"))?;
                let k = i8::try_from(k)
                    .ok()
                    .filter(|k| (-100..=100).contains(k))
                    .ok_or_else(|| self.error("integer outside -100..=100"))?;
                Ok(Item::Sym(Sym::Int(k)))
            }
            _ => {
                let start = self.i;
                let Some(name) = self.ident() else {
                    return Err(self.error("expected an argument"));
                };
                self.skip_ws();
                if self.peek() == Some(b'(') {
                    let op = parse_op(&name).ok_or_else(|| self.error(&format!("unknown operation {name:?}")))?;
                    let items = self.args()?;
                    match build_expr(op, items).map_err(|m| DslError::parse(format!("{m} at offset {start}")))? {
                        Expr::Call(c) => Ok(Item::Call(c)),
                        Expr::Compose { .. } => {
                            Err(DslError::parse(format!("Compose cannot be nested (offset {start})")))
                        }
                    }
                } else if parse_name(&name).is_some() {
                    Ok(Item::Name(name))
                } else {
                    self.i = start;
                    Err(self.error(&format!("unknown argument {name:?}")))
                }
            }
        }
    }
}

fn parse_op(name: &str) -> Option<Op> {
    match name {
        "Const" => Some(Op::ConstStr),
        _ => Op::from_name(name),
    }
}

/// A bare name: an enum member (qualified or not), BOS/EOS, or an op used as an argument.
fn parse_name(name: &str) -> Option<Sym> {
    if let Some((kind, member)) = name.split_once('.') {
        return match kind {
            "Type" => RegexType::from_name(member).map(Sym::Type),
            "Case" => Case::from_name(member).map(Sym::Case),
            "Boundary" => Boundary::from_name(member).map(Sym::Boundary),
            _ => None,
        };
    }
    match name {
        "BOS" => Some(Sym::Bos),
        "EOS" => Some(Sym::Eos),
        _ => RegexType::from_name(name)
            .map(Sym::Type)
            .or_else(|| Case::from_name(name).map(Sym::Case))
            .or_else(|| Boundary::from_name(name).map(Sym::Boundary))
            .or_else(|| parse_op(name).map(Sym::Op)),
    }
}

/// Resolves a bare name against the slot it fills (`ALL_CAPS` and `LOWER` name both a Type and
/// a Case).
fn resolve_name(name: &str, slot: Option<Slot>) -> Option<Sym> {
    match slot {
        Some(Slot::Case) => Case::from_name(name).map(Sym::Case).or_else(|| parse_name(name)),
        _ => parse_name(name),
    }
}

fn build_expr(op: Op, items: Vec<Item>) -> std::result::Result<Expr, String> {
    if op == Op::Compose {
        let mut it = items.into_iter();
        return match (it.next(), it.next(), it.next()) {
            (Some(Item::Call(outer)), Some(Item::Call(inner)), None) => Ok(Expr::Compose { outer, inner }),
            _ => Err("Compose takes two calls".into()),
        };
    }
    let slots = slots(op);
    let n = op.arity();
    let mut args = smallvec::SmallVec::new();
    let mut inner = None;
    let count = items.len();
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Item::Sym(s) if i < n => args.push(s),
            Item::Name(name) if i < n => args
                .push(resolve_name(&name, slots.get(i).copied()).ok_or_else(|| format!("unknown argument {name:?}"))?),
            Item::Call(c) if i == n && count == n + 1 => inner = Some(c),
            Item::Call(_) => {
                return Err(format!("a nested call can only be the last argument of {}", op_name(op)));
            }
            Item::Sym(_) | Item::Name(_) => {
                return Err(format!("{} takes {n} arguments", op_name(op)));
            }
        }
    }
    if args.len() != n {
        return Err(format!("{} takes {n} arguments, got {}", op_name(op), args.len()));
    }
    let outer = Call { op, args };
    Ok(match inner {
        Some(inner) => Expr::Compose { outer, inner },
        None => Expr::Call(outer),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_form_round_trips_the_spec_example() {
        let text = "4 29|7 109 211|3 8 111 17 109 216|3 15 109 216 79 7 106 216|5 219 230";
        let p = parse_official(text).unwrap();
        assert_eq!(p.exprs.len(), 5);
        assert_eq!(format_official(&p).unwrap(), text);
        assert_eq!(
            format_readable(&p),
            "Const('k') | GetToken(CHAR, -4) | ToCase(ALL_CAPS, Remove(CHAR, 1)) | \
             Substitute(CHAR, 1, '8', GetToken(PROP_CASE, 1)) | SubStr(4, 15)"
        );
        assert_eq!(parse_readable(&format_readable(&p)).unwrap(), p);
    }

    #[test]
    fn official_form_refuses_empty_groups_and_doubled_spaces_as_the_official_reader() {
        for text in ["", "4 29|", "|4 29", "4 29||10", "4  29", "4 29 |10", " 4 29"] {
            let e = parse_official(text).unwrap_err();
            assert_eq!(e.kind(), crate::error::ErrorKind::Decode, "{text:?}: {e}");
        }
        assert_eq!(parse_official("4 29|10").unwrap().exprs.len(), 2);
        assert_eq!(parse_official("4 x").unwrap_err().kind(), crate::error::ErrorKind::Parse);
    }

    #[test]
    fn readable_form_accepts_variants() {
        let p = parse_readable("GetToken(CHAR, -4) | ToCase(ALL_CAPS, Remove(CHAR, 1))").unwrap();
        assert_eq!(p.exprs.len(), 2);
        assert_eq!(parse_readable("Trim | Trim()").unwrap().exprs.len(), 2);
        assert_eq!(parse_readable("  ").unwrap(), Program::default());
        assert_eq!(parse_readable("Replace(\"'\", ' ')").unwrap(), parse_readable("Replace('\\'', ' ')").unwrap());
        assert_eq!(parse_readable("ToCase(LOWER)").unwrap().exprs[0], Expr::to_case(Case::Lower));
        assert!(parse_readable("GetToken(CHAR)").is_err());
        assert!(parse_readable("GetToken(CHAR, 1, 2)").is_err());
        assert!(parse_readable("Foo(1)").is_err());
        assert!(parse_readable("Trim(GetAll(WORD), GetAll(WORD))").is_err());
        assert!(parse_readable("SubStr(1, 101)").is_err());
        assert!(parse_readable("Const('-')").is_err());
    }

    #[test]
    fn ill_typed_arguments_print_qualified() {
        let e = Expr::Call(Call::new(Op::GetToken, &[Sym::Case(Case::Lower), Sym::Eos]));
        let s = format_expr(&e);
        assert_eq!(s, "GetToken(Case.LOWER, EOS)");
        assert_eq!(parse_expr(&s).unwrap(), e);
        let e = Expr::Call(Call::new(Op::ToCase, &[Sym::Type(RegexType::Lower)]));
        assert_eq!(format_expr(&e), "ToCase(Type.LOWER)");
        assert_eq!(parse_expr("ToCase(Type.LOWER)").unwrap(), e);
    }
}

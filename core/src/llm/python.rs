//! The Python renderings of programs used in the LLM prompts (the official
//! `spec_decomposition/llm_utils.py`), and a parser for exactly that subset, so that an LLM's
//! answer is run by this project's interpreters instead of a Python `exec`.
//!
//! - RobustFill, version 1: `dsl.GetToken(x, dsl.Type.CHAR, -4)`; a Compose substitutes the
//!   inner call for the outer op's `x`: `dsl.ToCase(dsl.Remove(x, dsl.Type.CHAR, 1),
//!   dsl.Case.ALL_CAPS)`; constants are `dsl.Const('k')`.
//! - DeepCoder, version 1: `x2 = dsl.Map(dsl.PLUS_ONE, x0)`.
//! - DeepCoder, version 4 ("Pythonic"): `x2 = [x + 1 for x in x0]`, `x2 = x0[:x1]`, ...;
//!   only Scanl1 stays a call: `x2 = dsl.Scanl1(lambda x, y: x - y, x0)`.
//!
//! Parsing accepts both DeepCoder versions whatever the prompt used. Version 4 forms are
//! parsed by rendering every statement that could match (the variables named in the text,
//! every operation and lambda) and comparing without whitespace: the parser can then never
//! disagree with the renderer.

use crate::dsl::deepcoder::ops::{Lambda, Op as DcOp};
use crate::dsl::deepcoder::program::{Statement, Var};
use crate::dsl::robustfill::ast::{Boundary, Call, Case, Expr, Op as RfOp, RegexType, Sym};
use crate::error::{DslError, Result};

/// Which Python rendering a prompt uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PyVersion {
    /// Every operation and constant in `dsl.*` form (RobustFill and DeepCoder).
    V1,
    /// DeepCoder-Pythonic: list comprehensions and slices, only `dsl.Scanl1` left.
    V4,
}

// --- a tiny Python expression parser --------------------------------------------------------

/// A Python expression of the rendered subset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyExpr {
    /// A (possibly dotted) name: `x`, `dsl.Type.CHAR`.
    Name(String),
    Int(i64),
    Str(String),
    Call(String, Vec<PyExpr>),
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Lexer<'a> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn err(&self, what: &str) -> DslError {
        DslError::parse(format!("{what} at column {} of {:?}", self.i + 1, String::from_utf8_lossy(self.s)))
    }

    fn expr(&mut self, depth: usize) -> Result<PyExpr> {
        if depth > 8 {
            return Err(self.err("expression nested too deeply"));
        }
        match self.peek() {
            Some(b'\'' | b'"') => self.string(),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.int(),
            Some(c) if c == b'_' || c.is_ascii_alphabetic() => {
                let start = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i] == b'_' || self.s[self.i] == b'.' || self.s[self.i].is_ascii_alphanumeric())
                {
                    self.i += 1;
                }
                let name = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                if self.eat(b'(') {
                    let mut args = Vec::new();
                    if !self.eat(b')') {
                        loop {
                            args.push(self.expr(depth + 1)?);
                            if self.eat(b')') {
                                break;
                            }
                            if !self.eat(b',') {
                                return Err(self.err("expected ',' or ')'"));
                            }
                        }
                    }
                    Ok(PyExpr::Call(name, args))
                } else {
                    Ok(PyExpr::Name(name))
                }
            }
            _ => Err(self.err("unexpected character")),
        }
    }

    fn int(&mut self) -> Result<PyExpr> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
            self.skip_ws();
        }
        let digits = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        if digits == self.i {
            return Err(self.err("expected a number"));
        }
        let text: String =
            String::from_utf8_lossy(&self.s[start..self.i]).chars().filter(|c| !c.is_whitespace()).collect();
        text.parse().map(PyExpr::Int).map_err(|_| self.err("number out of range"))
    }

    fn string(&mut self) -> Result<PyExpr> {
        let quote = self.s[self.i];
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.s.get(self.i).copied() {
                None => return Err(self.err("unterminated string")),
                Some(c) if c == quote => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    let c = self.s.get(self.i + 1).copied().ok_or_else(|| self.err("unterminated string"))?;
                    out.push(match c {
                        b'n' => b'\n',
                        b't' => b'\t',
                        other => other,
                    });
                    self.i += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        Ok(PyExpr::Str(String::from_utf8_lossy(&out).into_owned()))
    }
}

/// Parses one Python expression of the rendered subset (the whole text must be used).
pub fn parse_expr(text: &str) -> Result<PyExpr> {
    let mut lx = Lexer { s: text.as_bytes(), i: 0 };
    let e = lx.expr(0)?;
    if lx.peek().is_some() {
        return Err(lx.err("unexpected text after the expression"));
    }
    Ok(e)
}

/// Python's `repr` of a string (the quoting the official `to_python` gives characters).
pub fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

// --- RobustFill -----------------------------------------------------------------------------

/// The functions the RobustFill description lists (Compose is written by nesting).
pub const RF_FUNCTIONS: [&str; 15] = [
    "Const",
    "SubStr",
    "GetSpan",
    "GetToken",
    "ToCase",
    "Replace",
    "Trim",
    "GetUpto",
    "GetFrom",
    "GetFirst",
    "GetAll",
    "Substitute",
    "SubstituteAll",
    "Remove",
    "RemoveAll",
];

fn rf_sym(sym: Sym) -> Result<String> {
    Ok(match sym {
        Sym::Type(t) => format!("dsl.Type.{}", t.name()),
        Sym::Case(c) => format!("dsl.Case.{}", c.name()),
        Sym::Boundary(b) => format!("dsl.Boundary.{}", b.name()),
        Sym::Int(i) => i.to_string(),
        Sym::Char(c) => py_repr(&(c as char).to_string()),
        Sym::Bos => py_repr("BOS"),
        Sym::Eos => py_repr("EOS"),
        Sym::Op(op) => return Err(DslError::invalid(format!("{} as an argument has no Python form", op.name()))),
    })
}

fn rf_call(call: &Call, x: &str) -> Result<String> {
    let args = call.args.iter().map(|s| rf_sym(*s)).collect::<Result<Vec<_>>>()?;
    Ok(match call.op {
        RfOp::ConstStr => format!("dsl.Const({})", args.join(", ")),
        RfOp::Compose => return Err(DslError::invalid("a nested Compose has no Python form")),
        op => {
            let name = op.name();
            if args.is_empty() { format!("dsl.{name}({x})") } else { format!("dsl.{name}({x}, {})", args.join(", ")) }
        }
    })
}

/// One RobustFill expression in Python form (version 1).
pub fn render_rf_expr(expr: &Expr) -> Result<String> {
    match expr {
        Expr::Call(c) => rf_call(c, "x"),
        Expr::Compose { outer, inner } => {
            if inner.op == RfOp::ConstStr || outer.op == RfOp::ConstStr {
                return Err(DslError::invalid("Const cannot be composed in the Python form"));
            }
            rf_call(outer, &rf_call(inner, "x")?)
        }
    }
}

fn rf_arg(e: &PyExpr) -> Result<Sym> {
    let bad = || DslError::parse(format!("unexpected argument {e:?}"));
    match e {
        PyExpr::Int(i) => i8::try_from(*i).map(Sym::Int).map_err(|_| DslError::invalid(format!("{i} is out of range"))),
        PyExpr::Str(s) => {
            let b = s.as_bytes();
            if b.len() == 1 && crate::dsl::robustfill::ast::is_character(b[0]) {
                Ok(Sym::Char(b[0]))
            } else {
                Err(DslError::invalid(format!("{s:?} is not one character of the alphabet")))
            }
        }
        PyExpr::Name(n) => {
            let (class, member) = n.strip_prefix("dsl.").and_then(|r| r.split_once('.')).ok_or_else(bad)?;
            match class {
                "Type" => RegexType::from_name(member).map(Sym::Type),
                "Case" => Case::from_name(member).map(Sym::Case),
                "Boundary" => Boundary::from_name(member).map(Sym::Boundary),
                _ => None,
            }
            .ok_or_else(bad)
        }
        PyExpr::Call(..) => Err(bad()),
    }
}

/// The op and argument count of a `dsl.<Name>` call.
fn rf_op(name: &str) -> Result<RfOp> {
    let short = name.strip_prefix("dsl.").ok_or_else(|| DslError::parse(format!("{name} is not a dsl function")))?;
    // The Python namespace has `Const` for ConstStr and no Compose (it is written by nesting).
    let op = match short {
        "Const" => Some(RfOp::ConstStr),
        "ConstStr" | "Compose" => None,
        other => RfOp::from_name(other),
    };
    op.ok_or_else(|| DslError::parse(format!("unknown function {name}")))
}

fn rf_typed_call(op: RfOp, args: &[PyExpr]) -> Result<Call> {
    if args.len() != op.arity() {
        return Err(DslError::parse(format!("{} takes {} arguments besides x", op.name(), op.arity())));
    }
    let syms = args.iter().map(rf_arg).collect::<Result<Vec<_>>>()?;
    Ok(Call::new(op, &syms))
}

/// Parses one RobustFill expression in Python form (version 1).
pub fn parse_rf_expr(text: &str) -> Result<Expr> {
    let PyExpr::Call(name, args) = parse_expr(text)? else {
        return Err(DslError::parse(format!("{text:?} is not a dsl call")));
    };
    let op = rf_op(&name)?;
    if op == RfOp::ConstStr {
        return Ok(Expr::Call(rf_typed_call(op, &args)?));
    }
    let (first, rest) = args.split_first().ok_or_else(|| DslError::parse(format!("{name} needs x")))?;
    match first {
        PyExpr::Name(x) if x == "x" => Ok(Expr::Call(rf_typed_call(op, rest)?)),
        PyExpr::Call(inner_name, inner_args) => {
            let inner_op = rf_op(inner_name)?;
            let (ix, irest) =
                inner_args.split_first().ok_or_else(|| DslError::parse(format!("{inner_name} needs x")))?;
            if inner_op == RfOp::ConstStr || !matches!(ix, PyExpr::Name(x) if x == "x") {
                return Err(DslError::parse("only two calls can be nested, the inner one on x"));
            }
            Ok(Expr::Compose { outer: rf_typed_call(op, rest)?, inner: rf_typed_call(inner_op, irest)? })
        }
        _ => Err(DslError::parse(format!("the first argument of {name} must be x"))),
    }
}

// --- DeepCoder ------------------------------------------------------------------------------

/// The body of a version-4 lambda inside a comprehension.
fn lambda_body(l: Lambda) -> &'static str {
    match l {
        Lambda::PlusOne => "x + 1",
        Lambda::MinusOne => "x - 1",
        Lambda::TimesTwo => "x * 2",
        Lambda::DivTwo => "x // 2",
        Lambda::Negate => "-x",
        Lambda::Square => "x ** 2",
        Lambda::TimesThree => "x * 3",
        Lambda::DivThree => "x // 3",
        Lambda::TimesFour => "x * 4",
        Lambda::DivFour => "x // 4",
        Lambda::IsPositive => "x > 0",
        Lambda::IsNegative => "x < 0",
        Lambda::IsEven => "x % 2 == 0",
        Lambda::IsOdd => "x % 2 == 1",
        Lambda::Add => "x + y",
        Lambda::Subtract => "x - y",
        Lambda::Multiply => "x * y",
        Lambda::Min => "min(x, y)",
        Lambda::Max => "max(x, y)",
    }
}

/// The lambda passed to `dsl.Scanl1` in version 4.
fn lambda_source(l: Lambda) -> Option<&'static str> {
    Some(match l {
        Lambda::Add => "lambda x, y: x + y",
        Lambda::Subtract => "lambda x, y: x - y",
        Lambda::Multiply => "lambda x, y: x * y",
        Lambda::Min => "min",
        Lambda::Max => "max",
        _ => return None,
    })
}

/// The right-hand side of a DeepCoder statement in Python form.
pub fn render_dc_rhs(s: &Statement, version: PyVersion) -> Result<String> {
    let a: Vec<String> = s.args.iter().map(|v| v.to_string()).collect();
    let arg =
        |i: usize| a.get(i).cloned().ok_or_else(|| DslError::invalid(format!("{} lacks an argument", s.op.token())));
    let lambda = || s.lambda.ok_or_else(|| DslError::invalid(format!("{} needs a lambda", s.op.token())));
    if version == PyVersion::V1 {
        let mut parts: Vec<String> = s.lambda.iter().map(|l| format!("dsl.{}", l.python_name())).collect();
        parts.extend(a.iter().cloned());
        return Ok(format!("dsl.{}({})", s.op.python_name(), parts.join(", ")));
    }
    Ok(match s.op {
        DcOp::Head => format!("{}[0]", arg(0)?),
        DcOp::Last => format!("{}[-1]", arg(0)?),
        DcOp::Take => format!("{}[:{}]", arg(1)?, arg(0)?),
        DcOp::Drop => format!("{}[{}:]", arg(1)?, arg(0)?),
        DcOp::Access => format!("{}[{}]", arg(1)?, arg(0)?),
        DcOp::Minimum => format!("min({})", arg(0)?),
        DcOp::Maximum => format!("max({})", arg(0)?),
        DcOp::Reverse => format!("list(reversed({}))", arg(0)?),
        DcOp::Sort => format!("sorted({})", arg(0)?),
        DcOp::Sum => format!("sum({})", arg(0)?),
        DcOp::Map => format!("[{} for x in {}]", lambda_body(lambda()?), arg(0)?),
        DcOp::Filter => format!("[x for x in {} if {}]", arg(0)?, lambda_body(lambda()?)),
        DcOp::Count => format!("len([x for x in {} if {}])", arg(0)?, lambda_body(lambda()?)),
        DcOp::ZipWith => format!("[{} for (x, y) in zip({}, {})]", lambda_body(lambda()?), arg(0)?, arg(1)?),
        DcOp::Scanl1 => {
            let l = lambda()?;
            let src = lambda_source(l).ok_or_else(|| DslError::invalid(format!("{} in Scanl1", l.token())))?;
            format!("dsl.Scanl1({src}, {})", arg(0)?)
        }
    })
}

/// A DeepCoder statement in Python form: `x2 = dsl.Map(dsl.PLUS_ONE, x0)`.
pub fn render_dc_statement(s: &Statement, version: PyVersion) -> Result<String> {
    Ok(format!("{} = {}", s.lhs, render_dc_rhs(s, version)?))
}

/// The variables a text names (`x` followed by digits), in order of first appearance.
fn variables_in(text: &str) -> Vec<Var> {
    let b = text.as_bytes();
    let mut out: Vec<Var> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !(b[i - 1] == b'_' || b[i - 1].is_ascii_alphanumeric());
        if b[i] == b'x' && boundary {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let ends = j == b.len() || !(b[j] == b'_' || b[j].is_ascii_alphabetic());
            if j > i + 1
                && ends
                && let Ok(v) = Var::parse(&text[i..j])
                && !out.contains(&v)
            {
                out.push(v);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Parses a DeepCoder statement in Python form (version 1 or 4): `x2 = ...`.
pub fn parse_dc_statement(text: &str) -> Result<Statement> {
    let (lhs, rhs) = text.split_once('=').ok_or_else(|| DslError::parse(format!("{text:?} is not an assignment")))?;
    let lhs = Var::parse(lhs.trim())?;
    let rhs = rhs.trim();
    if rhs.starts_with('=') {
        return Err(DslError::parse(format!("{text:?} is not an assignment")));
    }
    let vars = variables_in(rhs);
    if vars.is_empty() || vars.len() > 2 {
        return Err(DslError::parse(format!("{rhs:?} does not name one or two variables")));
    }
    let target = squash(rhs);
    for &op in DcOp::ALL {
        let lambdas: Vec<Option<Lambda>> =
            if op.is_higher_order() { Lambda::ALL.iter().copied().map(Some).collect() } else { vec![None] };
        let arity = op.arity() - usize::from(op.is_higher_order());
        let mut arg_lists: Vec<Vec<Var>> = Vec::new();
        match arity {
            1 => arg_lists.extend(vars.iter().map(|v| vec![*v])),
            _ => {
                for a in &vars {
                    for b in &vars {
                        arg_lists.push(vec![*a, *b]);
                    }
                }
            }
        }
        for lambda in &lambdas {
            for args in &arg_lists {
                let candidate = Statement::new(lhs, op, *lambda, args);
                for version in [PyVersion::V1, PyVersion::V4] {
                    if render_dc_rhs(&candidate, version).is_ok_and(|r| squash(&r) == target) {
                        return Ok(candidate);
                    }
                }
            }
        }
    }
    Err(DslError::parse(format!("{rhs:?} is not a DSL operation in the rendered Python forms")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::robustfill::ast::Regex;

    #[test]
    fn robustfill_renders_like_the_spec_and_parses_back() {
        let e = Expr::compose(Expr::to_case(Case::AllCaps), Expr::remove(RegexType::Char, 1)).unwrap();
        let text = render_rf_expr(&e).unwrap();
        assert_eq!(text, "dsl.ToCase(dsl.Remove(x, dsl.Type.CHAR, 1), dsl.Case.ALL_CAPS)");
        assert_eq!(parse_rf_expr(&text).unwrap(), e);
        assert_eq!(render_rf_expr(&Expr::const_str(b'\'')).unwrap(), "dsl.Const(\"'\")");
        assert_eq!(render_rf_expr(&Expr::const_str(b'k')).unwrap(), "dsl.Const('k')");
        assert_eq!(parse_rf_expr("dsl.Const(\"'\")").unwrap(), Expr::const_str(b'\''));
        assert_eq!(parse_rf_expr("dsl.Const('\\'')").unwrap(), Expr::const_str(b'\''));
        let span =
            Expr::get_span(Regex::Delimiter(b'('), -1, Boundary::End, Regex::Type(RegexType::Word), 2, Boundary::Start);
        let text = render_rf_expr(&span).unwrap();
        assert_eq!(text, "dsl.GetSpan(x, '(', -1, dsl.Boundary.END, dsl.Type.WORD, 2, dsl.Boundary.START)");
        assert_eq!(parse_rf_expr(&text).unwrap(), span);
        assert_eq!(render_rf_expr(&Expr::trim()).unwrap(), "dsl.Trim(x)");
        assert_eq!(parse_rf_expr(" dsl.Trim( x ) ").unwrap(), Expr::trim());
    }

    #[test]
    fn robustfill_rejects_what_is_outside_the_subset() {
        for bad in [
            "dsl.GetToken(x, dsl.Type.CHAR)",
            "dsl.GetToken(y, dsl.Type.CHAR, 1)",
            "x.upper()",
            "dsl.Const('ab')",
            "dsl.Const('é')",
            "dsl.SubStr(x, 1, 1000)",
            "dsl.Trim(dsl.Trim(dsl.Trim(x)))",
            "dsl.GetToken(x, dsl.Type.CHAR, 1),",
            "dsl.Compose(x)",
            "'unterminated",
            "",
        ] {
            assert!(parse_rf_expr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deepcoder_statements_round_trip_in_both_versions() {
        let x = |i| Var::new(i);
        let mut all = Vec::new();
        for &op in DcOp::ALL {
            let lambdas: Vec<Option<Lambda>> =
                if op.is_higher_order() { Lambda::ALL.iter().copied().map(Some).collect() } else { vec![None] };
            let args: &[Var] =
                if op.arity() - usize::from(op.is_higher_order()) == 2 { &[x(1), x(0)] } else { &[x(1)] };
            for l in lambdas {
                all.push(Statement::new(x(2), op, l, args));
            }
        }
        for s in &all {
            let v1 = render_dc_statement(s, PyVersion::V1).unwrap();
            assert_eq!(&parse_dc_statement(&v1).unwrap(), s, "{v1}");
            // Version 4 has no form for Scanl1 with a one-argument lambda.
            if let Ok(v4) = render_dc_statement(s, PyVersion::V4) {
                assert_eq!(&parse_dc_statement(&v4).unwrap(), s, "{v4}");
            }
        }
        let s = Statement::new(x(2), DcOp::Map, Some(Lambda::PlusOne), &[x(0)]);
        assert_eq!(render_dc_statement(&s, PyVersion::V1).unwrap(), "x2 = dsl.Map(dsl.PLUS_ONE, x0)");
        assert_eq!(render_dc_statement(&s, PyVersion::V4).unwrap(), "x2 = [x + 1 for x in x0]");
        let s = Statement::new(x(3), DcOp::Scanl1, Some(Lambda::Subtract), &[x(2)]);
        assert_eq!(render_dc_statement(&s, PyVersion::V4).unwrap(), "x3 = dsl.Scanl1(lambda x, y: x - y, x2)");
        let s = Statement::new(x(2), DcOp::Take, None, &[x(1), x(0)]);
        assert_eq!(render_dc_statement(&s, PyVersion::V4).unwrap(), "x2 = x0[:x1]");
        assert_eq!(parse_dc_statement("x2=x0[ : x1 ]").unwrap(), s);
        assert!(parse_dc_statement("x2 = x0[:x1] + 1").is_err());
        assert!(parse_dc_statement("x2 == x0").is_err());
        assert!(parse_dc_statement("y = sorted(x0)").is_err());
    }
}

//! DeepCoder variables, statements, programs and program states, with the official text forms
//! and parsing rules (the official `tasks/deepcoder/deepcoder_dsl.py`).

use std::fmt;

use smallvec::SmallVec;

use super::ops::{self, Lambda, Op};
use super::value::{Value, parse_value};
use crate::error::{DslError, Result};

/// The number of variables a program may use (`x0`..`x9`).
pub const MAX_NUM_VARIABLES: usize = 10;

/// A variable token: `x` followed by decimal digits whose value is below 10.
///
/// Variables are compared by name, as in the official code, so `x01` and `x1` are different
/// variables (only `x0`..`x9` are in the vocabulary; the others only occur in hand-written
/// text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var {
    index: u8,
    /// Leading zeros before the final digit (0 for the canonical names).
    zeros: u8,
}

impl Var {
    /// The canonical variable `x{index}`.
    pub fn new(index: usize) -> Var {
        debug_assert!(index < MAX_NUM_VARIABLES);
        Var { index: index.min(MAX_NUM_VARIABLES - 1) as u8, zeros: 0 }
    }

    pub fn index(self) -> usize {
        self.index as usize
    }

    /// True for the canonical names `x0`..`x9`, the only ones that have tokens.
    pub fn is_canonical(self) -> bool {
        self.zeros == 0
    }

    /// Parses a variable token (`x\d+` with a value below 10).
    pub fn parse(token: &str) -> Result<Var> {
        let digits = token
            .strip_prefix('x')
            .filter(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit()))
            .ok_or_else(|| DslError::parse(format!("invalid variable token {token:?}")))?;
        let trimmed = digits.trim_start_matches('0');
        let (index, zeros) = match trimmed.len() {
            0 => (0, digits.len() - 1),
            1 => (trimmed.as_bytes()[0] - b'0', digits.len() - 1),
            _ => {
                return Err(DslError::parse(format!("variable token {token:?} has an out-of-bounds index")));
            }
        };
        let zeros = u8::try_from(zeros).map_err(|_| DslError::parse(format!("invalid variable token {token:?}")))?;
        Ok(Var { index, zeros })
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("x")?;
        for _ in 0..self.zeros {
            f.write_str("0")?;
        }
        write!(f, "{}", self.index)
    }
}

/// One assignment `x3 = Map (+1) x2`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Statement {
    pub lhs: Var,
    pub op: Op,
    /// The lambda of a higher-order op (always the first argument in the text form).
    pub lambda: Option<Lambda>,
    /// The variable arguments, in order.
    pub args: SmallVec<[Var; 2]>,
}

impl Statement {
    pub fn new(lhs: Var, op: Op, lambda: Option<Lambda>, args: &[Var]) -> Statement {
        Statement { lhs, op, lambda, args: SmallVec::from_slice(args) }
    }

    /// Parses a statement from its tokens (`Statement.from_tokens` with the name check on).
    pub fn from_tokens(tokens: &[&str]) -> Result<Statement> {
        if tokens.len() < 4 {
            return Err(DslError::parse(format!("too few tokens in statement {:?}", tokens.join(" "))));
        }
        let lhs = Var::parse(tokens[0])?;
        Self::rhs_from_tokens(lhs, tokens[0], &tokens[1..])
    }

    /// Parses `= Op args...` for a known left-hand side.
    fn rhs_from_tokens(lhs: Var, lhs_token: &str, tokens: &[&str]) -> Result<Statement> {
        if tokens.first() != Some(&"=") {
            return Err(DslError::parse("the second token of a statement must be '='"));
        }
        let op_token = tokens.get(1).ok_or_else(|| DslError::parse("missing operation"))?;
        let op = Op::from_token(op_token).ok_or_else(|| DslError::parse(format!("unknown operation {op_token:?}")))?;
        let mut lambda = None;
        let mut args = SmallVec::new();
        for (i, &tok) in tokens[2..].iter().enumerate() {
            if let Some(l) = Lambda::from_token(tok) {
                if !op.is_higher_order() || i > 0 {
                    return Err(DslError::parse(format!(
                        "did not expect lambda {tok} at argument {i} of {}",
                        op.token()
                    )));
                }
                lambda = Some(l);
            } else {
                if op.is_higher_order() && i == 0 {
                    return Err(DslError::parse(format!("{} expects a lambda as its first argument", op.token())));
                }
                if tok == lhs_token {
                    return Err(DslError::parse(format!("cannot use the assigned variable {tok} as an argument")));
                }
                args.push(Var::parse(tok)?);
            }
        }
        if args.len() + usize::from(lambda.is_some()) != op.arity() {
            return Err(DslError::parse(format!("{} takes {} arguments", op.token(), op.arity())));
        }
        Ok(Statement { lhs, op, lambda, args })
    }

    /// Parses the right-hand side `Op args...` of a statement whose variable is `lhs`.
    pub fn parse_rhs(lhs: Var, rhs: &str) -> Result<Statement> {
        let tokens: Vec<&str> = std::iter::once("=").chain(rhs.split(' ')).collect();
        Self::rhs_from_tokens(lhs, &lhs.to_string(), &tokens)
    }

    /// The right-hand side tokens (`Op [lambda] args`).
    pub fn rhs_tokens(&self) -> Vec<String> {
        let mut t = vec![self.op.token().to_string()];
        if let Some(l) = self.lambda {
            t.push(l.token().to_string());
        }
        t.extend(self.args.iter().map(Var::to_string));
        t
    }

    /// Runs the statement on a state (one example): looks up its arguments by name and applies
    /// the operation. The result is not added to the state.
    pub fn run(&self, state: &State) -> Result<Value> {
        if state.get(self.lhs).is_some() {
            return Err(DslError::run(format!("variable {} already exists", self.lhs)));
        }
        let mut vals: SmallVec<[&Value; 2]> = SmallVec::new();
        for &a in &self.args {
            vals.push(state.get(a).ok_or_else(|| DslError::run(format!("unknown variable {a}")))?);
        }
        ops::apply(self.op, self.lambda, &vals)
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", self.lhs, self.op.token())?;
        if let Some(l) = self.lambda {
            write!(f, " {}", l.token())?;
        }
        for a in &self.args {
            write!(f, " {a}")?;
        }
        Ok(())
    }
}

/// A whole program: input variables, then statements. Its output is the value of the last
/// statement (or of the last input when there is no statement).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Program {
    inputs: Vec<Var>,
    statements: Vec<Statement>,
    /// For each statement's arguments: the position in `inputs ++ statement variables` of the
    /// variable it names, if that variable is defined before the statement. Resolved once so
    /// that running does no name look-ups.
    slots: Vec<SmallVec<[Option<u8>; 2]>>,
}

impl Program {
    /// Builds a program; a variable defined twice is a `Run` error, as in the official
    /// constructor.
    pub fn new(inputs: Vec<Var>, statements: Vec<Statement>) -> Result<Program> {
        let all: Vec<Var> = inputs.iter().copied().chain(statements.iter().map(|s| s.lhs)).collect();
        for (i, v) in all.iter().enumerate() {
            if all[..i].contains(v) {
                return Err(DslError::run(format!("variable {v} is defined twice")));
            }
        }
        let slots = statements
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let defined = &all[..inputs.len() + k];
                s.args.iter().map(|a| defined.iter().position(|v| v == a).map(|p| p as u8)).collect()
            })
            .collect();
        Ok(Program { inputs, statements, slots })
    }

    pub fn inputs(&self) -> &[Var] {
        &self.inputs
    }

    pub fn num_inputs(&self) -> usize {
        self.inputs.len()
    }

    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The number of statements.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Parses the official text form (`x0 = INPUT | x1 = Map (+1) x0`), tokens separated by
    /// single spaces.
    pub fn parse(text: &str) -> Result<Program> {
        let tokens: Vec<&str> = text.split(' ').collect();
        Self::from_tokens(&tokens)
    }

    /// Parses a program from its tokens (`Program.from_tokens`).
    pub fn from_tokens(tokens: &[&str]) -> Result<Program> {
        let mut lines: Vec<&[&str]> = Vec::new();
        let mut start = 0;
        for (i, &t) in tokens.iter().enumerate() {
            if t == "|" {
                lines.push(&tokens[start..i]);
                start = i + 1;
            }
        }
        if start < tokens.len() {
            lines.push(&tokens[start..]);
        }
        let mut inputs = Vec::new();
        let mut statements = Vec::new();
        for line in lines {
            match line.last() {
                None => return Err(DslError::parse("empty line in program")),
                Some(&"INPUT") => {
                    if !statements.is_empty() {
                        return Err(DslError::parse("INPUT line after a statement"));
                    }
                    let v = Var::parse(line[0])?;
                    if line.len() != 3 || line[1] != "=" {
                        return Err(DslError::parse(format!("malformed INPUT line {:?}", line.join(" "))));
                    }
                    inputs.push(v);
                }
                Some(_) => statements.push(Statement::from_tokens(line)?),
            }
        }
        Program::new(inputs, statements)
    }

    /// The official token form.
    pub fn tokens(&self) -> Vec<String> {
        let mut t = Vec::new();
        for v in &self.inputs {
            if !t.is_empty() {
                t.push("|".to_string());
            }
            t.extend([v.to_string(), "=".to_string(), "INPUT".to_string()]);
        }
        for s in &self.statements {
            if !t.is_empty() {
                t.push("|".to_string());
            }
            t.extend([s.lhs.to_string(), "=".to_string()]);
            t.extend(s.rhs_tokens());
        }
        t
    }

    /// Runs the program on one example's input values.
    pub fn run(&self, inputs: &[Value]) -> Result<Value> {
        self.run_trace(inputs, |_| {})
    }

    /// Runs the program and reports each statement's value as it is computed.
    pub fn run_trace(&self, inputs: &[Value], mut on_step: impl FnMut(&Value)) -> Result<Value> {
        if inputs.len() != self.inputs.len() {
            return Err(DslError::run(format!(
                "got {} inputs but the program takes {}",
                inputs.len(),
                self.inputs.len()
            )));
        }
        let mut vals: SmallVec<[Value; MAX_NUM_VARIABLES]> = inputs.iter().cloned().collect();
        for (s, slots) in self.statements.iter().zip(&self.slots) {
            let v = {
                let mut args: SmallVec<[&Value; 2]> = SmallVec::new();
                for (slot, var) in slots.iter().zip(&s.args) {
                    let v = slot
                        .map(|p| &vals[p as usize])
                        .ok_or_else(|| DslError::run(format!("unknown variable {var}")))?;
                    args.push(v);
                }
                ops::apply(s.op, s.lambda, &args)?
            };
            on_step(&v);
            vals.push(v);
        }
        vals.pop().ok_or_else(|| DslError::run("program has no variables"))
    }

    /// The program with one more statement, or a `Run` error if its variable is taken.
    pub fn with_statement(&self, s: Statement) -> Result<Program> {
        let mut statements = self.statements.clone();
        statements.push(s);
        Program::new(self.inputs.clone(), statements)
    }
}

impl fmt::Display for Program {
    /// The official text form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for v in &self.inputs {
            if !first {
                f.write_str(" | ")?;
            }
            first = false;
            write!(f, "{v} = INPUT")?;
        }
        for s in &self.statements {
            if !first {
                f.write_str(" | ")?;
            }
            first = false;
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

/// A program state for one example: named values (`x0 = [ 1 0 6 ] | x1 = 9`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct State {
    pub entries: Vec<(Var, Value)>,
}

impl State {
    /// A state with canonical names `x0, x1, ...` for the given values.
    pub fn from_values(values: impl IntoIterator<Item = Value>) -> State {
        State { entries: values.into_iter().enumerate().map(|(i, v)| (Var::new(i), v)).collect() }
    }

    pub fn get(&self, var: Var) -> Option<&Value> {
        self.entries.iter().find(|(v, _)| *v == var).map(|(_, x)| x)
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds a variable; a name that already exists is a `Run` error.
    pub fn push(&mut self, var: Var, value: Value) -> Result<()> {
        if self.get(var).is_some() {
            return Err(DslError::run(format!("variable {var} already exists")));
        }
        self.entries.push((var, value));
        Ok(())
    }

    /// Parses the official state text (`ProgramState.from_str`). Malformed text is a `Parse`
    /// error; a value outside the DSL's ranges is `Invalid`.
    pub fn parse(text: &str) -> Result<State> {
        let mut state = State::default();
        for line in text.split('|') {
            let line = line.trim();
            let mut parts = line.split('=');
            let (Some(lhs), Some(rhs), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(DslError::parse(format!("expected exactly one '=' in {line:?}")));
            };
            let var = Var::parse(lhs.trim())?;
            if state.get(var).is_some() {
                return Err(DslError::parse(format!("duplicate variable {var}")));
            }
            let value = parse_value(rhs.trim())?;
            state.entries.push((var, value));
        }
        Ok(state)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (var, val)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{var} = {val}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn run(program: &str, state: &str) -> Result<Value> {
        let p = Program::parse(program)?;
        let s = State::parse(state)?;
        p.run(&s.values().cloned().collect::<Vec<_>>())
    }

    #[test]
    fn spec_example_runs() {
        let p = "x0 = INPUT | x1 = INPUT | x2 = Scanl1 (-) x0 | x3 = Map (*(-1)) x2 | x4 = Filter (>0) x3";
        assert_eq!(run(p, "x0 = [ 1 0 6 9 1 ] | x1 = [ 9 ]").unwrap().to_string(), "[ 5 14 15 ]");
        assert_eq!(run(p, "x0 = [ ] | x1 = [ 0 ]").unwrap().to_string(), "[ ]");
        assert_eq!(Program::parse(p).unwrap().to_string(), p);
    }

    #[test]
    fn parse_rules() {
        let kind = |p: &str| Program::parse(p).unwrap_err().kind();
        assert_eq!(kind("x0 = INPUT | x1 = Map x0"), ErrorKind::Parse); // missing lambda
        assert_eq!(kind("x0 = INPUT | x1 = Head (+1) x0"), ErrorKind::Parse); // lambda in first-order op
        assert_eq!(kind("x0 = INPUT | x1 = Head x1"), ErrorKind::Parse); // lhs as argument
        assert_eq!(kind("x0 = INPUT | x1 = Take x0"), ErrorKind::Parse); // arity
        assert_eq!(kind("x0 = INPUT | x1 = Foo x0"), ErrorKind::Parse);
        assert_eq!(kind("x0 = INPUT | x1 = Head x10"), ErrorKind::Parse);
        assert_eq!(kind("x0 = INPUT | x1 = Head x0 | x2 = INPUT"), ErrorKind::Parse);
        assert_eq!(kind("x0 = INPUT | | x1 = Head x0"), ErrorKind::Parse);
        assert_eq!(kind("x0  = INPUT"), ErrorKind::Parse);
        assert_eq!(kind(""), ErrorKind::Parse);
        // Duplicate variables fail when the program is built.
        assert_eq!(kind("x0 = INPUT | x0 = Head x0"), ErrorKind::Parse);
        assert_eq!(kind("x0 = INPUT | x1 = Head x0 | x1 = Last x0"), ErrorKind::Run);
        // A trailing separator is accepted, as in the official parser.
        assert!(Program::parse("x0 = INPUT | x1 = Head x0 |").is_ok());
    }

    #[test]
    fn run_errors() {
        let k = |p: &str, s: &str| run(p, s).unwrap_err().kind();
        assert_eq!(k("x0 = INPUT | x1 = Head x2", "x0 = [ 1 ]"), ErrorKind::Run);
        assert_eq!(k("x0 = INPUT | x1 = Head x0", "x0 = [ ]"), ErrorKind::Invalid);
        assert_eq!(k("x0 = INPUT | x1 = INPUT | x2 = Head x0", "x0 = [ 1 ]"), ErrorKind::Run);
        assert_eq!(k("x0 = INPUT | x1 = Head x0", "x0 = 3"), ErrorKind::Run);
        // Variables are looked up by name and may be used out of order.
        assert_eq!(run("x3 = INPUT | x7 = Sum x3", "x0 = [ 1 2 ]").unwrap(), Value::Int(3));
        assert_eq!(run("x0 = INPUT", "x0 = [ 1 2 ]").unwrap().to_string(), "[ 1 2 ]");
        assert_eq!(run("x01 = INPUT | x1 = Sum x01", "x0 = [ 1 2 ]").unwrap(), Value::Int(3));
    }

    #[test]
    fn state_parsing() {
        let s = State::parse("x0 = [ 1 0 6 ] | x1 = 9 | x2 = [ ]").unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s.to_string(), "x0 = [ 1 0 6 ] | x1 = 9 | x2 = [ ]");
        assert_eq!(State::parse("x0 = [ 51 ]").unwrap_err().kind(), ErrorKind::Invalid);
        assert_eq!(State::parse("x0 = [ 1 ] | x0 = 2").unwrap_err().kind(), ErrorKind::Parse);
        assert_eq!(State::parse("x0 [ 1 ]").unwrap_err().kind(), ErrorKind::Parse);
        assert_eq!(State::parse("y0 = 1").unwrap_err().kind(), ErrorKind::Parse);
    }
}

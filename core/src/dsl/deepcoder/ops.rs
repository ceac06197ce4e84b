//! The 15 DeepCoder operations and 19 lambdas (the official `tasks/deepcoder/deepcoder_dsl.py`;
//! docs/dsl.md), with Python's dynamic typing.
//!
//! The parser does not type-check lambdas or argument variables, so an operation can receive
//! anything. As in the official code, a type error becomes a `Run` error, but only when Python
//! would actually hit it (a lambda is only type-checked when it is called, e.g.
//! `Map (+) []` is `[]`), and a result that is not an in-range int or int list (`Map (>0)`
//! gives booleans, `Head []` gives `None`) is an `Invalid` error.

use std::borrow::Cow;

use super::value::{IntList, MAX_INT, MIN_INT, Value, in_range, out_of_range};
use crate::error::{DslError, Result};

macro_rules! token_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = ($token:literal, $pyname:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The token of the program text form.
            pub fn token(self) -> &'static str {
                match self { $($name::$variant => $token),+ }
            }

            /// The name used in the Python rendering (`dsl.<name>`).
            pub fn python_name(self) -> &'static str {
                match self { $($name::$variant => $pyname),+ }
            }

            pub fn from_token(token: &str) -> Option<Self> {
                match token { $($token => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

token_enum!(
    /// The operations, in vocabulary order.
    Op {
        Head = ("Head", "Head"),
        Last = ("Last", "Last"),
        Take = ("Take", "Take"),
        Drop = ("Drop", "Drop"),
        Access = ("Access", "Access"),
        Minimum = ("Minimum", "Minimum"),
        Maximum = ("Maximum", "Maximum"),
        Reverse = ("Reverse", "Reverse"),
        Sort = ("Sort", "Sort"),
        Sum = ("Sum", "Sum"),
        Map = ("Map", "Map"),
        Filter = ("Filter", "Filter"),
        Count = ("Count", "Count"),
        ZipWith = ("ZipWith", "ZipWith"),
        Scanl1 = ("Scanl1", "Scanl1"),
    }
);

token_enum!(
    /// The lambdas, in vocabulary order.
    Lambda {
        PlusOne = ("(+1)", "PLUS_ONE"),
        MinusOne = ("(-1)", "MINUS_ONE"),
        TimesTwo = ("(*2)", "TIMES_TWO"),
        DivTwo = ("(/2)", "DIV_TWO"),
        Negate = ("(*(-1))", "NEGATE"),
        Square = ("(**2)", "SQUARE"),
        TimesThree = ("(*3)", "TIMES_THREE"),
        DivThree = ("(/3)", "DIV_THREE"),
        TimesFour = ("(*4)", "TIMES_FOUR"),
        DivFour = ("(/4)", "DIV_FOUR"),
        IsPositive = ("(>0)", "IS_POSITIVE"),
        IsNegative = ("(<0)", "IS_NEGATIVE"),
        IsEven = ("(%2==0)", "IS_EVEN"),
        IsOdd = ("(%2==1)", "IS_ODD"),
        Add = ("(+)", "ADD"),
        Subtract = ("(-)", "SUBTRACT"),
        Multiply = ("(*)", "MULTIPLY"),
        Min = ("(min)", "MIN"),
        Max = ("(max)", "MAX"),
    }
);

/// The static type of an argument slot or a result (used by the samplers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    Int,
    List,
    /// int -> int
    IntToInt,
    /// int -> bool
    IntToBool,
    /// (int, int) -> int
    IntIntToInt,
}

/// What a one-argument lambda returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LambdaOut {
    Int(i64),
    Bool(bool),
}

impl LambdaOut {
    /// Python truthiness.
    fn truthy(self) -> bool {
        match self {
            LambdaOut::Int(x) => x != 0,
            LambdaOut::Bool(b) => b,
        }
    }
}

impl Lambda {
    pub fn arity(self) -> usize {
        match self.signature() {
            Type::IntIntToInt => 2,
            _ => 1,
        }
    }

    /// The lambdas of a signature, in the DSL's order.
    pub fn with_signature(signature: Type) -> impl Iterator<Item = Lambda> {
        Lambda::ALL.iter().copied().filter(move |l| l.signature() == signature)
    }

    pub fn signature(self) -> Type {
        use Lambda::*;
        match self {
            PlusOne | MinusOne | TimesTwo | DivTwo | Negate | Square | TimesThree | DivThree | TimesFour | DivFour => {
                Type::IntToInt
            }
            IsPositive | IsNegative | IsEven | IsOdd => Type::IntToBool,
            Add | Subtract | Multiply | Min | Max => Type::IntIntToInt,
        }
    }

    /// Calls a one-argument lambda (`None` for a two-argument one: Python's TypeError).
    pub fn call1(self, x: i64) -> Option<LambdaOut> {
        use Lambda::*;
        use LambdaOut::{Bool, Int};
        Some(match self {
            PlusOne => Int(x + 1),
            MinusOne => Int(x - 1),
            TimesTwo => Int(x * 2),
            DivTwo => Int(x.div_euclid(2)),
            Negate => Int(-x),
            Square => Int(x * x),
            TimesThree => Int(x * 3),
            DivThree => Int(x.div_euclid(3)),
            TimesFour => Int(x * 4),
            DivFour => Int(x.div_euclid(4)),
            IsPositive => Bool(x > 0),
            IsNegative => Bool(x < 0),
            IsEven => Bool(x.rem_euclid(2) == 0),
            IsOdd => Bool(x.rem_euclid(2) == 1),
            Add | Subtract | Multiply | Min | Max => return None,
        })
    }

    /// Calls a two-argument lambda (`None` for a one-argument one). Overflow cannot happen for
    /// in-range arguments; it is reported as `Some(None)` should a caller feed larger ones.
    pub fn call2(self, x: i64, y: i64) -> Option<Option<i64>> {
        use Lambda::*;
        Some(match self {
            Add => x.checked_add(y),
            Subtract => x.checked_sub(y),
            Multiply => x.checked_mul(y),
            Min => Some(x.min(y)),
            Max => Some(x.max(y)),
            _ => return None,
        })
    }
}

impl Op {
    /// Number of arguments, the lambda included.
    pub fn arity(self) -> usize {
        self.arg_types().len()
    }

    pub fn is_higher_order(self) -> bool {
        matches!(self, Op::Map | Op::Filter | Op::Count | Op::ZipWith | Op::Scanl1)
    }

    /// The declared argument types (what the samplers enumerate).
    pub fn arg_types(self) -> &'static [Type] {
        use Type::*;
        match self {
            Op::Head | Op::Last | Op::Minimum | Op::Maximum | Op::Reverse | Op::Sort | Op::Sum => &[List],
            Op::Take | Op::Drop | Op::Access => &[Int, List],
            Op::Map => &[IntToInt, List],
            Op::Filter | Op::Count => &[IntToBool, List],
            Op::ZipWith => &[IntIntToInt, List, List],
            Op::Scanl1 => &[IntIntToInt, List],
        }
    }

    /// The declared result type.
    pub fn output_type(self) -> Type {
        match self {
            Op::Head | Op::Last | Op::Access | Op::Minimum | Op::Maximum | Op::Sum | Op::Count => Type::Int,
            _ => Type::List,
        }
    }
}

fn type_error(op: Op, what: &'static str) -> DslError {
    DslError::Run(Cow::Owned(format!("{}: {what}", op.token())))
}

fn none(op: Op, what: &'static str) -> DslError {
    DslError::Invalid(Cow::Owned(format!("{} {what}", op.token())))
}

fn list_arg(op: Op, v: &Value) -> Result<&[i8]> {
    v.as_list().ok_or_else(|| type_error(op, "expected a list, got an int"))
}

fn int_arg(op: Op, v: &Value) -> Result<i64> {
    v.as_int().ok_or_else(|| type_error(op, "expected an int, got a list"))
}

fn lambda_arg(op: Op, f: Option<Lambda>) -> Result<Lambda> {
    f.ok_or_else(|| type_error(op, "missing lambda"))
}

/// Builds a list result from i64 elements, enforcing the range.
/// Python's `xs[a:b]` bounds for a list of length n.
fn py_bounds(n: usize, a: Option<i64>, b: Option<i64>) -> (usize, usize) {
    let n = n as i64;
    let norm = |x: i64| if x < 0 { (x + n).max(0) } else { x.min(n) };
    let a = a.map_or(0, norm);
    let b = b.map_or(n, norm);
    (a as usize, b.max(a) as usize)
}

/// Runs an operation on evaluated arguments. `lambda` is the lambda argument of a
/// higher-order op; `args` are the variable arguments in order.
pub fn apply(op: Op, lambda: Option<Lambda>, args: &[&Value]) -> Result<Value> {
    let expected = op.arity() - usize::from(op.is_higher_order());
    if args.len() != expected || lambda.is_some() != op.is_higher_order() {
        return Err(type_error(op, "wrong number of arguments"));
    }
    match op {
        Op::Head | Op::Last => {
            let xs = list_arg(op, args[0])?;
            let x = if op == Op::Head { xs.first() } else { xs.last() };
            x.map(|&x| Value::Int(x)).ok_or_else(|| none(op, "of an empty list"))
        }
        Op::Take | Op::Drop => {
            // `xs[:n]` / `xs[n:]`: the subscript of the list is evaluated first.
            let xs = list_arg(op, args[1])?;
            let n = int_arg(op, args[0])?;
            let (a, b) =
                if op == Op::Take { py_bounds(xs.len(), None, Some(n)) } else { py_bounds(xs.len(), Some(n), None) };
            Ok(Value::List(IntList::from_slice(&xs[a..b])))
        }
        Op::Access => {
            // Python's `0 <= n < len(xs)` stops at `0 <= n`: a negative index gives None
            // before `xs` is looked at, whatever its type.
            let n = int_arg(op, args[0])?;
            if n < 0 {
                return Err(none(op, "index out of range"));
            }
            let xs = list_arg(op, args[1])?;
            if n < xs.len() as i64 { Ok(Value::Int(xs[n as usize])) } else { Err(none(op, "index out of range")) }
        }
        Op::Minimum | Op::Maximum => {
            let xs = list_arg(op, args[0])?;
            let x = if op == Op::Minimum { xs.iter().min() } else { xs.iter().max() };
            x.map(|&x| Value::Int(x)).ok_or_else(|| none(op, "of an empty list"))
        }
        Op::Reverse => {
            let xs = list_arg(op, args[0])?;
            Ok(Value::List(xs.iter().rev().copied().collect()))
        }
        Op::Sort => {
            let mut xs = IntList::from_slice(list_arg(op, args[0])?);
            xs.sort_unstable();
            Ok(Value::List(xs))
        }
        Op::Sum => {
            let s: i64 = list_arg(op, args[0])?.iter().map(|&x| i64::from(x)).sum();
            Value::int(s)
        }
        Op::Map => {
            let f = lambda_arg(op, lambda)?;
            let xs = list_arg(op, args[0])?;
            let mut out = IntList::new();
            for &x in xs {
                match f.call1(i64::from(x)) {
                    None => return Err(type_error(op, "lambda takes two arguments")),
                    Some(LambdaOut::Bool(_)) => {
                        return Err(none(op, "produced booleans, not ints"));
                    }
                    Some(LambdaOut::Int(y)) if in_range(y) => out.push(y as i8),
                    Some(LambdaOut::Int(y)) => return Err(out_of_range(y)),
                }
            }
            Ok(Value::List(out))
        }
        Op::Filter | Op::Count => {
            let f = lambda_arg(op, lambda)?;
            let xs = list_arg(op, args[0])?;
            let mut out = IntList::new();
            for &x in xs {
                let keep = f.call1(i64::from(x)).ok_or_else(|| type_error(op, "lambda takes two arguments"))?.truthy();
                if keep {
                    out.push(x);
                }
            }
            if op == Op::Filter { Ok(Value::List(out)) } else { Value::int(out.len() as i64) }
        }
        Op::ZipWith => {
            let f = lambda_arg(op, lambda)?;
            let xs = list_arg(op, args[0])?;
            let ys = list_arg(op, args[1])?;
            let mut out = Vec::with_capacity(xs.len().min(ys.len()));
            for (&x, &y) in xs.iter().zip(ys) {
                let z =
                    f.call2(i64::from(x), i64::from(y)).ok_or_else(|| type_error(op, "lambda takes one argument"))?;
                out.push(z.ok_or_else(|| out_of_range("an overflowing value"))?);
            }
            Value::list(out)
        }
        Op::Scanl1 => {
            let f = lambda_arg(op, lambda)?;
            let xs = list_arg(op, args[0])?;
            let mut out = IntList::with_capacity(xs.len());
            let mut acc: i64 = 0;
            for (i, &x) in xs.iter().enumerate() {
                acc = if i == 0 {
                    i64::from(x)
                } else {
                    f.call2(acc, i64::from(x))
                        .ok_or_else(|| type_error(op, "lambda takes one argument"))?
                        .ok_or_else(|| out_of_range("an overflowing value"))?
                };
                // Every partial result is an element of the output, so the first one outside
                // the range already makes the result invalid.
                if !in_range(acc) {
                    return Err(out_of_range(acc));
                }
                out.push(acc as i8);
            }
            Ok(Value::List(out))
        }
    }
}

// Keep the documented bounds referenced so a change of range is a compile-time reminder here.
const _: () = assert!(MIN_INT == -MAX_INT);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn l(xs: &[i64]) -> Value {
        Value::list(xs.iter().copied()).unwrap()
    }
    fn i(x: i64) -> Value {
        Value::int(x).unwrap()
    }
    fn ok(op: Op, f: Option<Lambda>, args: &[&Value]) -> Value {
        apply(op, f, args).unwrap()
    }
    fn err(op: Op, f: Option<Lambda>, args: &[&Value]) -> ErrorKind {
        apply(op, f, args).unwrap_err().kind()
    }

    #[test]
    fn first_order_ops() {
        assert_eq!(ok(Op::Head, None, &[&l(&[3, 4])]), i(3));
        assert_eq!(err(Op::Head, None, &[&l(&[])]), ErrorKind::Invalid);
        assert_eq!(ok(Op::Last, None, &[&l(&[3, 4])]), i(4));
        assert_eq!(ok(Op::Take, None, &[&i(-1), &l(&[1, 2, 3])]), l(&[1, 2]));
        assert_eq!(ok(Op::Take, None, &[&i(5), &l(&[1, 2, 3])]), l(&[1, 2, 3]));
        assert_eq!(ok(Op::Drop, None, &[&i(-2), &l(&[1, 2, 3])]), l(&[2, 3]));
        assert_eq!(ok(Op::Drop, None, &[&i(5), &l(&[1, 2, 3])]), l(&[]));
        assert_eq!(ok(Op::Access, None, &[&i(1), &l(&[1, 2, 3])]), i(2));
        assert_eq!(err(Op::Access, None, &[&i(-1), &l(&[1, 2, 3])]), ErrorKind::Invalid);
        // As in Python: a negative index is None before the list's type matters; otherwise an
        // int where the list belongs is a type error.
        assert_eq!(err(Op::Access, None, &[&i(-1), &i(3)]), ErrorKind::Invalid);
        assert_eq!(err(Op::Access, None, &[&i(0), &i(3)]), ErrorKind::Run);
        assert_eq!(err(Op::Access, None, &[&l(&[1]), &l(&[1, 2, 3])]), ErrorKind::Run);
        assert_eq!(err(Op::Access, None, &[&i(3), &l(&[1, 2, 3])]), ErrorKind::Invalid);
        assert_eq!(ok(Op::Minimum, None, &[&l(&[3, -4, 5])]), i(-4));
        assert_eq!(ok(Op::Maximum, None, &[&l(&[3, -4, 5])]), i(5));
        assert_eq!(ok(Op::Reverse, None, &[&l(&[1, 2])]), l(&[2, 1]));
        assert_eq!(ok(Op::Sort, None, &[&l(&[3, -1, 2])]), l(&[-1, 2, 3]));
        assert_eq!(ok(Op::Sum, None, &[&l(&[])]), i(0));
        assert_eq!(err(Op::Sum, None, &[&l(&[50, 1])]), ErrorKind::Invalid);
        assert_eq!(err(Op::Head, None, &[&i(3)]), ErrorKind::Run);
        assert_eq!(err(Op::Take, None, &[&l(&[1]), &l(&[1])]), ErrorKind::Run);
    }

    #[test]
    fn lambdas_follow_python_arithmetic() {
        assert_eq!(Lambda::DivTwo.call1(-3), Some(LambdaOut::Int(-2)));
        assert_eq!(Lambda::DivThree.call1(-1), Some(LambdaOut::Int(-1)));
        assert_eq!(Lambda::IsOdd.call1(-3), Some(LambdaOut::Bool(true)));
        assert_eq!(Lambda::IsEven.call1(-4), Some(LambdaOut::Bool(true)));
        assert_eq!(ok(Op::Map, Some(Lambda::DivFour), &[&l(&[-5, 7])]), l(&[-2, 1]));
    }

    #[test]
    fn higher_order_dynamic_typing() {
        // Lambdas are only type-checked when called.
        assert_eq!(ok(Op::Map, Some(Lambda::Add), &[&l(&[])]), l(&[]));
        assert_eq!(ok(Op::Scanl1, Some(Lambda::IsPositive), &[&l(&[4])]), l(&[4]));
        assert_eq!(ok(Op::ZipWith, Some(Lambda::PlusOne), &[&l(&[]), &l(&[1])]), l(&[]));
        assert_eq!(err(Op::Scanl1, Some(Lambda::IsPositive), &[&l(&[4, 5])]), ErrorKind::Run);
        assert_eq!(err(Op::Map, Some(Lambda::Add), &[&l(&[1])]), ErrorKind::Run);
        // Booleans are not ints.
        assert_eq!(err(Op::Map, Some(Lambda::IsPositive), &[&l(&[1])]), ErrorKind::Invalid);
        // Truthiness in Filter and Count.
        assert_eq!(ok(Op::Filter, Some(Lambda::PlusOne), &[&l(&[1, -1, 0])]), l(&[1, 0]));
        assert_eq!(ok(Op::Count, Some(Lambda::TimesTwo), &[&l(&[1, -1, 0])]), i(2));
        assert_eq!(ok(Op::ZipWith, Some(Lambda::Subtract), &[&l(&[5, 6, 7]), &l(&[1, 2])]), l(&[4, 4]));
        assert_eq!(ok(Op::Scanl1, Some(Lambda::Subtract), &[&l(&[1, 0, 6])]), l(&[1, 1, -5]));
        assert_eq!(err(Op::Scanl1, Some(Lambda::Multiply), &[&l(&[50, 50])]), ErrorKind::Invalid);
        assert_eq!(err(Op::ZipWith, Some(Lambda::Add), &[&l(&[]), &i(3)]), ErrorKind::Run);
        assert_eq!(ok(Op::Scanl1, Some(Lambda::Max), &[&l(&[])]), l(&[]));
    }

    #[test]
    fn scanl1_overflow_on_long_lists_is_invalid_not_a_panic() {
        let xs = Value::List(std::iter::repeat_n(50i8, 40).collect());
        assert_eq!(err(Op::Scanl1, Some(Lambda::Multiply), &[&xs]), ErrorKind::Invalid);
        assert_eq!(err(Op::Scanl1, Some(Lambda::Add), &[&xs]), ErrorKind::Invalid);
    }
}

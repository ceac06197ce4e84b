//! The RobustFill program representation.
//!
//! The official decoder turns every argument token into a plain table entry without any type
//! check, and ill-typed arguments only fail (or, for some, silently succeed) when the program
//! runs. To reproduce that exactly, an argument here is a [`Sym`], i.e. any entry of the
//! program vocabulary, and the interpreter checks the kinds it needs at the moment Python
//! would. Well-typed programs are built with the typed constructors on [`Expr`].

use smallvec::SmallVec;

/// The 21 delimiter characters, in the official order.
pub const DELIMITERS: &[u8; 21] = b"&,.?!@()[]%{}/:;$#\"' ";

/// The 83 characters of the I/O alphabet (and of `ConstStr`), in the official order:
/// a-z, A-Z, 0-9, then the delimiters.
pub const CHARACTERS: &[u8; 83] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789&,.?!@()[]%{}/:;$#\"' ";

/// Valid regex-occurrence indices (no 0).
pub const INDICES: [i8; 10] = [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5];

/// The range of `SubStr` positions and of integer tokens.
pub const POSITION_MIN: i8 = -100;
pub const POSITION_MAX: i8 = 100;

/// True for the characters of the I/O alphabet.
pub fn is_character(c: u8) -> bool {
    crate::dsl::robustfill::regex::class_bits(c) & crate::dsl::robustfill::regex::IN_ALPHABET != 0
}

/// True for the 21 delimiters.
pub fn is_delimiter(c: u8) -> bool {
    DELIMITERS.contains(&c)
}

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The official (Python enum) name.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

named_enum!(
    /// The regex classes (`dsl.Type`).
    RegexType {
        Number = "NUMBER",
        Word = "WORD",
        Alphanum = "ALPHANUM",
        AllCaps = "ALL_CAPS",
        PropCase = "PROP_CASE",
        Lower = "LOWER",
        Digit = "DIGIT",
        Char = "CHAR",
    }
);

named_enum!(
    /// The target of `ToCase`.
    Case {
        Proper = "PROPER",
        AllCaps = "ALL_CAPS",
        Lower = "LOWER",
    }
);

named_enum!(
    /// Which end of a regex match `GetSpan` uses.
    Boundary {
        Start = "START",
        End = "END",
    }
);

named_enum!(
    /// The operation classes, in vocabulary order.
    Op {
        Compose = "Compose",
        ConstStr = "ConstStr",
        SubStr = "SubStr",
        GetSpan = "GetSpan",
        GetToken = "GetToken",
        ToCase = "ToCase",
        Replace = "Replace",
        Trim = "Trim",
        GetUpto = "GetUpto",
        GetFrom = "GetFrom",
        GetFirst = "GetFirst",
        GetAll = "GetAll",
        Substitute = "Substitute",
        SubstituteAll = "SubstituteAll",
        Remove = "Remove",
        RemoveAll = "RemoveAll",
    }
);

/// The families that the compositional splits talk about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Substring,
    Modification,
    Const,
    Compose,
}

impl Op {
    /// How many argument tokens follow the op's own token (its constructor's parameters).
    /// `Compose` has two: an outer and an inner expression.
    pub fn arity(self) -> usize {
        match self {
            Op::Trim => 0,
            Op::ConstStr | Op::ToCase | Op::GetUpto | Op::GetFrom | Op::GetAll | Op::RemoveAll => 1,
            Op::Compose | Op::SubStr | Op::GetToken | Op::Replace | Op::GetFirst | Op::SubstituteAll | Op::Remove => 2,
            Op::Substitute => 3,
            Op::GetSpan => 6,
        }
    }

    pub fn family(self) -> Family {
        match self {
            Op::SubStr | Op::GetSpan | Op::GetToken | Op::GetUpto | Op::GetFrom => Family::Substring,
            Op::ToCase
            | Op::Replace
            | Op::Trim
            | Op::GetFirst
            | Op::GetAll
            | Op::Substitute
            | Op::SubstituteAll
            | Op::Remove
            | Op::RemoveAll => Family::Modification,
            Op::ConstStr => Family::Const,
            Op::Compose => Family::Compose,
        }
    }
}

/// One entry of the program vocabulary, i.e. anything a token can stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sym {
    Op(Op),
    Char(u8),
    Type(RegexType),
    Case(Case),
    Boundary(Boundary),
    Int(i8),
    /// The string `"BOS"` (id 1): a Python string, so it works wherever text is expected.
    Bos,
    /// The string `"EOS"` (id 2).
    Eos,
}

impl Sym {
    /// The Python string this entry is, if it is one (a character, `"BOS"` or `"EOS"`).
    /// A `Char` outside the alphabet has no token and is treated as no string at all, so
    /// that every output stays inside the alphabet.
    pub fn text(self) -> Option<&'static [u8]> {
        match self {
            Sym::Char(c) if is_character(c) => Some(char_slice(c)),
            Sym::Bos => Some(b"BOS"),
            Sym::Eos => Some(b"EOS"),
            _ => None,
        }
    }
}

/// A `'static` one-byte slice for any byte, so character arguments can be handled as text
/// without allocating.
pub fn char_slice(c: u8) -> &'static [u8] {
    static BYTES: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = i as u8;
            i += 1;
        }
        t
    };
    std::slice::from_ref(&BYTES[c as usize])
}

/// A regex argument of `GetSpan`, `GetUpto` and `GetFrom`: a class or one delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Regex {
    Type(RegexType),
    Delimiter(u8),
}

impl From<Regex> for Sym {
    fn from(r: Regex) -> Sym {
        match r {
            Regex::Type(t) => Sym::Type(t),
            Regex::Delimiter(d) => Sym::Char(d),
        }
    }
}

/// One operation applied to the input (anything but `Compose`), with its raw arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Call {
    pub op: Op,
    pub args: SmallVec<[Sym; 6]>,
}

impl Call {
    pub fn new(op: Op, args: &[Sym]) -> Call {
        Call { op, args: SmallVec::from_slice(args) }
    }
}

/// One expression of a `Concat` program.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    Call(Call),
    /// `outer(inner(x))`.
    Compose {
        outer: Call,
        inner: Call,
    },
}

impl Expr {
    /// The family used by the split definitions (Compose counts as its own family).
    pub fn family(&self) -> Family {
        match self {
            Expr::Call(c) => c.op.family(),
            Expr::Compose { .. } => Family::Compose,
        }
    }

    /// The number of tokens of this expression's encoding.
    pub fn token_len(&self) -> usize {
        match self {
            Expr::Call(c) => 1 + c.args.len(),
            Expr::Compose { outer, inner } => 3 + outer.args.len() + inner.args.len(),
        }
    }

    pub fn compose(outer: Expr, inner: Expr) -> Option<Expr> {
        match (outer, inner) {
            (Expr::Call(outer), Expr::Call(inner)) => Some(Expr::Compose { outer, inner }),
            _ => None,
        }
    }

    fn call(op: Op, args: &[Sym]) -> Expr {
        Expr::Call(Call::new(op, args))
    }

    pub fn const_str(c: u8) -> Expr {
        Expr::call(Op::ConstStr, &[Sym::Char(c)])
    }
    pub fn sub_str(p1: i8, p2: i8) -> Expr {
        Expr::call(Op::SubStr, &[Sym::Int(p1), Sym::Int(p2)])
    }
    pub fn get_span(r1: Regex, i1: i8, b1: Boundary, r2: Regex, i2: i8, b2: Boundary) -> Expr {
        Expr::call(
            Op::GetSpan,
            &[r1.into(), Sym::Int(i1), Sym::Boundary(b1), r2.into(), Sym::Int(i2), Sym::Boundary(b2)],
        )
    }
    pub fn get_token(t: RegexType, i: i8) -> Expr {
        Expr::call(Op::GetToken, &[Sym::Type(t), Sym::Int(i)])
    }
    pub fn to_case(c: Case) -> Expr {
        Expr::call(Op::ToCase, &[Sym::Case(c)])
    }
    pub fn replace(d1: u8, d2: u8) -> Expr {
        Expr::call(Op::Replace, &[Sym::Char(d1), Sym::Char(d2)])
    }
    pub fn trim() -> Expr {
        Expr::call(Op::Trim, &[])
    }
    pub fn get_upto(r: Regex) -> Expr {
        Expr::call(Op::GetUpto, &[r.into()])
    }
    pub fn get_from(r: Regex) -> Expr {
        Expr::call(Op::GetFrom, &[r.into()])
    }
    pub fn get_first(t: RegexType, i: i8) -> Expr {
        Expr::call(Op::GetFirst, &[Sym::Type(t), Sym::Int(i)])
    }
    pub fn get_all(t: RegexType) -> Expr {
        Expr::call(Op::GetAll, &[Sym::Type(t)])
    }
    pub fn substitute(t: RegexType, i: i8, c: u8) -> Expr {
        Expr::call(Op::Substitute, &[Sym::Type(t), Sym::Int(i), Sym::Char(c)])
    }
    pub fn substitute_all(t: RegexType, c: u8) -> Expr {
        Expr::call(Op::SubstituteAll, &[Sym::Type(t), Sym::Char(c)])
    }
    pub fn remove(t: RegexType, i: i8) -> Expr {
        Expr::call(Op::Remove, &[Sym::Type(t), Sym::Int(i)])
    }
    pub fn remove_all(t: RegexType) -> Expr {
        Expr::call(Op::RemoveAll, &[Sym::Type(t)])
    }
}

/// A RobustFill program: `Concat(e1, ..., en)`, the concatenation of its expressions'
/// outputs on the same input. The decoder accepts an empty program (it outputs "").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Program {
    pub exprs: Vec<Expr>,
}

impl Program {
    pub fn new(exprs: Vec<Expr>) -> Program {
        Program { exprs }
    }

    pub fn len(&self) -> usize {
        self.exprs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.exprs.is_empty()
    }
}

//! The typed errors of the DSLs.
//!
//! Every interpreter entry point returns one of these instead of panicking, so a search
//! can treat any model prediction (however malformed) as an ordinary invalid candidate,
//! and a command-line user gets a message that says which stage failed.

use std::borrow::Cow;
use std::fmt;

/// The stage at which a program or value was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// A token-id sequence that does not decode into a program (unknown id, wrong arity,
    /// missing or misplaced EOS).
    Decode,
    /// Text that does not parse (program text, a DeepCoder state or value).
    Parse,
    /// A program that fails while running (ill-typed arguments, unknown variables, wrong
    /// number of inputs).
    Run,
    /// A value outside the DSL's ranges: a DeepCoder int outside [-50, 50], a result that is
    /// not an int or an int list (e.g. an empty-list `Head`), or a RobustFill string with a
    /// character outside the alphabet.
    Invalid,
}

impl ErrorKind {
    /// The lowercase name used in JSON outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Decode => "decode",
            ErrorKind::Parse => "parse",
            ErrorKind::Run => "run",
            ErrorKind::Invalid => "invalid",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from decoding, parsing or running a DSL program or value.
///
/// Messages are `Cow<'static, str>` so that the hot paths of the interpreters (where most
/// failures are expected, e.g. while searching) do not allocate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DslError {
    #[error("decode error: {0}")]
    Decode(Cow<'static, str>),
    #[error("parse error: {0}")]
    Parse(Cow<'static, str>),
    #[error("run error: {0}")]
    Run(Cow<'static, str>),
    #[error("invalid value: {0}")]
    Invalid(Cow<'static, str>),
}

impl DslError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            DslError::Decode(_) => ErrorKind::Decode,
            DslError::Parse(_) => ErrorKind::Parse,
            DslError::Run(_) => ErrorKind::Run,
            DslError::Invalid(_) => ErrorKind::Invalid,
        }
    }

    /// The message without the kind prefix.
    pub fn message(&self) -> &str {
        match self {
            DslError::Decode(m) | DslError::Parse(m) | DslError::Run(m) | DslError::Invalid(m) => m,
        }
    }

    pub fn decode(msg: impl Into<Cow<'static, str>>) -> Self {
        DslError::Decode(msg.into())
    }
    pub fn parse(msg: impl Into<Cow<'static, str>>) -> Self {
        DslError::Parse(msg.into())
    }
    pub fn run(msg: impl Into<Cow<'static, str>>) -> Self {
        DslError::Run(msg.into())
    }
    pub fn invalid(msg: impl Into<Cow<'static, str>>) -> Self {
        DslError::Invalid(msg.into())
    }
}

pub type Result<T, E = DslError> = std::result::Result<T, E>;

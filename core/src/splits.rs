//! The six experiments (splits) of the benchmark and the dataset parts.
//!
//! What each split's train and test distributions *are* is data: the DSLs' samplers read it
//! from one table per DSL (`dsl::robustfill::sample::distribution` and
//! `dsl::deepcoder::sample::distribution`), so the twelve distributions are twelve rows, not
//! twelve copies of sampling code.

use std::fmt;
use std::str::FromStr;

/// A compositional-generalization split (`Experiment` in the official code, values 0..5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Split {
    /// i.i.d.: train and test from the same distribution.
    None,
    LengthGeneralization,
    ComposeDifferentConcepts,
    SwitchConceptOrder,
    ComposeNewOp,
    AddOpFunctionality,
}

impl Split {
    pub const ALL: [Split; 6] = [
        Split::None,
        Split::LengthGeneralization,
        Split::ComposeDifferentConcepts,
        Split::SwitchConceptOrder,
        Split::ComposeNewOp,
        Split::AddOpFunctionality,
    ];

    /// The five compositional-generalization splits (all but `NONE`).
    pub const GENERALIZATION: [Split; 5] = [
        Split::LengthGeneralization,
        Split::ComposeDifferentConcepts,
        Split::SwitchConceptOrder,
        Split::ComposeNewOp,
        Split::AddOpFunctionality,
    ];

    /// The official name, as in the data file names.
    pub fn name(self) -> &'static str {
        match self {
            Split::None => "NONE",
            Split::LengthGeneralization => "LENGTH_GENERALIZATION",
            Split::ComposeDifferentConcepts => "COMPOSE_DIFFERENT_CONCEPTS",
            Split::SwitchConceptOrder => "SWITCH_CONCEPT_ORDER",
            Split::ComposeNewOp => "COMPOSE_NEW_OP",
            Split::AddOpFunctionality => "ADD_OP_FUNCTIONALITY",
        }
    }

    /// A short label for tables.
    pub fn short_name(self) -> &'static str {
        match self {
            Split::None => "None",
            Split::LengthGeneralization => "Length-Gen",
            Split::ComposeDifferentConcepts => "Compose-Diff",
            Split::SwitchConceptOrder => "Switch-Order",
            Split::ComposeNewOp => "Compose-New-Op",
            Split::AddOpFunctionality => "Add-Op-Func",
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Split {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let norm = s.to_ascii_uppercase().replace('-', "_");
        Split::ALL
            .into_iter()
            .find(|sp| sp.name() == norm)
            .or(match norm.as_str() {
                "IID" => Some(Split::None),
                "LENGTH" | "LENGTH_GEN" => Some(Split::LengthGeneralization),
                "CDC" => Some(Split::ComposeDifferentConcepts),
                "SCO" => Some(Split::SwitchConceptOrder),
                "CNO" => Some(Split::ComposeNewOp),
                "AOF" => Some(Split::AddOpFunctionality),
                _ => None,
            })
            .ok_or_else(|| format!("unknown split {s:?} (expected one of {})", Split::ALL.map(|s| s.name()).join(", ")))
    }
}

/// Which part of a dataset to generate. Train and valid follow the train distribution, test
/// the test distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Train,
    Valid,
    Test,
}

impl Part {
    pub fn name(self) -> &'static str {
        match self {
            Part::Train => "train",
            Part::Valid => "valid",
            Part::Test => "test",
        }
    }

    /// Whether the part follows the train distribution.
    pub fn is_train_distribution(self) -> bool {
        !matches!(self, Part::Test)
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Part {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "train" => Ok(Part::Train),
            "valid" | "validation" => Ok(Part::Valid),
            "test" => Ok(Part::Test),
            _ => Err(format!("unknown part {s:?} (expected train, valid or test)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Split::ALL {
            assert_eq!(s.name().parse::<Split>(), Ok(s));
        }
        assert_eq!("length-generalization".parse::<Split>(), Ok(Split::LengthGeneralization));
        assert_eq!("cno".parse::<Split>(), Ok(Split::ComposeNewOp));
        assert!("foo".parse::<Split>().is_err());
        assert_eq!("valid".parse::<Part>(), Ok(Part::Valid));
    }

    #[test]
    fn discriminants_are_the_official_experiment_values() {
        // Shard headers and the released data's tables index by `split as usize`.
        for (i, s) in Split::ALL.into_iter().enumerate() {
            assert_eq!(s as usize, i, "{s:?}");
        }
        assert_eq!(Split::GENERALIZATION[..], Split::ALL[1..]);
    }
}

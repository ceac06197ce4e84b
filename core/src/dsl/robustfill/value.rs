//! RobustFill values: strings over the 83-character alphabet.

use std::fmt;

use super::regex::{IN_ALPHABET, class_bits};
use crate::error::{DslError, Result};

/// A string over the RobustFill alphabet (letters, digits and the 21 delimiters).
///
/// The alphabet is ASCII, so the text is stored as bytes and byte offsets are character
/// offsets. Construction checks the alphabet once; the interpreter then works on bytes and
/// builds its outputs from alphabet bytes only, so no later check is needed.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(Vec<u8>);

/// Checks that a string lies in the alphabet and returns its bytes.
pub fn check_alphabet(s: &str) -> Result<&[u8]> {
    if s.bytes().fold(IN_ALPHABET, |acc, c| acc & class_bits(c)) != 0 {
        return Ok(s.as_bytes());
    }
    let i = s.bytes().position(|c| class_bits(c) & IN_ALPHABET == 0).unwrap_or(0);
    let ch = s[i..].chars().next().unwrap_or('?');
    Err(DslError::invalid(format!("character {ch:?} at position {i} is outside the RobustFill alphabet")))
}

impl Text {
    /// Checks a string against the alphabet.
    pub fn new(s: &str) -> Result<Text> {
        Ok(Text(check_alphabet(s)?.to_vec()))
    }

    /// Wraps bytes produced by the interpreter from alphabet bytes.
    pub(crate) fn from_alphabet_bytes(bytes: Vec<u8>) -> Text {
        debug_assert!(bytes.iter().all(|&c| class_bits(c) & IN_ALPHABET != 0));
        Text(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text as a `str` (always valid: the alphabet is ASCII).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn starts_with(&self, prefix: &Text) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// The text without its first `n` characters.
    pub fn suffix(&self, n: usize) -> Text {
        Text(self.0.get(n..).unwrap_or_default().to_vec())
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl TryFrom<&str> for Text {
    type Error = DslError;
    fn try_from(s: &str) -> Result<Text> {
        Text::new(s)
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_is_enforced() {
        assert!(Text::new("Ab1 .,&").is_ok());
        assert_eq!(Text::new("caf\u{e9}").unwrap_err().kind(), crate::error::ErrorKind::Invalid);
        assert!(Text::new("a\tb").is_err());
        assert_eq!(Text::new("abc").unwrap().suffix(1), "bc");
        assert_eq!(Text::new("abc").unwrap().suffix(9), "");
    }
}

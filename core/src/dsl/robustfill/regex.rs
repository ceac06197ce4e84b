//! The eight regex classes and single-delimiter patterns, hand-coded.
//!
//! Python's `re.findall`/`re.finditer` give the leftmost, non-overlapping, greedy matches.
//! For the classes here that reduces to: maximal runs of a character class (`[..]+`), single
//! characters (`[..]`), or, for `PROP_CASE` (`[A-Z][a-z]+`), an upper-case letter followed by
//! a maximal non-empty run of lower-case letters. Hand-coding them keeps the interpreter free
//! of a regex engine (smaller wasm, no compilation, no allocation per match).

use super::ast::{Regex, RegexType};

pub(crate) const DIGIT: u8 = 1;
pub(crate) const UPPER: u8 = 2;
pub(crate) const LOWER: u8 = 4;
/// Set for the 83 characters of the I/O alphabet (the `CHAR` class).
pub(crate) const IN_ALPHABET: u8 = 8;

static CLASS_BITS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut bits = 0;
        if b.is_ascii_digit() {
            bits |= DIGIT | IN_ALPHABET;
        }
        if b.is_ascii_uppercase() {
            bits |= UPPER | IN_ALPHABET;
        }
        if b.is_ascii_lowercase() {
            bits |= LOWER | IN_ALPHABET;
        }
        t[c] = bits;
        c += 1;
    }
    let delims = super::ast::DELIMITERS;
    let mut i = 0;
    while i < delims.len() {
        t[delims[i] as usize] |= IN_ALPHABET;
        i += 1;
    }
    t
};

#[inline]
pub(crate) fn class_bits(c: u8) -> u8 {
    CLASS_BITS[c as usize]
}

/// A match as a half-open byte range `[start, end)`.
pub type Span = (u32, u32);

/// Appends the matches of `regex` in `s` to `out` (which is cleared first).
pub fn find_spans(regex: Regex, s: &[u8], out: &mut Vec<Span>) {
    out.clear();
    match regex {
        Regex::Delimiter(d) => {
            for (i, &c) in s.iter().enumerate() {
                if c == d {
                    out.push((i as u32, i as u32 + 1));
                }
            }
        }
        Regex::Type(t) => match t {
            RegexType::Number => runs(s, DIGIT, out),
            RegexType::Word => runs(s, UPPER | LOWER, out),
            RegexType::Alphanum => runs(s, UPPER | LOWER | DIGIT, out),
            RegexType::AllCaps => runs(s, UPPER, out),
            RegexType::Lower => runs(s, LOWER, out),
            RegexType::Digit => singles(s, DIGIT, out),
            RegexType::Char => singles(s, IN_ALPHABET, out),
            RegexType::PropCase => prop_case(s, out),
        },
    }
}

/// Maximal runs of characters whose class bits intersect `mask` (`[..]+`).
fn runs(s: &[u8], mask: u8, out: &mut Vec<Span>) {
    let mut i = 0;
    let n = s.len();
    while i < n {
        if class_bits(s[i]) & mask != 0 {
            let start = i;
            i += 1;
            while i < n && class_bits(s[i]) & mask != 0 {
                i += 1;
            }
            out.push((start as u32, i as u32));
        } else {
            i += 1;
        }
    }
}

/// Every single character in the class (`[..]`).
fn singles(s: &[u8], mask: u8, out: &mut Vec<Span>) {
    for (i, &c) in s.iter().enumerate() {
        if class_bits(c) & mask != 0 {
            out.push((i as u32, i as u32 + 1));
        }
    }
}

/// `[A-Z][a-z]+`: an upper-case letter directly followed by at least one lower-case letter.
fn prop_case(s: &[u8], out: &mut Vec<Span>) {
    let n = s.len();
    let mut i = 0;
    while i + 1 < n {
        if class_bits(s[i]) & UPPER != 0 && class_bits(s[i + 1]) & LOWER != 0 {
            let start = i;
            i += 2;
            while i < n && class_bits(s[i]) & LOWER != 0 {
                i += 1;
            }
            out.push((start as u32, i as u32));
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(regex: Regex, s: &str) -> Vec<String> {
        let mut spans = Vec::new();
        find_spans(regex, s.as_bytes(), &mut spans);
        spans
            .iter()
            .map(|&(a, b)| s[a as usize..b as usize].to_string())
            .collect()
    }

    #[test]
    fn classes_match_python_findall() {
        use RegexType::*;
        let t = |r, s| texts(Regex::Type(r), s);
        assert_eq!(t(Number, "ab12 cd345 ef6"), ["12", "345", "6"]);
        assert_eq!(t(Word, "ab12 cd345 ef"), ["ab", "cd", "ef"]);
        assert_eq!(t(Alphanum, "a1.b2 c"), ["a1", "b2", "c"]);
        assert_eq!(t(AllCaps, "aBCdE"), ["BC", "E"]);
        assert_eq!(t(PropCase, "A Ab ABc"), ["Ab", "Bc"]);
        assert_eq!(t(PropCase, "AbcDefG"), ["Abc", "Def"]);
        assert_eq!(t(Lower, "aBcd"), ["a", "cd"]);
        assert_eq!(t(Digit, "a12"), ["1", "2"]);
        assert_eq!(t(Char, "a .B"), ["a", " ", ".", "B"]);
        assert_eq!(texts(Regex::Delimiter(b'.'), "a.b..c"), [".", ".", "."]);
        assert!(t(Number, "").is_empty());
    }

    #[test]
    fn alphabet_has_83_characters() {
        let n = (0..=255u8)
            .filter(|&c| class_bits(c) & IN_ALPHABET != 0)
            .count();
        assert_eq!(n, 83);
    }
}

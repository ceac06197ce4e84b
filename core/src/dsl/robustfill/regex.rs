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

/// Puts the matches of `regex` in `s` into `out` (which is cleared first).
pub fn find_spans(regex: Regex, s: &[u8], out: &mut Vec<Span>) {
    find_spans_limit(regex, s, out, usize::MAX);
}

/// Like [`find_spans`], but stops after `limit` matches: callers that only need the k-th
/// match (or to know there are at least k) skip scanning the rest of the string.
pub fn find_spans_limit(regex: Regex, s: &[u8], out: &mut Vec<Span>, limit: usize) {
    out.clear();
    if s.len() <= 64 {
        return find_spans_short(regex, s, out, limit);
    }
    match regex {
        Regex::Delimiter(d) => {
            for (i, &c) in s.iter().enumerate() {
                if c == d {
                    out.push((i as u32, i as u32 + 1));
                    if out.len() >= limit {
                        return;
                    }
                }
            }
        }
        Regex::Type(t) => match t {
            RegexType::Number => runs(s, DIGIT, out, limit),
            RegexType::Word => runs(s, UPPER | LOWER, out, limit),
            RegexType::Alphanum => runs(s, UPPER | LOWER | DIGIT, out, limit),
            RegexType::AllCaps => runs(s, UPPER, out, limit),
            RegexType::Lower => runs(s, LOWER, out, limit),
            RegexType::Digit => singles(s, DIGIT, out, limit),
            RegexType::Char => singles(s, IN_ALPHABET, out, limit),
            RegexType::PropCase => prop_case(s, out, limit),
        },
    }
}

/// Bit i set when `s[i]` is in the class `mask` (for strings of at most 64 bytes).
#[inline]
fn bitmask(s: &[u8], mask: u8) -> u64 {
    let mut m = 0u64;
    for (i, &c) in s.iter().enumerate() {
        m |= u64::from(class_bits(c) & mask != 0) << i;
    }
    m
}

/// The same searches on a bit mask of the string: runs are found from their start and end
/// bits, so the scan has no data-dependent branches. Strings of the benchmark are at most
/// 20 characters (intermediate ones at most a few times that).
fn find_spans_short(regex: Regex, s: &[u8], out: &mut Vec<Span>, limit: usize) {
    let (starts, ends) = match regex {
        Regex::Delimiter(d) => {
            let mut m = 0u64;
            for (i, &c) in s.iter().enumerate() {
                m |= u64::from(c == d) << i;
            }
            (m, m)
        }
        Regex::Type(t) => {
            let class = match t {
                RegexType::Number | RegexType::Digit => DIGIT,
                RegexType::Word => UPPER | LOWER,
                RegexType::Alphanum => UPPER | LOWER | DIGIT,
                RegexType::AllCaps => UPPER,
                RegexType::Lower => LOWER,
                RegexType::Char => IN_ALPHABET,
                RegexType::PropCase => 0,
            };
            match t {
                RegexType::Digit | RegexType::Char => {
                    let m = bitmask(s, class);
                    (m, m)
                }
                RegexType::PropCase => {
                    let upper = bitmask(s, UPPER);
                    let lower = bitmask(s, LOWER);
                    // A match starts at an upper-case letter followed by a lower-case one and
                    // ends with the lower-case run that follows it.
                    let starts = upper & (lower >> 1);
                    let run_ends = lower & !(lower >> 1);
                    let mut ends = 0u64;
                    let mut st = starts;
                    while st != 0 {
                        let b = st.trailing_zeros();
                        st &= st - 1;
                        let after = run_ends & (u64::MAX << (b + 1));
                        ends |= 1u64 << after.trailing_zeros();
                    }
                    (starts, ends)
                }
                _ => {
                    let m = bitmask(s, class);
                    (m & !(m << 1), m & !(m >> 1))
                }
            }
        }
    };
    let (mut st, mut en) = (starts, ends);
    while st != 0 && out.len() < limit {
        let a = st.trailing_zeros();
        let b = en.trailing_zeros();
        st &= st - 1;
        en &= en - 1;
        out.push((a, b + 1));
    }
}

/// Maximal runs of characters whose class bits intersect `mask` (`[..]+`).
#[inline]
fn runs(s: &[u8], mask: u8, out: &mut Vec<Span>, limit: usize) {
    let mut in_run = false;
    let mut start = 0;
    for (i, &c) in s.iter().enumerate() {
        let hit = class_bits(c) & mask != 0;
        if hit && !in_run {
            start = i;
        } else if !hit && in_run {
            out.push((start as u32, i as u32));
            if out.len() >= limit {
                return;
            }
        }
        in_run = hit;
    }
    if in_run {
        out.push((start as u32, s.len() as u32));
    }
}

/// Every single character in the class (`[..]`).
#[inline]
fn singles(s: &[u8], mask: u8, out: &mut Vec<Span>, limit: usize) {
    for (i, &c) in s.iter().enumerate() {
        if class_bits(c) & mask != 0 {
            out.push((i as u32, i as u32 + 1));
            if out.len() >= limit {
                return;
            }
        }
    }
}

/// `[A-Z][a-z]+`: an upper-case letter directly followed by at least one lower-case letter.
fn prop_case(s: &[u8], out: &mut Vec<Span>, limit: usize) {
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
            if out.len() >= limit {
                return;
            }
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
        spans.iter().map(|&(a, b)| s[a as usize..b as usize].to_string()).collect()
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
    fn short_and_long_strings_agree() {
        // The bit-mask path (<= 64 bytes) and the scalar path must give the same matches.
        let base = "Ab1 cDef, 23GHi.jK ab12cd EEf4 ?x".repeat(3);
        let regexes =
            RegexType::ALL.iter().map(|&t| Regex::Type(t)).chain([Regex::Delimiter(b' '), Regex::Delimiter(b'.')]);
        for r in regexes {
            for len in [0, 1, 2, 17, 33, 63, 64] {
                let s = &base.as_bytes()[..len];
                let mut short = Vec::new();
                find_spans_short(r, s, &mut short, usize::MAX);
                let mut long = Vec::new();
                let padded = [s, &[b'#'; 70][..]].concat();
                find_spans(r, &padded, &mut long);
                long.retain(|&(a, _)| (a as usize) < s.len());
                if let Some(last) = long.last_mut() {
                    last.1 = last.1.min(s.len() as u32);
                }
                assert_eq!(short, long, "{r:?} on {:?}", String::from_utf8_lossy(s));
            }
        }
    }

    #[test]
    fn limited_search_stops_early() {
        let mut spans = Vec::new();
        find_spans_limit(Regex::Type(RegexType::Word), b"ab cd ef", &mut spans, 2);
        assert_eq!(spans, [(0, 2), (3, 5)]);
        find_spans_limit(Regex::Type(RegexType::Word), b"ab cd ef", &mut spans, 9);
        assert_eq!(spans.len(), 3);
    }

    #[test]
    fn alphabet_has_83_characters() {
        let n = (0..=255u8).filter(|&c| class_bits(c) & IN_ALPHABET != 0).count();
        assert_eq!(n, 83);
    }
}

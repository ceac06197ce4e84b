//! Token vocabularies shared by the DSLs and the models.
//!
//! Both DSLs reserve the same three ids: 0 = padding, 1 = BOS, 2 = EOS. The models know a
//! vocabulary only by its size and these ids (plus the separator of the I/O vocabulary),
//! which keeps `model/` independent of any DSL.

/// A token id. Every vocabulary here has fewer than 65,536 entries (the largest has 316).
pub type Token = u16;

pub const PAD: Token = 0;
pub const BOS: Token = 1;
pub const EOS: Token = 2;

/// A fixed table of token names, indexed by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocab {
    names: Vec<String>,
    separator: Option<Token>,
}

impl Vocab {
    /// Builds a vocabulary from its names in id order (`names[0]` is the padding token).
    pub fn new(names: Vec<String>, separator: Option<Token>) -> Self {
        Vocab { names, separator }
    }

    /// Number of ids, i.e. the size of an embedding or logit layer over this vocabulary.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The separator between examples in a joined sequence (e.g. a subgoal), if any.
    pub fn separator(&self) -> Option<Token> {
        self.separator
    }

    /// The printable name of an id, if it is in the table.
    pub fn name(&self, id: Token) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// The id of a name, if it is in the table (linear scan; for tests and tools, not hot paths).
    pub fn id(&self, name: &str) -> Option<Token> {
        self.names.iter().position(|n| n == name).map(|i| i as Token)
    }

    /// All names in id order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// Cleans a raw prediction the way the end-to-end search does before decoding: keep what
/// comes before the *last* EOS (or, without EOS, drop the final position), then drop
/// padding, BOS and EOS ids.
pub fn clean_prediction(ids: &[Token]) -> Vec<Token> {
    let body = match ids.iter().rposition(|&t| t == EOS) {
        Some(last) => &ids[..last],
        None => &ids[..ids.len().saturating_sub(1)],
    };
    body.iter().copied().filter(|&t| t != PAD && t != BOS && t != EOS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_prediction_keeps_before_last_eos() {
        assert_eq!(clean_prediction(&[1, 5, 2, 6, 2, 0, 0]), vec![5, 6]);
        assert_eq!(clean_prediction(&[5, 6, 7]), vec![5, 6]);
        assert_eq!(clean_prediction(&[]), Vec::<Token>::new());
        assert_eq!(clean_prediction(&[0, 7, 0, 8, 2]), vec![7, 8]);
    }
}

//! Bounds on the work one document may cause. A few kilobytes of nested deflate streams can
//! inflate to gigabytes, and a few kilobytes of brackets can nest without end: reading stops with
//! [`Error::LimitExceeded`] long before memory or the stack runs out.

use std::cell::Cell;

use super::filters::{DecodeError, decode_stream};
use super::object::Dict;
use crate::error::{Error, Result};

const MIB: u64 = 1 << 20;
/// Nesting is parsed by recursion: a configured depth above this is treated as this.
const HARD_MAX_NESTING: usize = 512;

/// Resource limits for reading one PDF, in [`crate::SignOptions`] and
/// [`crate::VerifyOptions`]. The inflated-bytes budgets grow with the input (`inflate_ratio` ×
/// its length) between a floor, so small files with a large object stream still read, and an
/// absolute cap.
///
/// ```
/// use countersign::Limits;
/// let mut strict = Limits::default();
/// strict.max_document_inflated = 64 << 20;
/// assert_eq!(strict.document_budget(1_000), 64 << 20);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Inflated bytes allowed per input byte, per stream and per document.
    pub inflate_ratio: u64,
    /// One stream may always inflate to this much (the floor of its budget).
    pub min_stream_inflated: u64,
    /// No stream inflates to more than this, whatever the input size.
    pub max_stream_inflated: u64,
    /// All streams of a document together may always inflate to this much.
    pub min_document_inflated: u64,
    /// All streams of a document together never inflate to more than this.
    pub max_document_inflated: u64,
    /// Arrays and dictionaries nested deeper than this are refused (at most 512).
    pub max_nesting: usize,
    /// Decoded object streams one document keeps for reuse, in bytes. Beyond it the least
    /// recently used are dropped and decoded again when needed, each time drawing on the
    /// document's budget again; a single larger stream is kept alone. What one document holds
    /// at once is therefore at most this plus one stream's budget, whatever the file decodes to
    /// in all.
    pub max_held_decoded: u64,
    /// Signatures (signature fields with a value, hidden ones included) one document may carry
    /// for verification. Each signature's modification analysis reads the revisions after it,
    /// so the cost grows with signatures × file size: 4,000 cheap invalid signatures in 1 MB
    /// took 23 s before this bound.
    pub max_signatures: usize,
}

impl Default for Limits {
    /// 64× the input per stream and per document; floors 16 MiB (stream) and 64 MiB
    /// (document); caps 256 MiB and 1 GiB; nesting 64 (real files stay below 20); 32 MiB of
    /// decoded object streams held (real object streams decode to kilobytes, rarely megabytes);
    /// 200 signatures (real documents carry a handful, rarely dozens).
    fn default() -> Self {
        Self {
            inflate_ratio: 64,
            min_stream_inflated: 16 * MIB,
            max_stream_inflated: 256 * MIB,
            min_document_inflated: 64 * MIB,
            max_document_inflated: 1024 * MIB,
            max_nesting: 64,
            max_held_decoded: 32 * MIB,
            max_signatures: 200,
        }
    }
}

impl Limits {
    /// Inflated bytes one stream of an `input_len`-byte file may produce.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::Limits;
    ///
    /// let limits = Limits::default(); // 64 times the input, at least 16 MiB, at most 256 MiB
    /// assert_eq!(limits.stream_budget(1 << 10), 16 << 20);
    /// assert_eq!(limits.stream_budget(1 << 20), 64 << 20);
    /// assert_eq!(limits.stream_budget(1 << 30), 256 << 20);
    /// ```
    pub fn stream_budget(&self, input_len: u64) -> u64 {
        self.proportional(input_len)
            .max(self.min_stream_inflated)
            .min(self.max_stream_inflated)
    }

    /// Inflated bytes all streams of an `input_len`-byte file may produce together.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::Limits;
    ///
    /// let limits = Limits::default(); // 64 times the input, at least 64 MiB, at most 1 GiB
    /// assert_eq!(limits.document_budget(1 << 10), 64 << 20);
    /// assert_eq!(limits.document_budget(4 << 20), 256 << 20);
    /// assert_eq!(limits.document_budget(1 << 30), 1 << 30);
    /// ```
    pub fn document_budget(&self, input_len: u64) -> u64 {
        self.proportional(input_len)
            .max(self.min_document_inflated)
            .min(self.max_document_inflated)
    }

    /// The nesting depth the parser enforces.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::Limits;
    ///
    /// let mut limits = Limits::default();
    /// assert_eq!(limits.nesting(), 64);
    /// limits.max_nesting = 10_000; // the parser recurses: deeper than 512 is never allowed
    /// assert_eq!(limits.nesting(), 512);
    /// ```
    pub fn nesting(&self) -> usize {
        self.max_nesting.min(HARD_MAX_NESTING)
    }

    fn proportional(&self, input_len: u64) -> u64 {
        self.inflate_ratio.saturating_mul(input_len)
    }
}

/// Why a stream could not be inflated within its budget, or at all.
pub(crate) enum Inflate {
    /// A limit was reached: the error names it and the stream.
    Limit(Error),
    /// The data is not what its filters say (the caller names the object).
    Invalid(String),
}

/// The inflation budget of one document: every decoded stream draws on it.
#[derive(Debug)]
pub(crate) struct Inflation {
    per_stream: u64,
    per_document: u64,
    used: Cell<u64>,
}

impl Inflation {
    pub(crate) fn new(limits: &Limits, input_len: usize) -> Self {
        let input_len = input_len as u64;
        Self {
            per_stream: limits.stream_budget(input_len),
            per_document: limits.document_budget(input_len),
            used: Cell::new(0),
        }
    }

    /// Decodes `raw` through `dict`'s filters within what is left of the budget; `location`
    /// names the stream for the error.
    pub(crate) fn decode(
        &self,
        dict: &Dict,
        raw: &[u8],
        location: &dyn Fn() -> String,
    ) -> std::result::Result<Vec<u8>, Inflate> {
        let left = self.per_document.saturating_sub(self.used.get());
        let allowed = self.per_stream.min(left);
        let mut budget = allowed;
        let result = decode_stream(dict, raw, &mut budget);
        self.used.set(
            self.used
                .get()
                .saturating_add(allowed.saturating_sub(budget)),
        );
        match result {
            Ok(data) => Ok(data),
            Err(DecodeError::Invalid(reason)) => Err(Inflate::Invalid(reason)),
            Err(DecodeError::Limit) => Err(Inflate::Limit(if left < self.per_stream {
                Error::limit(
                    "inflated bytes of the document",
                    self.per_document,
                    location(),
                )
            } else {
                Error::limit("inflated bytes of one stream", self.per_stream, location())
            })),
        }
    }

    /// Inflated bytes drawn so far.
    #[cfg(test)]
    pub(crate) fn used(&self) -> u64 {
        self.used.get()
    }

    /// Like [`decode`](Self::decode), with invalid data reported through `invalid`.
    pub(crate) fn decode_or(
        &self,
        dict: &Dict,
        raw: &[u8],
        location: &dyn Fn() -> String,
        invalid: impl FnOnce(String) -> Error,
    ) -> Result<Vec<u8>> {
        self.decode(dict, raw, location).map_err(|e| match e {
            Inflate::Limit(error) => error,
            Inflate::Invalid(reason) => invalid(reason),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_grow_with_the_input_between_floor_and_cap() {
        let limits = Limits::default();
        assert_eq!(limits.stream_budget(1_000), 16 * MIB);
        assert_eq!(limits.stream_budget(2 * MIB), 128 * MIB);
        assert_eq!(limits.stream_budget(100 * MIB), 256 * MIB);
        assert_eq!(limits.document_budget(1_000), 64 * MIB);
        assert_eq!(limits.document_budget(4 * MIB), 256 * MIB);
        assert_eq!(limits.document_budget(u64::MAX), 1024 * MIB);
        let deep = Limits {
            max_nesting: 1 << 20,
            ..Limits::default()
        };
        assert_eq!(deep.nesting(), HARD_MAX_NESTING);
    }
}

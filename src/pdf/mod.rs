//! Reading only what signing needs from a PDF, and writing the incremental update.

// Everything here reads untrusted bytes: no panicking shortcuts and no unchecked arithmetic
// (fuzzing found nothing; these lints keep it that way). Tests may use them.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

pub mod date;
pub mod document;
pub mod filters;
pub mod lexer;
pub mod object;
pub mod objstm;
pub mod parser;
pub mod update;
pub mod writer;
pub mod xref;

pub use document::{Document, XrefForm};
pub use object::{Dict, ObjRef, Object, Stream, StringForm};
pub use update::UpdateWriter;
pub use xref::XrefEntry;

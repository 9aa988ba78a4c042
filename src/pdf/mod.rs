//! Reading only what signing needs from a PDF, and writing the incremental update.

pub mod acroform;
pub mod date;
pub mod document;
pub mod filters;
pub mod lexer;
pub mod limits;
pub mod object;
pub mod objstm;
pub mod parser;
pub mod security;
pub mod update;
pub mod writer;
pub mod xref;

pub use document::Document;
pub use limits::Limits;
pub use object::{Dict, ObjRef, Object, Stream, StringForm};
pub use update::UpdateWriter;
pub use xref::XrefEntry;

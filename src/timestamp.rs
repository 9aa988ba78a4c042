//! RFC 3161 time-stamping for PAdES B-T and B-LTA: where tokens come from ([`TimeStamper`]), an
//! HTTP client for a TSA ([`HttpTsa`], feature `tsa`) and a minimal in-process authority over a
//! local key ([`Authority`]).

pub use crate::cades::timestamp::authority::Authority;
#[cfg(feature = "tsa")]
pub use crate::cades::timestamp::http::{HttpTsa, TsaConfig};
pub use crate::cades::timestamp::{TimeStamper, TimestampRequest};

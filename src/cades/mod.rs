//! The CMS SignedData container (RFC 5652) in its CAdES/PAdES form (ETSI EN 319 122 / 319 142).

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

pub mod signed_attributes;
pub mod signed_data;
pub mod signing_certificate;
pub mod signing_certificate_v2;
pub mod verify;

pub use signed_data::{build_detached, reserved_len, CmsParams};
pub use verify::{verify_detached, CmsVerification};

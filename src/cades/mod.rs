//! The CMS SignedData container (RFC 5652) in its CAdES/PAdES form (ETSI EN 319 122 / 319 142).

pub(crate) mod ber;
pub mod signed_attributes;
pub mod signed_data;
pub mod signing_certificate;
pub mod signing_certificate_v2;
pub mod timestamp;
pub mod verify;

pub use signed_data::{
    CmsContentTypes, CmsParams, build_detached, build_encapsulated, reserved_len,
};
pub(crate) use verify::path::signer_key_usage_problem;
pub use verify::{
    CmsVerification, PathCheck, validation_time, verify_detached, verify_detached_with,
};

//! The bundled demo organisation (testdata/pki): lets `countersign sign` work out of the box.
//! Its keys are public test keys; never trust them.

pub const CHAIN_PEM: &[u8] = include_bytes!("../../testdata/pki/demo.chain.pem");
pub const KEY_PEM: &[u8] = include_bytes!("../../testdata/pki/demo.key.pem");

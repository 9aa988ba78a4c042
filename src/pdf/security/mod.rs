//! Encrypted documents: the security handlers that give the file key.

pub mod pubsec;

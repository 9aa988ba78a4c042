//! The CMS SignedData container (RFC 5652) in its CAdES/PAdES form (ETSI EN 319 122 / 319 142).

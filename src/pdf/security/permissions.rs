//! The permission flags `/P` of a standard encryption dictionary (ISO 32000-2 Table 22),
//! numbered from 1 as the standard numbers them.

use crate::error::{Error, Result};

/// Bit 6: add or modify annotations, fill in form fields (and, with bit 4, create them).
const ANNOTATE_AND_FILL: u8 = 6;
/// Bit 9 (R >= 3): fill in form fields, signature fields included, even when bit 6 is clear.
const FILL_IN_FORMS: u8 = 9;

/// The bits of Table 22 by name, for messages and reports.
pub const NAMES: [(u8, &str); 8] = [
    (3, "print"),
    (4, "modify the contents"),
    (5, "copy or extract text and graphics"),
    (ANNOTATE_AND_FILL, "add annotations and fill in form fields"),
    (FILL_IN_FORMS, "fill in form fields and sign"),
    (10, "extract for accessibility"),
    (11, "assemble the document"),
    (12, "print at full quality"),
];

/// The name of bit `bit` of `/P`.
pub fn name(bit: u8) -> &'static str {
    NAMES
        .iter()
        .find(|(b, _)| *b == bit)
        .map_or("a reserved permission", |(_, name)| name)
}

/// What the password that opened the document permits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permissions {
    p: i32,
    revision: u8,
    /// Opened with the owner password (or a public-key recipient with every permission):
    /// `/P` does not restrict it.
    owner: bool,
}

impl Permissions {
    /// The flags `p` of a revision `revision` handler, for the owner or a user.
    pub fn new(p: i32, revision: u8, owner: bool) -> Self {
        Self { p, revision, owner }
    }

    /// Everything permitted: the document is not encrypted, or was opened as owner.
    pub fn all() -> Self {
        Self::new(-1, 6, true)
    }

    /// Whether bit `bit` (1-based) of `/P` is set, or the owner opened the document.
    pub fn allows(&self, bit: u8) -> bool {
        let set = bit
            .checked_sub(1)
            .and_then(|shift| 1i32.checked_shl(u32::from(shift)))
            .is_some_and(|mask| self.p & mask != 0);
        self.owner || set
    }

    /// Opened with the owner password.
    pub fn is_owner(&self) -> bool {
        self.owner
    }

    /// `/P` as the dictionary states it.
    pub fn flags(&self) -> i32 {
        self.p
    }

    /// Signing fills in a signature field: bit 9 (R >= 3) or bit 6 (which permits form filling
    /// in every revision, as Adobe and pyHanko read it). [`Error::PermissionDenied`] otherwise.
    pub fn check_signing(&self) -> Result<()> {
        let by_bit_9 = self.revision >= 3 && self.allows(FILL_IN_FORMS);
        if by_bit_9 || self.allows(ANNOTATE_AND_FILL) {
            return Ok(());
        }
        let bit = if self.revision >= 3 {
            FILL_IN_FORMS
        } else {
            ANNOTATE_AND_FILL
        };
        Err(Error::PermissionDenied {
            permission: name(bit).into(),
            bit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_needs_bit_9_or_bit_6() {
        // The DSS "signing allowed" file: bits 5, 7, 8, 9, 10 (and 13 on).
        assert!(Permissions::new(-3120, 4, false).check_signing().is_ok());
        // DSS "edition protected none": neither 6 nor 9.
        match Permissions::new(-3376, 4, false).check_signing() {
            Err(Error::PermissionDenied { bit, .. }) => assert_eq!(bit, 9),
            other => panic!("{other:?}"),
        }
        // The owner may do anything.
        assert!(Permissions::new(-3376, 4, true).check_signing().is_ok());
        // R2: bit 9 is reserved; bit 6 decides.
        assert!(Permissions::new(-60, 2, false).check_signing().is_err());
        assert!(Permissions::new(-4, 2, false).check_signing().is_ok());
        assert!(Permissions::new(-4, 6, false).allows(3));
        assert!(!Permissions::new(-3904, 6, false).allows(3));
        assert_eq!(name(9), "fill in form fields and sign");
    }
}

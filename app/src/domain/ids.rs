//! Newtype identifiers. A `ContactId` cannot be passed where a `MatterId` is
//! expected. Ids are UUIDv7 rendered as text (DESIGN §3), which sorts by time.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses an id from untrusted input: a hyphenated UUID in lowercase
            /// hex. Anything else is rejected before it reaches a query.
            pub fn parse(raw: &str) -> Result<Self, crate::domain::AppError> {
                if is_uuid_text(raw) {
                    Ok(Self(raw.to_owned()))
                } else {
                    Err(crate::domain::AppError::NotFound)
                }
            }

            /// Wraps an id read back from our own database.
            pub fn from_trusted(raw: String) -> Self {
                Self(raw)
            }

            /// The id as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A matter (a case or engagement).
    MatterId
);
id_type!(
    /// A contact: a person in the CRM.
    ContactId
);
id_type!(
    /// An account: an organisation, or a household for private clients.
    AccountId
);
id_type!(
    /// A user who can sign in: firm staff or a client portal user.
    UserId
);
id_type!(
    /// An invoice (a billing statement).
    InvoiceId
);

/// True for a canonical hyphenated UUID (`8-4-4-4-12` lowercase hex digits).
fn is_uuid_text(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canonical_uuid_parses_as_an_id() {
        let id = MatterId::parse("0190a5c2-7b1e-7c3d-9f00-123456789abc");
        assert_eq!(
            id.map(|i| i.to_string()),
            Ok("0190a5c2-7b1e-7c3d-9f00-123456789abc".to_owned())
        );
    }

    #[test]
    fn malformed_ids_are_rejected_as_not_found() {
        for raw in [
            "",
            "1",
            "0190A5C2-7B1E-7C3D-9F00-123456789ABC",
            "0190a5c2-7b1e-7c3d-9f00-123456789abcd",
            "0190a5c2x7b1e-7c3d-9f00-123456789abc",
            "' or 1=1 --",
        ] {
            assert_eq!(
                ContactId::parse(raw),
                Err(crate::domain::AppError::NotFound),
                "{raw}"
            );
        }
    }
}

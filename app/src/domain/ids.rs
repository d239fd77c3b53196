//! Newtype identifiers. A `ContactId` cannot be passed where a `MatterId` is
//! expected. Ids are UUIDv7 rendered as text (DESIGN §3), which sorts by time.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An id the audit log can name: its kind and its text.
pub trait ObjectId {
    /// What the id names, as the audit log writes it (`matter`, `thread`).
    const KIND: &'static str;

    /// The id as stored.
    fn as_str(&self) -> &str;
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        id_type!($(#[$doc])* $name, $kind, is_uuid_text);
    };
    ($(#[$doc:meta])* $name:ident, $kind:literal, $well_formed:path) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        // Binds and decodes as its text, so rows and queries carry the type.
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(String);

        impl $name {
            /// Parses an id from untrusted input (for most ids, a hyphenated
            /// UUID in lowercase hex). Anything else is not found before it
            /// reaches a query, like an id that does not exist.
            pub fn parse(raw: &str) -> Result<Self, crate::domain::AppError> {
                if $well_formed(raw) {
                    Ok(Self(raw.to_owned()))
                } else {
                    Err(crate::domain::AppError::NotFound)
                }
            }

            /// Wraps an id read back from our own database, or just made.
            pub fn from_trusted(raw: String) -> Self {
                Self(raw)
            }

            /// The id as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ObjectId for $name {
            const KIND: &'static str = $kind;

            fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        // Views carry ids as plain text for the pages.
        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    };
}

id_type!(
    /// A matter (a case or engagement).
    MatterId,
    "matter"
);
id_type!(
    /// A contact: a person in the CRM.
    ContactId,
    "contact"
);
id_type!(
    /// An account: an organisation, or a household for private clients.
    AccountId,
    "account"
);
id_type!(
    /// A user who can sign in: firm staff or a client portal user.
    UserId,
    "user"
);
id_type!(
    /// An invoice (a billing statement).
    InvoiceId,
    "invoice"
);
id_type!(
    /// A message thread on a matter.
    ThreadId,
    "thread"
);
id_type!(
    /// One secure message in a thread.
    MessageId,
    "message"
);
id_type!(
    /// A document: the versions of one file on a matter.
    DocumentId,
    "document"
);
id_type!(
    /// One uploaded version of a document.
    VersionId,
    "version"
);
id_type!(
    /// A request to the client for a document.
    DocumentRequestId,
    "document_request"
);
id_type!(
    /// A signed-in session, as the user's session list shows it: the
    /// stored handle, 32 random bytes in unpadded base64url.
    SessionId,
    "session",
    is_session_handle
);
id_type!(
    /// A key date on a matter (a hearing, a deadline, a meeting).
    KeyDateId,
    "key_date"
);
id_type!(
    /// A note on a matter.
    NoteId,
    "note"
);
id_type!(
    /// A party to a matter (a client, another party, the other side or
    /// its counsel).
    PartyId,
    "party"
);
id_type!(
    /// A relationship between two contacts (spouse of, assistant to…).
    RelationshipId,
    "relationship"
);

/// True for 43 characters of unpadded base64url (32 bytes).
fn is_session_handle(raw: &str) -> bool {
    raw.len() == 43
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

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

    #[test]
    fn a_session_id_is_a_43_character_base64url_handle_and_nothing_else() {
        let handle = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJK-_0123";
        assert_eq!(handle.len(), 43);
        assert!(SessionId::parse(handle).is_ok());
        for raw in [
            &handle[1..],
            "0190a5c2-7b1e-7c3d-9f00-123456789abc",
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJK+/0123",
        ] {
            assert_eq!(
                SessionId::parse(raw),
                Err(crate::domain::AppError::NotFound),
                "{raw}"
            );
        }
    }

    #[test]
    fn each_id_names_its_kind_for_the_audit_log() {
        assert_eq!(<ThreadId as ObjectId>::KIND, "thread");
        assert_eq!(<DocumentRequestId as ObjectId>::KIND, "document_request");
    }
}

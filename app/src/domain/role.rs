//! Who a user is to the firm (DESIGN §1).

use serde::{Deserialize, Serialize};

/// A user's role. Firm users are admin, attorney and staff; clients are
/// portal users linked to a contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The firm's administrator.
    Admin,
    /// A lawyer at the firm.
    Attorney,
    /// A paralegal or intake coordinator.
    Staff,
    /// A person at one of the firm's clients.
    Client,
}

impl Role {
    /// The value stored in the `users.role` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Attorney => "attorney",
            Self::Staff => "staff",
            Self::Client => "client",
        }
    }

    /// Parses the stored value; `None` for anything the schema would reject.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "admin" => Some(Self::Admin),
            "attorney" => Some(Self::Attorney),
            "staff" => Some(Self::Staff),
            "client" => Some(Self::Client),
            _ => None,
        }
    }

    /// True for the firm's own people, who must use MFA and may be given
    /// firm-wide access.
    pub fn is_firm(self) -> bool {
        !matches!(self, Self::Client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_stored_name() {
        for role in [Role::Admin, Role::Attorney, Role::Staff, Role::Client] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn only_clients_are_outside_the_firm() {
        assert!(Role::Admin.is_firm());
        assert!(Role::Attorney.is_firm());
        assert!(Role::Staff.is_firm());
        assert!(!Role::Client.is_firm());
    }
}

//! CRM contacts as the staff's contact list sees them.

use serde::{Deserialize, Serialize};

use super::ids::ContactId;

/// Where a contact stands with the client portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalAccess {
    /// No portal account.
    None,
    /// Invited; no password set yet.
    Invited,
    /// Has a password and can sign in.
    Active,
    /// The portal account is disabled.
    Disabled,
}

impl PortalAccess {
    /// A short label for the list.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "No portal access",
            Self::Invited => "Invited",
            Self::Active => "Portal active",
            Self::Disabled => "Portal disabled",
        }
    }
}

/// One contact in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRowView {
    /// The contact.
    pub id: ContactId,
    /// Given and family name.
    pub name: String,
    /// Their email, if the firm has one.
    pub email: Option<String>,
    /// The account (organisation or household) they belong to, if any.
    pub account_name: Option<String>,
    /// Where they stand with the portal.
    pub portal: PortalAccess,
}

impl ContactRowView {
    /// True when an invitation can be sent: there is an address to send it
    /// to and no password has been set yet (a second invitation replaces
    /// the first).
    pub fn can_be_invited(&self) -> bool {
        self.email.as_deref().is_some_and(|e| !e.is_empty())
            && matches!(self.portal, PortalAccess::None | PortalAccess::Invited)
    }
}

/// The contact list page: the contacts and whether the viewer may invite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactListView {
    /// The contacts, by family name.
    pub contacts: Vec<ContactRowView>,
    /// The viewer may send portal invitations (`policy::may_invite`).
    pub may_invite: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(email: Option<&str>, portal: PortalAccess) -> ContactRowView {
        ContactRowView {
            id: ContactId::from_trusted("c".into()),
            name: "Henri Moreau".into(),
            email: email.map(str::to_owned),
            account_name: None,
            portal,
        }
    }

    #[test]
    fn a_contact_can_be_invited_only_with_an_email_and_no_password_yet() {
        assert!(row(Some("h@m.example"), PortalAccess::None).can_be_invited());
        assert!(row(Some("h@m.example"), PortalAccess::Invited).can_be_invited());
        assert!(!row(Some("h@m.example"), PortalAccess::Active).can_be_invited());
        assert!(!row(Some("h@m.example"), PortalAccess::Disabled).can_be_invited());
        assert!(!row(None, PortalAccess::None).can_be_invited());
        assert!(!row(Some(""), PortalAccess::None).can_be_invited());
    }
}

/// A contact's CRM record page: who they are and one page of their timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactTimelineView {
    /// The contact's name.
    pub name: String,
    /// Their email, if known.
    pub email: Option<String>,
    /// Their account (organisation or household), if any.
    pub account_name: Option<String>,
    /// Timeline entries, newest first.
    pub entries: Vec<super::touchpoint::TouchpointView>,
    /// Whether older entries exist beyond this page.
    pub has_more: bool,
}

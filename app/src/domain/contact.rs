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

/// The longest phone number, address or role at an account, in characters.
pub const MAX_DETAIL_CHARS: usize = 300;
/// The longest account name, in characters.
pub const MAX_ACCOUNT_NAME_CHARS: usize = 200;

/// A name reduced to what makes two spellings the same person for the
/// duplicate warning: lowercase letters and digits, words in order,
/// single spaces ("  Henri   MOREAU." and "henri moreau" match).
pub fn normalise_name(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// An optional detail as typed: trimmed, empty is `None`, at most
/// [`MAX_DETAIL_CHARS`].
fn optional_detail(raw: &str, field: &str) -> Result<Option<String>, super::AppError> {
    let value = raw.trim();
    if value.chars().count() > MAX_DETAIL_CHARS {
        return Err(super::AppError::BadRequest(format!(
            "{field}: at most {MAX_DETAIL_CHARS} characters."
        )));
    }
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

/// A new contact, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewContact {
    /// Given names (all but the last word of the name typed).
    pub given_name: String,
    /// The family name (its last word).
    pub family_name: String,
    /// Their email, normalised, if given.
    pub email: Option<String>,
    /// Their phone number.
    pub phone: Option<String>,
    /// Their postal address.
    pub address: Option<String>,
    /// The account they belong to.
    pub account_id: Option<super::ids::AccountId>,
    /// Their role at that account ("Managing Director").
    pub role: Option<String>,
}

impl NewContact {
    /// Checks the "New contact" form.
    ///
    /// # Errors
    /// [`super::AppError::BadRequest`] naming the first field to fix.
    pub fn parse(
        name: &str,
        email: &str,
        phone: &str,
        address: &str,
        account_id: Option<super::ids::AccountId>,
        role: &str,
    ) -> Result<Self, super::AppError> {
        let name = super::user::validate_name(name)?;
        let (given_name, family_name) = match name.rsplit_once(' ') {
            Some((given, family)) => (given.trim().to_owned(), family.to_owned()),
            None => (name.to_owned(), String::new()),
        };
        let email = if email.trim().is_empty() {
            None
        } else {
            Some(super::user::EmailAddress::parse(email)?.as_str().to_owned())
        };
        Ok(Self {
            given_name,
            family_name,
            email,
            phone: optional_detail(phone, "Phone")?,
            address: optional_detail(address, "Address")?,
            account_id,
            role: optional_detail(role, "Role at the account")?,
        })
    }

    /// The name as typed, for messages.
    pub fn name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
            .trim()
            .to_owned()
    }
}

/// Whether an account is an organisation or a private client's household.
pub const ACCOUNT_KINDS: [&str; 2] = ["organisation", "household"];

/// Checks the "New account" form: a name and one of [`ACCOUNT_KINDS`].
///
/// # Errors
/// [`super::AppError::BadRequest`] naming the field to fix.
pub fn parse_new_account<'a>(
    name: &'a str,
    kind: &str,
) -> Result<(&'a str, &'static str), super::AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_ACCOUNT_NAME_CHARS {
        return Err(super::AppError::BadRequest(format!(
            "Name: 1 to {MAX_ACCOUNT_NAME_CHARS} characters."
        )));
    }
    let kind = ACCOUNT_KINDS
        .into_iter()
        .find(|k| *k == kind.trim())
        .ok_or_else(|| {
            super::AppError::BadRequest("Kind: organisation or household.".to_owned())
        })?;
    Ok((name, kind))
}

/// One account in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRowView {
    /// The account.
    pub id: super::ids::AccountId,
    /// Its name.
    pub name: String,
    /// Organisation or household.
    pub kind: String,
    /// How many contacts belong to it.
    pub contacts: i64,
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

    #[test]
    fn names_that_differ_only_in_case_spacing_or_punctuation_are_the_same_for_duplicates() {
        assert_eq!(normalise_name("  Henri   MOREAU."), "henri moreau");
        assert_eq!(normalise_name("henri moreau"), "henri moreau");
        assert_ne!(
            normalise_name("Henri Moreau"),
            normalise_name("Henry Moreau")
        );
    }

    #[test]
    fn a_new_contact_splits_the_name_and_checks_the_email() {
        let c = NewContact::parse(" Jean Paul Sartre ", "JP@Example.COM", "", " ", None, "CEO")
            .unwrap();
        assert_eq!(
            (c.given_name.as_str(), c.family_name.as_str()),
            ("Jean Paul", "Sartre")
        );
        assert_eq!(c.email.as_deref(), Some("jp@example.com"));
        assert_eq!(c.address, None);
        assert_eq!(c.role.as_deref(), Some("CEO"));
        assert!(NewContact::parse("Jean", "not an email", "", "", None, "").is_err());
        assert!(NewContact::parse(" ", "", "", "", None, "").is_err());
        assert!(parse_new_account("Acme", "organisation").is_ok());
        assert!(parse_new_account("Acme", "club").is_err());
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
    /// (id, "number title") of the matters they can follow in the portal,
    /// of those the viewer may see.
    pub portal_matters: Vec<(super::ids::MatterId, String)>,
}

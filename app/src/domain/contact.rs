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
    /// Their tags.
    pub tags: Vec<String>,
    /// The firm user who owns the relationship.
    pub owner_name: Option<String>,
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
    /// How many contacts match, on every page.
    pub total: i64,
    /// This page, from 1.
    pub page: u32,
    /// How many pages there are (at least 1).
    pub pages: u32,
    /// Every tag in use, for the filter.
    pub tags: Vec<String>,
    /// (id, name) of the firm users who own contacts, for the filter.
    pub owners: Vec<(super::ids::UserId, String)>,
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
    /// The owning firm user's name.
    pub owner_name: Option<String>,
    /// Sorted tags.
    pub tags: Vec<String>,
}

/// Where new contacts come from, as (stored name, label). A contact
/// referred by another contact names them instead.
pub const REFERRAL_SOURCES: [(&str, &str); 7] = [
    ("website", "Website"),
    ("referral", "Referred by a contact"),
    ("existing_client", "Existing client"),
    ("event", "Event"),
    ("directory", "Legal directory"),
    ("advertising", "Advertising"),
    ("other", "Other"),
];

/// How one contact is related to another, as (stored name, label read as
/// "A is … B").
pub const RELATIONSHIP_KINDS: [(&str, &str); 8] = [
    ("spouse", "spouse of"),
    ("partner", "partner of"),
    ("family", "family of"),
    ("assistant", "assistant to"),
    ("director", "director of"),
    ("employee", "employee of"),
    ("adviser", "adviser to"),
    ("referred_by", "referred by"),
];

/// The label of a stored relationship kind (the name itself if unknown).
pub fn relationship_label(kind: &str) -> &str {
    RELATIONSHIP_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(kind, |(_, label)| label)
}

/// The label of a stored referral source (the name itself if unknown).
pub fn referral_label(source: &str) -> &str {
    REFERRAL_SOURCES
        .iter()
        .find(|(k, _)| *k == source)
        .map_or(source, |(_, label)| label)
}

/// A relationship kind as the form sends it.
///
/// # Errors
/// [`super::AppError::BadRequest`] for anything not in [`RELATIONSHIP_KINDS`].
pub fn parse_relationship_kind(raw: &str) -> Result<&'static str, super::AppError> {
    RELATIONSHIP_KINDS
        .iter()
        .map(|(k, _)| *k)
        .find(|k| *k == raw.trim())
        .ok_or_else(|| {
            super::AppError::BadRequest("Relationship: choose one from the list.".to_owned())
        })
}

/// The most tags one contact may have.
pub const MAX_TAGS: usize = 20;
/// The longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;
/// The longest notes on a contact, in characters.
pub const MAX_CONTACT_NOTES_CHARS: usize = 10_000;

/// Tags as typed, comma separated: trimmed, lowercased, each 1 to
/// [`MAX_TAG_CHARS`], at most [`MAX_TAGS`], sorted without repeats.
///
/// # Errors
/// [`super::AppError::BadRequest`] naming the tag to fix.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, super::AppError> {
    let mut tags: Vec<String> = raw
        .split(',')
        .map(|t| {
            t.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        })
        .filter(|t| !t.is_empty())
        .collect();
    if let Some(long) = tags.iter().find(|t| t.chars().count() > MAX_TAG_CHARS) {
        return Err(super::AppError::BadRequest(format!(
            "Tags: \"{long}\" is longer than {MAX_TAG_CHARS} characters."
        )));
    }
    tags.sort();
    tags.dedup();
    if tags.len() > MAX_TAGS {
        return Err(super::AppError::BadRequest(format!(
            "Tags: at most {MAX_TAGS}."
        )));
    }
    Ok(tags)
}

/// The owner field of a CRM form: a firm user's id, or empty for none.
///
/// # Errors
/// [`super::AppError::BadRequest`] for a malformed id.
pub fn parse_owner(raw: &str) -> Result<Option<super::ids::UserId>, super::AppError> {
    match raw.trim() {
        "" => Ok(None),
        id => Ok(Some(super::ids::UserId::parse(id)?)),
    }
}

/// The referral-source field of a CRM form: one of [`REFERRAL_SOURCES`],
/// or empty for none.
///
/// # Errors
/// [`super::AppError::BadRequest`] for anything else.
pub fn parse_referral_source(raw: &str) -> Result<Option<&'static str>, super::AppError> {
    match raw.trim() {
        "" => Ok(None),
        raw => REFERRAL_SOURCES
            .iter()
            .map(|(k, _)| *k)
            .find(|k| *k == raw)
            .map(Some)
            .ok_or_else(|| {
                super::AppError::BadRequest("Referral source: choose one from the list.".to_owned())
            }),
    }
}

/// The notes field of a CRM form, trimmed: at most
/// [`MAX_CONTACT_NOTES_CHARS`].
///
/// # Errors
/// [`super::AppError::BadRequest`] when it is longer.
pub fn parse_notes(raw: &str) -> Result<String, super::AppError> {
    let notes = raw.trim();
    if notes.chars().count() > MAX_CONTACT_NOTES_CHARS {
        return Err(super::AppError::BadRequest(format!(
            "Notes: at most {MAX_CONTACT_NOTES_CHARS} characters."
        )));
    }
    Ok(notes.to_owned())
}

/// The edit form of a contact as it is sent: every field as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    /// Given and family name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Phone.
    pub phone: String,
    /// Postal address.
    pub address: String,
    /// An account id, or empty.
    pub account_id: String,
    /// Role at the account.
    pub role: String,
    /// A firm user's id, or empty.
    pub owner_id: String,
    /// A stored referral source, or empty.
    pub referral_source: String,
    /// A contact's id, or empty.
    pub referred_by: String,
    /// Comma-separated tags.
    pub tags: String,
    /// Notes.
    pub notes: String,
}

/// The edit form of a contact, validated: the "New contact" fields plus
/// owner, referral, tags and notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactEdit {
    /// Name, email, phone, address, account and role.
    pub details: NewContact,
    /// The firm user who owns the relationship.
    pub owner_id: Option<super::ids::UserId>,
    /// One of [`REFERRAL_SOURCES`].
    pub referral_source: Option<&'static str>,
    /// The contact who referred them.
    pub referred_by: Option<ContactId>,
    /// Sorted, without repeats.
    pub tags: Vec<String>,
    /// Free notes, trimmed; empty for none.
    pub notes: String,
}

/// The raw optional fields of the edit form, beside the "New contact"
/// ones.
#[derive(Clone, Debug, Default)]
pub struct ContactEditForm<'a> {
    /// A firm user's id, or empty.
    pub owner_id: &'a str,
    /// A stored source name, or empty.
    pub referral_source: &'a str,
    /// A contact's id, or empty.
    pub referred_by: &'a str,
    /// Comma-separated tags.
    pub tags: &'a str,
    /// Notes.
    pub notes: &'a str,
}

impl ContactEdit {
    /// Checks the edit form. A contact referred by another contact has the
    /// source "referral" whatever was chosen.
    ///
    /// # Errors
    /// [`super::AppError::BadRequest`] naming the first field to fix.
    pub fn parse(details: NewContact, form: &ContactEditForm<'_>) -> Result<Self, super::AppError> {
        let referred_by = match form.referred_by.trim() {
            "" => None,
            id => Some(ContactId::parse(id)?),
        };
        let referral_source = if referred_by.is_some() {
            Some("referral")
        } else {
            parse_referral_source(form.referral_source)?
        };
        Ok(Self {
            details,
            owner_id: parse_owner(form.owner_id)?,
            referral_source,
            referred_by,
            tags: parse_tags(form.tags)?,
            notes: parse_notes(form.notes)?,
        })
    }
}

/// A relationship on a contact's record, seen from that contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationshipView {
    /// The relationship.
    pub id: super::ids::RelationshipId,
    /// How it reads, e.g. "Spouse of Ana Moreau" or "Ana Moreau is spouse
    /// of them".
    pub sentence: String,
    /// The other contact.
    pub other_id: ContactId,
}

/// A contact's details, as their record page shows and edits them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRecordView {
    /// The contact.
    pub id: ContactId,
    /// Given and family name.
    pub name: String,
    /// Email, phone, postal address, role at the account.
    pub email: Option<String>,
    /// Their phone number.
    pub phone: Option<String>,
    /// Their postal address.
    pub address: Option<String>,
    /// Their role at the account.
    pub role: Option<String>,
    /// The account and its name.
    pub account: Option<(super::ids::AccountId, String)>,
    /// The owning firm user and their name.
    pub owner: Option<(super::ids::UserId, String)>,
    /// The stored referral source.
    pub referral_source: Option<String>,
    /// The referring contact and their name.
    pub referred_by: Option<(ContactId, String)>,
    /// Sorted tags.
    pub tags: Vec<String>,
    /// Notes (decrypted for the viewer).
    pub notes: String,
    /// Archived since (UTC ms).
    pub archived_at: Option<i64>,
    /// Both directions.
    pub relationships: Vec<RelationshipView>,
    /// (id, name, role there) of the further accounts they are linked to.
    pub account_links: Vec<(super::ids::AccountId, String, String)>,
    /// (id, name) of the active firm users, for "Owner".
    pub owners: Vec<(super::ids::UserId, String)>,
    /// (id, name) of the accounts, for "Account".
    pub accounts: Vec<(super::ids::AccountId, String)>,
    /// (id, "name · email") of the other contacts, for "Referred by" and
    /// relationships.
    pub others: Vec<(ContactId, String)>,
}

/// How a CRM list (contacts, accounts) is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CrmSort {
    /// By family name, A to Z.
    #[default]
    Name,
    /// By family name, Z to A.
    NameDesc,
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
}

impl CrmSort {
    /// Every order, as the form offers them.
    pub const ALL: [Self; 4] = [Self::Name, Self::NameDesc, Self::Newest, Self::Oldest];

    /// The name in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::NameDesc => "name_desc",
            Self::Newest => "newest",
            Self::Oldest => "oldest",
        }
    }

    /// As the form says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Name, A to Z",
            Self::NameDesc => "Name, Z to A",
            Self::Newest => "Newest first",
            Self::Oldest => "Oldest first",
        }
    }

    /// The order from its URL name; anything else is the default.
    pub fn parse(raw: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .unwrap_or_default()
    }
}

/// The longest search text, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Which contacts or accounts a CRM list shows, from the page's URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrmQuery {
    /// Words in the name, email or account name.
    pub q: String,
    /// Only contacts with this tag.
    pub tag: String,
    /// Only contacts this firm user owns (a user id).
    pub owner: String,
    /// The order.
    pub sort: CrmSort,
    /// The page, from 1.
    pub page: u32,
    /// Archived contacts instead of current ones.
    pub archived: bool,
}

impl CrmQuery {
    /// The query from the URL's values, bounded.
    pub fn from_params(
        q: &str,
        tag: &str,
        owner: &str,
        sort: &str,
        page: &str,
        archived: bool,
    ) -> Self {
        Self {
            q: q.trim().chars().take(MAX_QUERY_CHARS).collect(),
            tag: tag
                .trim()
                .to_lowercase()
                .chars()
                .take(MAX_TAG_CHARS)
                .collect(),
            owner: owner.trim().chars().take(64).collect(),
            sort: CrmSort::parse(sort),
            page: page.trim().parse().unwrap_or(1).max(1),
            archived,
        }
    }
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
            tags: Vec::new(),
            owner_name: None,
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

    #[test]
    fn tags_are_trimmed_lowercased_sorted_and_bounded() {
        assert_eq!(
            parse_tags(" VIP, estate planning ,vip,,  Board   member "),
            Ok(vec![
                "board member".to_owned(),
                "estate planning".to_owned(),
                "vip".to_owned()
            ])
        );
        assert_eq!(parse_tags(" , "), Ok(Vec::new()));
        assert!(parse_tags(&"x".repeat(MAX_TAG_CHARS + 1)).is_err());
        let many = (0..=MAX_TAGS)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(parse_tags(&many).is_err());
    }

    #[test]
    fn an_edit_takes_sources_from_the_list_and_a_referrer_means_a_referral() {
        let details = NewContact::parse("Ana Moreau", "", "", "", None, "").unwrap();
        let form = ContactEditForm {
            referral_source: "website",
            ..ContactEditForm::default()
        };
        let edit = ContactEdit::parse(details.clone(), &form).unwrap();
        assert_eq!(edit.referral_source, Some("website"));
        let form = ContactEditForm {
            referral_source: "billboard",
            ..ContactEditForm::default()
        };
        assert!(ContactEdit::parse(details.clone(), &form).is_err());
        let referrer = "0190a8c2-0000-7000-8000-000000000001";
        let form = ContactEditForm {
            referral_source: "website",
            referred_by: referrer,
            ..ContactEditForm::default()
        };
        let edit = ContactEdit::parse(details.clone(), &form).unwrap();
        assert_eq!(edit.referral_source, Some("referral"));
        let long = "x".repeat(MAX_CONTACT_NOTES_CHARS + 1);
        let form = ContactEditForm {
            notes: &long,
            ..ContactEditForm::default()
        };
        assert!(ContactEdit::parse(details, &form).is_err());
        assert!(parse_relationship_kind("spouse").is_ok());
        assert!(parse_relationship_kind("enemy").is_err());
    }

    #[test]
    fn a_contact_query_is_bounded_and_defaults_where_the_url_is_odd() {
        let q = CrmQuery::from_params(&"x".repeat(500), " VIP ", "", "sideways", "0", false);
        assert_eq!(q.q.chars().count(), MAX_QUERY_CHARS);
        assert_eq!(q.tag, "vip");
        assert_eq!(q.sort, CrmSort::Name);
        assert_eq!(q.page, 1);
        assert_eq!(
            CrmQuery::from_params("", "", "", "newest", "3", true).page,
            3
        );
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

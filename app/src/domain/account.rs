//! An account's CRM record (issue 11, point 3): an organisation or a
//! private client's household, with an owner at the firm, a referral
//! source, tags and notes, its people (each with a role there) and its
//! matters. The list at `/crm/accounts` is paged, searched, filtered and
//! sorted like the contacts' (`contact::CrmQuery`).

use serde::{Deserialize, Serialize};

use super::{
    AppError,
    contact::{
        AccountRowView, MAX_DETAIL_CHARS, parse_new_account, parse_notes, parse_owner,
        parse_referral_source, parse_tags,
    },
    ids::{AccountId, ContactId, MatterId, UserId},
};

/// The edit form of an account as it is sent: every field as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountForm {
    /// Its name.
    pub name: String,
    /// Organisation or household.
    pub kind: String,
    /// What the organisation does, or empty.
    pub industry: String,
    /// A firm user's id, or empty.
    pub owner_id: String,
    /// A stored referral source, or empty.
    pub referral_source: String,
    /// Comma-separated tags.
    pub tags: String,
    /// Notes.
    pub notes: String,
}

/// The edit form of an account, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountEdit {
    /// Trimmed, 1 to `MAX_ACCOUNT_NAME_CHARS`.
    pub name: String,
    /// One of `ACCOUNT_KINDS`.
    pub kind: &'static str,
    /// Trimmed; `None` when empty.
    pub industry: Option<String>,
    /// The firm user who owns the relationship.
    pub owner_id: Option<UserId>,
    /// One of `REFERRAL_SOURCES`.
    pub referral_source: Option<&'static str>,
    /// Sorted, without repeats.
    pub tags: Vec<String>,
    /// Free notes, trimmed; empty for none.
    pub notes: String,
}

impl AccountEdit {
    /// Checks the edit form.
    ///
    /// # Errors
    /// [`AppError::BadRequest`] naming the first field to fix.
    pub fn parse(form: &AccountForm) -> Result<Self, AppError> {
        let (name, kind) = parse_new_account(&form.name, &form.kind)?;
        let industry = form.industry.trim();
        if industry.chars().count() > MAX_DETAIL_CHARS {
            return Err(AppError::BadRequest(format!(
                "Industry: at most {MAX_DETAIL_CHARS} characters."
            )));
        }
        Ok(Self {
            name: name.to_owned(),
            kind,
            industry: (!industry.is_empty()).then(|| industry.to_owned()),
            owner_id: parse_owner(&form.owner_id)?,
            referral_source: parse_referral_source(&form.referral_source)?,
            tags: parse_tags(&form.tags)?,
            notes: parse_notes(&form.notes)?,
        })
    }
}

/// A role at an account, as the link form sends it: trimmed, 1 to
/// [`MAX_DETAIL_CHARS`].
///
/// # Errors
/// [`AppError::BadRequest`] when empty or too long.
pub fn parse_link_role(raw: &str) -> Result<String, AppError> {
    let role = raw.trim();
    if role.is_empty() || role.chars().count() > MAX_DETAIL_CHARS {
        return Err(AppError::BadRequest(format!(
            "Role at the account: 1 to {MAX_DETAIL_CHARS} characters, e.g. \"Director\"."
        )));
    }
    Ok(role.to_owned())
}

/// Someone at an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPersonView {
    /// The contact.
    pub contact_id: ContactId,
    /// Their name.
    pub name: String,
    /// Their role there ("Director"), if any was given.
    pub role: Option<String>,
    /// The account is theirs (`contacts.account_id`) rather than a further
    /// link, which can be removed.
    pub primary: bool,
}

/// An account's record, as its page shows and edits it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecordView {
    /// The account.
    pub id: AccountId,
    /// Its name.
    pub name: String,
    /// Organisation or household.
    pub kind: String,
    /// What the organisation does.
    pub industry: Option<String>,
    /// The owning firm user and their name.
    pub owner: Option<(UserId, String)>,
    /// The stored referral source.
    pub referral_source: Option<String>,
    /// Sorted tags.
    pub tags: Vec<String>,
    /// Notes (decrypted for the viewer).
    pub notes: String,
    /// Archived since (UTC ms).
    pub archived_at: Option<i64>,
    /// Its people, by name.
    pub people: Vec<AccountPersonView>,
    /// (id, "number title") of its matters the viewer may see.
    pub matters: Vec<(MatterId, String)>,
    /// (id, name) of the active firm users, for "Owner".
    pub owners: Vec<(UserId, String)>,
    /// (id, "name · email") of the current contacts, for "Link a contact".
    pub contacts: Vec<(ContactId, String)>,
}

/// The account list page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountListView {
    /// The accounts of this page.
    pub accounts: Vec<AccountRowView>,
    /// How many accounts match, on every page.
    pub total: i64,
    /// This page, from 1.
    pub page: u32,
    /// How many pages there are (at least 1).
    pub pages: u32,
    /// Every account tag in use, for the filter.
    pub tags: Vec<String>,
    /// (id, name) of the firm users who own accounts, for the filter.
    pub owners: Vec<(UserId, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> AccountForm {
        AccountForm {
            name: "  Quayside Shipping Ltd ".to_owned(),
            kind: "organisation".to_owned(),
            industry: " Freight ".to_owned(),
            owner_id: String::new(),
            referral_source: "event".to_owned(),
            tags: "Shipping, VIP, shipping".to_owned(),
            notes: "  Pays on time. ".to_owned(),
        }
    }

    #[test]
    fn an_account_edit_is_trimmed_and_its_tags_sorted_without_repeats() {
        let edit = AccountEdit::parse(&form()).unwrap();
        assert_eq!(edit.name, "Quayside Shipping Ltd");
        assert_eq!(edit.industry.as_deref(), Some("Freight"));
        assert_eq!(edit.referral_source, Some("event"));
        assert_eq!(edit.tags, ["shipping", "vip"]);
        assert_eq!(edit.notes, "Pays on time.");
        assert_eq!(edit.owner_id, None);
    }

    #[test]
    fn an_account_edit_names_the_field_to_fix() {
        for (field, bad) in [
            (
                "Name",
                AccountForm {
                    name: " ".into(),
                    ..form()
                },
            ),
            (
                "Kind",
                AccountForm {
                    kind: "club".into(),
                    ..form()
                },
            ),
            (
                "Referral source",
                AccountForm {
                    referral_source: "tv".into(),
                    ..form()
                },
            ),
            (
                "Notes",
                AccountForm {
                    notes: "x".repeat(10_001),
                    ..form()
                },
            ),
        ] {
            let err = AccountEdit::parse(&bad).unwrap_err().to_string();
            assert!(err.starts_with(field), "{field}: {err}");
        }
        // A malformed id is like an unknown one: nobody to own it.
        let bad_owner = AccountForm {
            owner_id: "not-an-id".into(),
            ..form()
        };
        assert_eq!(AccountEdit::parse(&bad_owner), Err(AppError::NotFound));
    }

    #[test]
    fn a_link_needs_a_role() {
        assert_eq!(parse_link_role(" Director ").unwrap(), "Director");
        assert!(parse_link_role("  ").is_err());
        assert!(parse_link_role(&"x".repeat(MAX_DETAIL_CHARS + 1)).is_err());
    }
}

//! The firm's own people as the admin manages them at `/admin/users`
//! (issue 11, point 2): who they are, their role, and where they stand.

use serde::{Deserialize, Serialize};

use super::{AppError, auth::normalise_email, ids::UserId, role::Role};

/// The longest name a user may be given, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest email address (RFC 5321).
pub const MAX_EMAIL_LEN: usize = 254;

/// The roles a colleague may be given, in the order the form offers them.
pub const FIRM_ROLES: [Role; 3] = [Role::Attorney, Role::Staff, Role::Admin];

/// An email address, normalised (trimmed, lowercase) and plausible by
/// construction: something before one `@`, a dotted domain after it, and
/// no more than [`MAX_EMAIL_LEN`] bytes. Delivery is the real test; this
/// catches typing mistakes before an invitation goes nowhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses a typed address.
    ///
    /// # Errors
    /// [`AppError::BadRequest`] naming the field.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let email = normalise_email(raw);
        let plausible = email.len() <= MAX_EMAIL_LEN
            && !email.chars().any(char::is_whitespace)
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if plausible {
            Ok(Self(email))
        } else {
            Err(AppError::BadRequest(
                "Email: give an address such as name@example.com.".to_owned(),
            ))
        }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name as typed: trimmed, 1 to [`MAX_NAME_CHARS`] characters.
///
/// # Errors
/// [`AppError::BadRequest`] saying what to fix.
pub fn validate_name(raw: &str) -> Result<&str, AppError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::BadRequest(format!(
            "Name: give a name of 1 to {MAX_NAME_CHARS} characters."
        )));
    }
    Ok(name)
}

/// Parses a role for a firm user: admin, attorney or staff. Clients join
/// through their contact's portal access, never from the users page.
///
/// # Errors
/// [`AppError::BadRequest`] listing the choices.
pub fn parse_firm_role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw.trim())
        .filter(|role| role.is_firm())
        .ok_or_else(|| AppError::BadRequest("Role: choose admin, attorney or staff.".to_owned()))
}

/// Where a firm user stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Invited; no password set yet.
    Invited,
    /// Can sign in.
    Active,
    /// Disabled by an admin: cannot sign in, has no sessions.
    Disabled,
}

impl UserStatus {
    /// A short label for the list.
    pub fn label(self) -> &'static str {
        match self {
            Self::Invited => "Invited",
            Self::Active => "Active",
            Self::Disabled => "Disabled",
        }
    }
}

/// One firm user in the admin's list. No hashes, seeds or session ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmUserView {
    /// The user.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Their email.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// Invited, active or disabled.
    pub status: UserStatus,
    /// Whether two-step verification is set up.
    pub mfa_enabled: bool,
    /// How many sessions they have open.
    pub sessions: i64,
    /// True for the admin looking at the list.
    pub is_you: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_normalised_and_must_look_like_an_address() {
        assert_eq!(
            EmailAddress::parse("  Ada.Lovelace@Firm.Example ")
                .unwrap()
                .as_str(),
            "ada.lovelace@firm.example"
        );
        for bad in [
            "",
            "ada",
            "@firm.example",
            "ada@firm",
            "ada@@firm.example",
            "ada@.example",
            "a da@firm.example",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}@firm.example", "a".repeat(MAX_EMAIL_LEN));
        assert!(EmailAddress::parse(&long).is_err());
    }

    #[test]
    fn a_colleague_is_an_admin_an_attorney_or_staff_never_a_client() {
        assert_eq!(parse_firm_role("attorney"), Ok(Role::Attorney));
        assert_eq!(parse_firm_role("admin"), Ok(Role::Admin));
        assert!(parse_firm_role("client").is_err());
        assert!(parse_firm_role("owner").is_err());
    }

    #[test]
    fn a_name_is_trimmed_and_bounded() {
        assert_eq!(validate_name("  Ada Lovelace "), Ok("Ada Lovelace"));
        assert!(validate_name("  ").is_err());
        assert!(validate_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
    }
}

//! Ethical walls as the admin sees them (DESIGN §2.2): who is screened from
//! which matter, why, and since when.

use serde::{Deserialize, Serialize};

use super::{
    AppError,
    ids::{AccountId, MatterId, UserId},
};

/// The longest reason for raising or lifting a wall, in characters.
pub const MAX_WALL_REASON_CHARS: usize = 500;

/// A wall in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallView {
    /// The matter screened.
    pub matter_id: MatterId,
    /// Its number, e.g. `LIT-2026-0012`.
    pub matter_number: String,
    /// The firm user screened from it.
    pub user_id: UserId,
    /// Their name.
    pub user_name: String,
    /// Why.
    pub reason: String,
    /// Who raised it, if they are still known.
    pub raised_by: Option<String>,
    /// When (UTC ms).
    pub raised_at: i64,
}

/// A wall on every matter of a client: the matters it has now, and those
/// opened for it later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientWallView {
    /// The client account.
    pub account_id: AccountId,
    /// Its name.
    pub account_name: String,
    /// The firm user screened from its matters.
    pub user_id: UserId,
    /// Their name.
    pub user_name: String,
    /// Why.
    pub reason: String,
    /// When (UTC ms).
    pub raised_at: i64,
}

/// What the wall form offers: the matters and the firm users.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallChoicesView {
    /// (id, "number title") of every matter.
    pub matters: Vec<(MatterId, String)>,
    /// (id, "name (role)") of every firm user.
    pub users: Vec<(UserId, String)>,
}

/// A trimmed reason of 1 to [`MAX_WALL_REASON_CHARS`] characters.
///
/// # Errors
/// [`AppError::BadRequest`] saying what to fix.
pub fn validate_reason(raw: &str) -> Result<&str, AppError> {
    let reason = raw.trim();
    if reason.is_empty() || reason.chars().count() > MAX_WALL_REASON_CHARS {
        return Err(AppError::BadRequest(format!(
            "Reason: say why, in 1 to {MAX_WALL_REASON_CHARS} characters."
        )));
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wall_needs_a_reason_of_bounded_length() {
        assert_eq!(
            validate_reason("  Acted for the lender "),
            Ok("Acted for the lender")
        );
        assert!(validate_reason("   ").is_err());
        assert!(validate_reason(&"x".repeat(MAX_WALL_REASON_CHARS + 1)).is_err());
        assert!(validate_reason(&"x".repeat(MAX_WALL_REASON_CHARS)).is_ok());
    }
}

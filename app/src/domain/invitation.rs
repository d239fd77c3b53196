//! One-time links: portal invitations and password resets (DESIGN §2.1).
//!
//! Both work the same way. The server makes 32 random bytes, sends them
//! once in an email link, and stores only their SHA-256. A link works once,
//! until it expires; an expired, used or unknown link gets the same
//! answer, so the answer reveals nothing about which it was.

use serde::{Deserialize, Serialize};

/// How long an invitation link works: long enough for a client to find the
/// email after a weekend.
pub const INVITATION_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// How long a password reset link works. Short, because whoever reads the
/// mailbox in that window can take over the account (OWASP Forgot Password
/// Cheat Sheet).
pub const RESET_TTL_MS: i64 = 60 * 60 * 1000;

/// The most reset emails one account is sent per [`RESET_WINDOW_MS`], so
/// the form cannot be used to flood someone's mailbox.
pub const MAX_RESETS_PER_WINDOW: i64 = 3;

/// The window that [`MAX_RESETS_PER_WINDOW`] counts over.
pub const RESET_WINDOW_MS: i64 = 60 * 60 * 1000;

// A reset link grants a takeover, so it must never outlive an invitation.
const _: () = assert!(RESET_TTL_MS < INVITATION_TTL_MS);

/// The one answer for every link that does not work (expired, used,
/// unknown or malformed).
pub const LINK_NO_LONGER_VALID: &str = "This link is no longer valid. Ask your firm for a new one.";

/// The one answer to a reset request, whether or not the account exists.
pub const RESET_REQUESTED: &str = "If an account exists for that address, we have sent a link.";

/// Shown when a new password was set through a link.
pub const PASSWORD_SET: &str = "Your password is set — sign in";

/// The length of a token as `new_handle()` makes it: 32 bytes in unpadded
/// base64url.
pub const TOKEN_CHARS: usize = 43;

/// True when `token` could be one of our tokens: exactly [`TOKEN_CHARS`]
/// base64url characters. Anything else is refused before it is hashed or
/// looked up, which also bounds the input.
pub fn is_well_formed_token(token: &str) -> bool {
    token.len() == TOKEN_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks the two password fields of a set-password form: they must match.
/// The password rules themselves are `auth::check_new_password`.
pub fn check_confirmation(password: &str, confirm: &str) -> Result<(), String> {
    if password == confirm {
        Ok(())
    } else {
        Err("The two passwords do not match. Type the same password in both fields.".to_owned())
    }
}

/// What the page behind a working link shows: whose password is being set.
/// Only the holder of the link sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeLinkView {
    /// The account's email, which is also the sign-in name.
    pub email: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_43_base64url_characters_make_a_well_formed_token() {
        let token = "a".repeat(TOKEN_CHARS);
        assert!(is_well_formed_token(&token));
        assert!(is_well_formed_token(
            "AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZaz09-_xyz"
        ));
        assert!(!is_well_formed_token(&"a".repeat(TOKEN_CHARS - 1)));
        assert!(!is_well_formed_token(&"a".repeat(TOKEN_CHARS + 1)));
        assert!(!is_well_formed_token(&format!("{}=", "a".repeat(42))));
        assert!(!is_well_formed_token(&format!("{}/", "a".repeat(42))));
        assert!(!is_well_formed_token(""));
    }

    #[test]
    fn the_confirmation_must_match_the_password() {
        assert!(check_confirmation("plum kettle harbour", "plum kettle harbour").is_ok());
        assert!(check_confirmation("plum kettle harbour", "plum kettle harbor").is_err());
    }
}

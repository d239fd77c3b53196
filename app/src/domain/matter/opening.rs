//! Opening a matter from `/matters/new` (issue 11, point 4), and who of a
//! matter's client contacts can reach it in the portal (point 5).

use serde::{Deserialize, Serialize};

use crate::domain::{
    AppError,
    contact::PortalAccess,
    ids::{ContactId, MatterId, UserId},
};

/// How a new matter is numbered until the firm sets its own pattern:
/// the year and a four-digit sequence, e.g. `2026-0007`.
pub const DEFAULT_NUMBER_PATTERN: &str = "{year}-{seq:4}";
/// The longest matter title, in characters.
pub const MAX_MATTER_TITLE_CHARS: usize = 200;
/// The longest practice area, in characters.
pub const MAX_PRACTICE_AREA_CHARS: usize = 100;
/// The longest matter number, in characters.
pub const MAX_NUMBER_CHARS: usize = 40;

/// The matter number `pattern` gives for `year` and the `seq`th matter:
/// `{year}` is the year, `{seq}` the sequence, `{seq:N}` the sequence
/// zero-padded to N digits (at most 9). Any other text is kept as it is.
///
/// # Errors
/// [`AppError::BadRequest`] for an unknown or unclosed placeholder.
pub fn format_number(pattern: &str, year: i32, seq: u32) -> Result<String, AppError> {
    use std::fmt::Write as _;
    let bad = || {
        AppError::BadRequest(format!(
            "Matter number pattern \"{pattern}\": use {{year}}, {{seq}} or {{seq:N}}."
        ))
    };
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').ok_or_else(bad)? + open;
        match &rest[open + 1..close] {
            "year" => out.push_str(&year.to_string()),
            "seq" => out.push_str(&seq.to_string()),
            token => {
                let width: usize = token
                    .strip_prefix("seq:")
                    .and_then(|w| w.parse().ok())
                    .filter(|w| (1..=9).contains(w))
                    .ok_or_else(bad)?;
                // Writing to a String cannot fail.
                let _ = write!(out, "{seq:0width$}");
            }
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A matter number as typed: trimmed, 1 to [`MAX_NUMBER_CHARS`]
/// characters of letters, digits, `-`, `/` and `.`, so it reads the same
/// in a URL, a file name and a letter.
///
/// # Errors
/// [`AppError::BadRequest`] saying what to fix.
pub fn validate_number(raw: &str) -> Result<&str, AppError> {
    let number = raw.trim();
    let fine = !number.is_empty()
        && number.chars().count() <= MAX_NUMBER_CHARS
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.'));
    if fine {
        Ok(number)
    } else {
        Err(AppError::BadRequest(format!(
            "Number: 1 to {MAX_NUMBER_CHARS} letters, digits, -, / or ."
        )))
    }
}

/// A new matter, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMatter {
    /// The title.
    pub title: String,
    /// The practice area; its stage template gives the stage plan.
    pub practice_area: String,
    /// The number typed, or `None` to take the next from the pattern.
    pub number: Option<String>,
    /// The client contact.
    pub client: ContactId,
    /// The attorney who answers for it.
    pub responsible: UserId,
}

impl NewMatter {
    /// Checks the form's fields; ids are parsed already.
    ///
    /// # Errors
    /// [`AppError::BadRequest`] naming the first field to fix.
    pub fn parse(
        title: &str,
        practice_area: &str,
        number: &str,
        client: ContactId,
        responsible: UserId,
    ) -> Result<Self, AppError> {
        let title = title.trim();
        if title.is_empty() || title.chars().count() > MAX_MATTER_TITLE_CHARS {
            return Err(AppError::BadRequest(format!(
                "Title: 1 to {MAX_MATTER_TITLE_CHARS} characters."
            )));
        }
        let practice_area = practice_area.trim();
        if practice_area.is_empty() || practice_area.chars().count() > MAX_PRACTICE_AREA_CHARS {
            return Err(AppError::BadRequest(format!(
                "Practice area: 1 to {MAX_PRACTICE_AREA_CHARS} characters."
            )));
        }
        let number = if number.trim().is_empty() {
            None
        } else {
            Some(validate_number(number)?.to_owned())
        };
        Ok(Self {
            title: title.to_owned(),
            practice_area: practice_area.to_owned(),
            number,
            client,
            responsible,
        })
    }
}

/// What the new-matter form offers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterFormView {
    /// The number the pattern gives next; the form lets it be changed.
    pub next_number: String,
    /// Practice areas with a stage template of their own.
    pub practice_areas: Vec<String>,
    /// (id, "name · account") of the contacts a matter may be opened for.
    pub clients: Vec<(ContactId, String)>,
    /// (id, name) of the attorneys who may answer for it.
    pub attorneys: Vec<(UserId, String)>,
}

/// One client contact of a matter and whether they reach it in the portal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalAccessView {
    /// The contact.
    pub contact_id: ContactId,
    /// Their name.
    pub name: String,
    /// Their email, if the firm has one.
    pub email: Option<String>,
    /// Where they stand with the portal as a whole.
    pub portal: PortalAccess,
    /// They may see this matter in the portal.
    pub has_access: bool,
}

/// The matter's portal-access panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterAccessView {
    /// The matter.
    pub matter_id: MatterId,
    /// Its client contacts.
    pub contacts: Vec<PortalAccessView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_pattern_fills_the_year_and_a_padded_sequence() {
        assert_eq!(
            format_number(DEFAULT_NUMBER_PATTERN, 2026, 7),
            Ok("2026-0007".to_owned())
        );
        assert_eq!(
            format_number("LIT/{year}/{seq}", 2027, 12),
            Ok("LIT/2027/12".to_owned())
        );
        assert_eq!(
            format_number("{seq:2}", 2026, 123),
            Ok("123".to_owned()),
            "a longer sequence is never cut"
        );
        for bad in ["{yr}-{seq}", "{seq:0}", "{seq:x}", "{year"] {
            assert!(format_number(bad, 2026, 1).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_typed_number_is_trimmed_and_kept_to_safe_characters() {
        assert_eq!(validate_number(" LIT-2026-0042 "), Ok("LIT-2026-0042"));
        assert!(validate_number("").is_err());
        assert!(validate_number("2026 0042").is_err());
        assert!(validate_number("<script>").is_err());
        assert!(validate_number(&"9".repeat(MAX_NUMBER_CHARS + 1)).is_err());
    }

    #[test]
    fn a_new_matter_needs_a_title_and_a_practice_area() {
        let client = ContactId::from_trusted("c".into());
        let attorney = UserId::from_trusted("u".into());
        let ok = NewMatter::parse(
            " Lease ",
            "Litigation",
            "",
            client.clone(),
            attorney.clone(),
        );
        assert_eq!(ok.as_ref().map(|m| m.title.as_str()), Ok("Lease"));
        assert_eq!(ok.map(|m| m.number), Ok(None));
        assert!(NewMatter::parse(" ", "Litigation", "", client.clone(), attorney.clone()).is_err());
        assert!(NewMatter::parse("Lease", "", "", client, attorney).is_err());
    }
}

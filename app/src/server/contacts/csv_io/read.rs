//! Reading an import file: its encoding, header and size checked as a
//! whole, each row checked on its own.

use std::collections::HashMap;

use super::bad;
use crate::domain::{
    AppError,
    contact::{NewContact, REFERRAL_SOURCES, parse_tags},
    contact_import::{IMPORT_COLUMNS, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, file_too_big},
    spreadsheet::from_cell,
};

/// One row as read and checked on its own; what it refers to (account,
/// owner, an existing contact) is checked by [`plan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRecord {
    /// The line of the file.
    pub line: u64,
    /// The name and email as read, for the preview.
    pub raw_name: String,
    /// As read.
    pub raw_email: String,
    /// The checked row, or why it cannot be imported.
    pub parsed: Result<ParsedRow, String>,
}

/// A cell of an optional column: the file may not have the column at all
/// (the field is left as it is), or have it empty (the field is cleared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Given<T> {
    /// No such column.
    Missing,
    /// The column, empty.
    Empty,
    /// The column, with a value.
    Value(T),
}

impl<T> Given<T> {
    /// The value to store: `None` when empty (or missing).
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Value(v) => Some(v),
            Self::Missing | Self::Empty => None,
        }
    }

    /// Whether the file has the column.
    pub fn is_given(&self) -> bool {
        !matches!(self, Self::Missing)
    }

    /// Whether the file has the column and it says something other than
    /// `current`.
    pub(super) fn differs(&self, current: Option<&T>) -> bool
    where
        T: PartialEq,
    {
        self.is_given() && self.value() != current
    }

    /// The value resolved by `f`, which may refuse it.
    pub(super) fn resolve<U>(
        &self,
        f: impl FnOnce(&T) -> Result<U, String>,
    ) -> Result<Given<U>, String> {
        Ok(match self {
            Self::Missing => Given::Missing,
            Self::Empty => Given::Empty,
            Self::Value(v) => Given::Value(f(v)?),
        })
    }
}

/// A row's values; optional columns as [`Given`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRow {
    /// Name, email (required here), phone, address, role.
    pub details: NewContact,
    /// The account's name.
    pub account: Given<String>,
    /// The owner's email.
    pub owner: Given<String>,
    /// One of the firm's sources.
    pub referral_source: Given<String>,
    /// The tags.
    pub tags: Option<Vec<String>>,
    /// Which optional columns the file has.
    pub has: Columns,
}

/// Which of the optional columns a file has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    /// The file has a phone column.
    pub phone: bool,
    /// The file has an address column.
    pub address: bool,
    /// The file has a role column.
    pub role: bool,
}

/// Reads a CSV file of contacts: UTF-8, a header naming the columns (with
/// `name` and `email` among them), at most [`MAX_IMPORT_ROWS`] rows and
/// [`MAX_IMPORT_BYTES`] bytes. Each row is checked on its own.
///
/// # Errors
/// [`AppError::BadRequest`] with what is wrong with the file as a whole.
pub fn read_file(bytes: &[u8]) -> Result<Vec<ImportRecord>, AppError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(bad(file_too_big()));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| {
        bad("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and try again.")
    })?;
    if text.trim().is_empty() {
        return Err(bad("The file is empty."));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| bad("The first line cannot be read as CSV column names."))?
        .iter()
        .map(|h| h.trim().to_lowercase().replace(' ', "_"))
        .collect();
    if let Some(unknown) = headers
        .iter()
        .find(|h| !h.is_empty() && !IMPORT_COLUMNS.contains(&h.as_str()))
    {
        return Err(bad(format!(
            "Unknown column “{unknown}”. The first line names the columns, from: {}.",
            IMPORT_COLUMNS.join(", ")
        )));
    }
    for required in ["name", "email"] {
        if !headers.iter().any(|h| h == required) {
            return Err(bad(format!(
                "The first line must name the columns, “{required}” among them (the columns are: {}).",
                IMPORT_COLUMNS.join(", ")
            )));
        }
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    let index: HashMap<&str, usize> = IMPORT_COLUMNS
        .iter()
        .filter_map(|c| column(c).map(|i| (*c, i)))
        .collect();
    let mut records = Vec::new();
    for (n, record) in reader.records().enumerate() {
        if n >= MAX_IMPORT_ROWS {
            return Err(bad(format!(
                "The file has more than {MAX_IMPORT_ROWS} rows. Split it into smaller files and import each."
            )));
        }
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                return Err(bad(format!(
                    "Line {}: this is not valid CSV ({err}).",
                    err.position().map_or(0, csv::Position::line)
                )));
            }
        };
        // Counted from the record's byte offset: the reader's own line
        // count leaves out the blank lines it skips.
        let line = record.position().map_or(0, |p| {
            let mut start = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(text.len());
            // A record's position is where the blank lines before it begin.
            while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
                start += 1;
            }
            let before = text.get(..start).map_or(0, |t| t.matches('\n').count());
            u64::try_from(before).unwrap_or(u64::MAX).saturating_add(1)
        });
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |name: &str| {
            index
                .get(name)
                .map(|i| from_cell(record.get(*i).unwrap_or("")).to_owned())
        };
        let raw_name = get("name").unwrap_or_default();
        let raw_email = get("email").unwrap_or_default();
        records.push(ImportRecord {
            line,
            parsed: parse_row(&get, &raw_name, &raw_email),
            raw_name,
            raw_email,
        });
    }
    if records.is_empty() {
        return Err(bad("The file has column names but no contacts."));
    }
    Ok(records)
}

/// Checks one row's own values.
fn parse_row(
    get: &dyn Fn(&str) -> Option<String>,
    name: &str,
    email: &str,
) -> Result<ParsedRow, String> {
    if email.trim().is_empty() {
        return Err("An email is needed: imports match contacts by email.".to_owned());
    }
    let text = |column: &str| get(column).unwrap_or_default();
    let details = NewContact::parse(
        name,
        email,
        &text("phone"),
        &text("address"),
        None,
        &text("role"),
    )
    .map_err(|e| e.to_string())?;
    let optional = |column: &str| match get(column) {
        None => Given::Missing,
        Some(v) if v.trim().is_empty() => Given::Empty,
        Some(v) => Given::Value(v.trim().to_owned()),
    };
    let referral_source = optional("referral_source");
    if let Given::Value(source) = &referral_source
        && !REFERRAL_SOURCES.iter().any(|(k, _)| k == source)
    {
        return Err(format!(
            "Referral source “{source}” is not one of: {}.",
            REFERRAL_SOURCES
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let tags = get("tags")
        .map(|t| parse_tags(&t))
        .transpose()
        .map_err(|e| e.to_string())?;
    Ok(ParsedRow {
        details,
        account: optional("account"),
        owner: optional("owner").resolve(|e| Ok(e.to_lowercase()))?,
        referral_source,
        tags,
        has: Columns {
            phone: get("phone").is_some(),
            address: get("address").is_some(),
            role: get("role").is_some(),
        },
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_file_with_a_header_gives_one_record_per_row_each_checked_on_its_own() {
        let records = read_file(
            b"\xEF\xBB\xBFName,Email,Tags\n\
              Henri Moreau,HENRI@moreau.example,\"vip, estate\"\n\
              ,nobody@example.com,\n\
              \n\
              Ana,not-an-email,\n",
        )
        .unwrap();
        assert_eq!(records.len(), 3, "the blank line is skipped");
        let first = records[0].parsed.as_ref().unwrap();
        assert_eq!(first.details.email.as_deref(), Some("henri@moreau.example"));
        assert_eq!(
            first.tags.as_deref(),
            Some(&["estate".to_owned(), "vip".to_owned()][..])
        );
        assert_eq!(
            first.account,
            Given::Missing,
            "no account column: left alone"
        );
        assert!(records[1].parsed.is_err(), "no name");
        assert!(records[2].parsed.is_err(), "a bad email");
        assert_eq!(records[2].line, 5);
    }

    #[test]
    fn a_whole_file_is_refused_for_its_encoding_header_size_or_length() {
        let message = |bytes: &[u8]| match read_file(bytes) {
            Err(AppError::BadRequest(m)) => m,
            other => panic!("expected a 400, got {other:?}"),
        };
        assert!(message(b"name,email\n\xE9ric,e@x.example\n").contains("UTF-8"));
        assert!(message(b"Henri Moreau,henri@moreau.example\n").contains("Unknown column"));
        assert!(message(b"name,phone\nHenri,123\n").contains("email"));
        assert!(message(b"").contains("empty"));
        assert!(message(b"name,email\n").contains("no contacts"));
        let big = vec![b'x'; MAX_IMPORT_BYTES + 1];
        assert!(message(&big).contains("larger than 2 MiB"));
        let mut long = b"name,email\n".to_vec();
        for i in 0..=MAX_IMPORT_ROWS {
            long.extend_from_slice(format!("P {i},p{i}@x.example\n").as_bytes());
        }
        assert!(message(&long).contains("more than 5000 rows"));
    }

    proptest! {
        // Bounded: each case is at most a few KiB, so time and memory are too.
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_are_read_or_refused_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = read_file(&bytes);
        }

        #[test]
        fn any_csv_like_text_is_read_or_refused_without_a_panic(
            body in "(name|email|phone|tags|account|owner|referral_source|x)(,(name|email|phone|tags|x))*\n([a-zA-Z@.\" ,;\n\r]{0,64}\n){0,40}"
        ) {
            if let Ok(records) = read_file(body.as_bytes()) {
                prop_assert!(records.len() <= MAX_IMPORT_ROWS);
            }
        }
    }
}

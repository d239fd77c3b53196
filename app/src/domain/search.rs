//! The firm's search box (issue 11, point 9): what a query is, and what
//! it finds. Contacts, accounts, and matters by number, title or party.

use serde::{Deserialize, Serialize};

use super::AppError;

/// The longest query, in characters; the rest is ignored.
pub const MAX_SEARCH_CHARS: usize = 100;
/// The most words of a query that count.
pub const MAX_SEARCH_WORDS: usize = 5;
/// The shortest word the index finds anywhere in a text (its trigrams);
/// shorter words are matched too, by a slower scan.
pub const INDEXED_WORD_CHARS: usize = 3;
/// The most hits shown of each kind.
pub const HITS_PER_KIND: i64 = 10;
/// Counts stop here ("1000+").
pub const COUNT_CAP: i64 = 1000;

/// A query as typed: lowercased words, at most [`MAX_SEARCH_WORDS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    /// Each word must appear in what is found.
    pub words: Vec<String>,
}

impl SearchQuery {
    /// The words of `raw`.
    ///
    /// # Errors
    /// [`AppError::BadRequest`] when there is nothing to search for.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let raw: String = raw.chars().take(MAX_SEARCH_CHARS).collect();
        let words: Vec<String> = raw
            .split_whitespace()
            .take(MAX_SEARCH_WORDS)
            .map(str::to_lowercase)
            .collect();
        if words.is_empty() {
            return Err(AppError::BadRequest(
                "Search: type a name, an email, a matter number or a title.".to_owned(),
            ));
        }
        Ok(Self { words })
    }

    /// The words long enough for the index.
    pub fn indexed(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .map(String::as_str)
            .filter(|w| w.chars().count() >= INDEXED_WORD_CHARS)
    }

    /// The words too short for the index.
    pub fn short(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .map(String::as_str)
            .filter(|w| w.chars().count() < INDEXED_WORD_CHARS)
    }
}

/// What a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SearchKind {
    /// A matter, found by number, title or a party's name.
    Matter,
    /// A person.
    Contact,
    /// An organisation or household.
    Account,
}

impl SearchKind {
    /// Every kind, in the order the page shows them.
    pub const ALL: [Self; 3] = [Self::Matter, Self::Contact, Self::Account];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Matter => "matter",
            Self::Contact => "contact",
            Self::Account => "account",
        }
    }

    /// The heading of its group.
    pub fn heading(self) -> &'static str {
        match self {
            Self::Matter => "Matters",
            Self::Contact => "Contacts",
            Self::Account => "Accounts",
        }
    }
}

/// One thing found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The matter, contact or account id.
    pub id: String,
    /// "LIT-2026-0012 Moreau v Northwind", "Henri Moreau", "Moreau SA".
    pub label: String,
}

/// The hits of one kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchGroup {
    /// What they are.
    pub kind: SearchKind,
    /// How many match (up to [`COUNT_CAP`]).
    pub total: i64,
    /// The first [`HITS_PER_KIND`].
    pub hits: Vec<SearchHit>,
}

impl SearchGroup {
    /// Where a hit of this group leads: the matter's, contact's or
    /// account's own page.
    pub fn href(&self, hit: &SearchHit) -> String {
        match self.kind {
            SearchKind::Matter => format!("/matters/{}", hit.id),
            SearchKind::Contact => format!("/crm/contacts/{}", hit.id),
            SearchKind::Account => format!("/crm/accounts/{}", hit.id),
        }
    }

    /// "3 matters", "1000+ contacts".
    pub fn count_label(&self) -> String {
        let noun = self.kind.heading().to_lowercase();
        match self.total {
            n if n >= COUNT_CAP => format!("{COUNT_CAP}+ {noun}"),
            1 => format!("1 {}", noun.trim_end_matches('s')),
            n => format!("{n} {noun}"),
        }
    }
}

/// Everything a query found, the groups in [`SearchKind::ALL`] order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResultsView {
    /// The query, as understood.
    pub query: String,
    /// One group per kind.
    pub groups: Vec<SearchGroup>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_lowercased_bounded_words_and_empty_is_refused() {
        let q = SearchQuery::parse("  Henri  MOREAU a b c d e f ").unwrap();
        assert_eq!(q.words, ["henri", "moreau", "a", "b", "c"]);
        assert_eq!(q.indexed().collect::<Vec<_>>(), ["henri", "moreau"]);
        assert_eq!(q.short().count(), 3);
        assert!(SearchQuery::parse("   ").is_err());
        let long = "x".repeat(MAX_SEARCH_CHARS * 2);
        assert_eq!(
            SearchQuery::parse(&long).unwrap().words[0].len(),
            MAX_SEARCH_CHARS
        );
    }

    #[test]
    fn each_hit_leads_to_its_own_page() {
        let hit = SearchHit {
            id: "0193".to_owned(),
            label: "Moreau SA".to_owned(),
        };
        let href = |kind| {
            SearchGroup {
                kind,
                total: 1,
                hits: Vec::new(),
            }
            .href(&hit)
        };
        assert_eq!(href(SearchKind::Matter), "/matters/0193");
        assert_eq!(href(SearchKind::Contact), "/crm/contacts/0193");
        assert_eq!(href(SearchKind::Account), "/crm/accounts/0193");
    }

    #[test]
    fn counts_read_as_people_say_them() {
        let group = |kind, total| SearchGroup {
            kind,
            total,
            hits: Vec::new(),
        };
        assert_eq!(group(SearchKind::Matter, 1).count_label(), "1 matter");
        assert_eq!(group(SearchKind::Contact, 3).count_label(), "3 contacts");
        assert_eq!(
            group(SearchKind::Account, COUNT_CAP).count_label(),
            "1000+ accounts"
        );
    }
}

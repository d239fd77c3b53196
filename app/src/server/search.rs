//! The firm's search box (issue 11, point 9). `search_entries` holds the
//! text of every contact, account and matter (number, title, parties),
//! kept current by triggers; SQLite indexes it with FTS5 trigrams and
//! PostgreSQL with pg_trgm (migration 0022). A matter is a hit, and is
//! counted, only when the viewer may see it: the same SQL rule as every
//! list, walls included, applied in the query itself.

use anyhow::Context as _;

use super::{
    ServiceError,
    auth::Principal,
    db::{Backend, Db, contains_pattern},
    policy::visible_matter_id_sql,
};
use crate::domain::{
    AppError,
    policy::may_search,
    search::{
        COUNT_CAP, HITS_PER_KIND, SearchGroup, SearchHit, SearchKind, SearchQuery,
        SearchResultsView,
    },
};

/// An FTS5 query finding every word of `words` anywhere (each a quoted
/// phrase, so its punctuation is text, not syntax).
fn fts_query<'a>(words: impl Iterator<Item = &'a str>) -> String {
    words
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `from … where …` of a search, and its values after the user (`$1`)
/// and role (`$2`).
///
/// On SQLite the full-text index is read first and drives the join (a
/// `cross join` keeps that order), so each entry it finds is read once.
/// Short words are matched with `like`, which in SQLite already ignores
/// ASCII case, as `lower` would. PostgreSQL's trigram index is on
/// `lower(body)`, so every word is matched there as written.
fn matching(backend: Backend, query: &SearchQuery) -> (String, Vec<String>) {
    let mut binds = Vec::new();
    let mut clauses = Vec::new();
    let mut likes: Vec<&str> = query.short().collect();
    let (from, body) = match backend {
        Backend::Sqlite => {
            let indexed = fts_query(query.indexed());
            let from = if indexed.is_empty() {
                "search_entries e"
            } else {
                binds.push(indexed);
                clauses.push(format!("search_fts match ${}", binds.len() + 2));
                "search_fts f cross join search_entries e on e.id = f.rowid"
            };
            (from, "e.body")
        }
        Backend::Postgres => {
            likes.extend(query.indexed());
            ("search_entries e", "lower(e.body)")
        }
    };
    for word in likes {
        binds.push(contains_pattern(word));
        clauses.push(format!("{body} like ${} escape '\\'", binds.len() + 2));
    }
    clauses.push(format!(
        "(e.kind <> 'matter' or {})",
        visible_matter_id_sql("e.object_id", "$1", "$2")
    ));
    (
        format!("from {from} where {}", clauses.join(" and ")),
        binds,
    )
}

/// One statement for the whole search: the matching entries are found
/// once, then counted by kind and the first [`HITS_PER_KIND`] of each kind
/// taken, shortest label first. Rows are `("count", kind, "", "", n)` or
/// `("hit", kind, id, label, 0)`.
fn search_sql(from_where: &str) -> String {
    let firsts: Vec<String> = SearchKind::ALL
        .iter()
        .map(|kind| {
            format!(
                "select * from (select 'hit', kind, object_id, label, cast(0 as bigint) from hits
                                where kind = '{}'
                                order by length(label), label, object_id
                                limit {HITS_PER_KIND}) as {0}_hits",
                kind.as_str()
            )
        })
        .collect();
    format!(
        "with hits as materialized (select e.kind, e.object_id, e.label {from_where})
         select 'count', kind, '', '', count(*) from hits group by kind
         union all {}",
        firsts.join(" union all ")
    )
}

/// What `raw` finds for the viewer: up to [`HITS_PER_KIND`] of each kind,
/// and how many there are (up to [`COUNT_CAP`]). Clients get "not found".
pub async fn search(
    db: &Db,
    principal: &Principal,
    raw: &str,
) -> Result<SearchResultsView, ServiceError> {
    if !may_search(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    let query = SearchQuery::parse(raw)?;
    let (from_where, binds) = matching(db.backend(), &query);
    let sql = search_sql(&from_where);
    let mut rows = sqlx::query_as::<_, (String, String, String, String, i64)>(&sql)
        .bind(principal.user_id.clone())
        .bind(principal.role.as_str());
    for bind in binds {
        rows = rows.bind(bind);
    }
    let rows = rows.fetch_all(db.pool()).await.context("searching")?;
    let groups = SearchKind::ALL
        .into_iter()
        .map(|kind| {
            let of_kind = || rows.iter().filter(move |row| row.1 == kind.as_str());
            let total = of_kind()
                .find(|row| row.0 == "count")
                .map_or(0, |row| row.4.min(COUNT_CAP));
            let mut hits: Vec<SearchHit> = of_kind()
                .filter(|row| row.0 == "hit")
                .map(|row| SearchHit {
                    id: row.2.clone(),
                    label: row.3.clone(),
                })
                .collect();
            // A union keeps no order of its own: the same order again.
            hits.sort_by(|a, b| {
                (a.label.chars().count(), &a.label, &a.id).cmp(&(
                    b.label.chars().count(),
                    &b.label,
                    &b.id,
                ))
            });
            SearchGroup { kind, total, hits }
        })
        .collect();
    Ok(SearchResultsView {
        query: query.words.join(" "),
        groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_words_are_quoted_phrases_so_punctuation_is_text() {
        assert_eq!(
            fts_query(["lit-2026", "o\"neil"].into_iter()),
            "\"lit-2026\" \"o\"\"neil\""
        );
    }

    #[test]
    fn sqlite_matches_long_words_in_the_index_and_short_ones_by_scan() {
        let query = SearchQuery::parse("Moreau of ltd").unwrap();
        let (sql, binds) = matching(Backend::Sqlite, &query);
        assert_eq!(binds, ["\"moreau\" \"ltd\"", "%of%"]);
        assert!(sql.contains("search_fts match $3") && sql.contains("e.body like $4"));
        let (sql, binds) = matching(Backend::Postgres, &query);
        assert_eq!(binds, ["%of%", "%moreau%", "%ltd%"]);
        assert!(!sql.contains("search_fts"));
        assert!(sql.contains("ethical_walls"), "walled matters never match");
    }
}

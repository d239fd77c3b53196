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
    db::{Backend, Db},
    policy::visible_matter_sql,
};
use crate::domain::{
    AppError,
    policy::may_search,
    search::{
        COUNT_CAP, HITS_PER_KIND, SearchGroup, SearchHit, SearchKind, SearchQuery,
        SearchResultsView,
    },
};

/// `raw` as a `like` pattern matching it anywhere, its own `%`, `_` and
/// `\` taken literally.
fn contains_pattern(raw: &str) -> String {
    let mut pattern = String::with_capacity(raw.len() + 2);
    pattern.push('%');
    for c in raw.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// An FTS5 query finding every word of `words` anywhere (each a quoted
/// phrase, so its punctuation is text, not syntax).
fn fts_query<'a>(words: impl Iterator<Item = &'a str>) -> String {
    words
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `from … where …` of a search of one kind, and its values after the
/// user (`$1`), role (`$2`) and kind (`$3`).
fn matching(backend: Backend, query: &SearchQuery) -> (String, Vec<String>) {
    let mut binds = Vec::new();
    let mut clauses = vec!["e.kind = $3".to_owned()];
    let mut likes: Vec<&str> = query.short().collect();
    match backend {
        Backend::Sqlite => {
            let indexed = fts_query(query.indexed());
            if !indexed.is_empty() {
                // The index is asked once, as a set of rows: written as a
                // join, the planner may walk the entries and run the whole
                // full-text query again for each one.
                binds.push(indexed);
                clauses.push(format!(
                    "e.id in (select rowid from search_fts where search_fts match ${})",
                    binds.len() + 3
                ));
            }
        }
        Backend::Postgres => likes.extend(query.indexed()),
    }
    for word in likes {
        binds.push(contains_pattern(word));
        clauses.push(format!(
            "lower(e.body) like ${} escape '\\'",
            binds.len() + 3
        ));
    }
    clauses.push(format!(
        "(e.kind <> 'matter' or exists (select 1 from matters m where m.id = e.object_id and {}))",
        visible_matter_sql("$1", "$2")
    ));
    (
        format!("from search_entries e where {}", clauses.join(" and ")),
        binds,
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
    let next = binds.len() + 4;
    let hits_sql = format!(
        "select e.object_id, e.label {from_where}
         order by length(e.label), e.label, e.object_id limit ${next}"
    );
    let count_sql = format!("select count(*) from (select 1 {from_where} limit ${next}) as capped");
    let mut groups = Vec::with_capacity(SearchKind::ALL.len());
    for kind in SearchKind::ALL {
        let mut hits = sqlx::query_as::<_, (String, String)>(&hits_sql)
            .bind(principal.user_id.clone())
            .bind(principal.role.as_str())
            .bind(kind.as_str());
        let mut count = sqlx::query_as::<_, (i64,)>(&count_sql)
            .bind(principal.user_id.clone())
            .bind(principal.role.as_str())
            .bind(kind.as_str());
        for bind in &binds {
            hits = hits.bind(bind.clone());
            count = count.bind(bind.clone());
        }
        let hits = hits
            .bind(HITS_PER_KIND)
            .fetch_all(db.pool())
            .await
            .context("searching")?;
        let (total,) = count
            .bind(COUNT_CAP)
            .fetch_one(db.pool())
            .await
            .context("counting search hits")?;
        groups.push(SearchGroup {
            kind,
            total,
            hits: hits
                .into_iter()
                .map(|(id, label)| SearchHit { id, label })
                .collect(),
        });
    }
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
        assert!(sql.contains("search_fts match $4)") && sql.contains("like $5"));
        let (sql, binds) = matching(Backend::Postgres, &query);
        assert_eq!(binds, ["%of%", "%moreau%", "%ltd%"]);
        assert!(!sql.contains("search_fts"));
        assert!(sql.contains("ethical_walls"), "walled matters never match");
    }
}

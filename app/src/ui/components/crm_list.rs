//! What the contact and account lists share: their URL values, the
//! search-and-filter form (a plain GET form, so the choice lives in the
//! URL and survives a reload or a shared link) and the pager.

use leptos::prelude::*;
use leptos_router::params::ParamsMap;

use crate::domain::{
    contact::{CrmSort, MAX_QUERY_CHARS},
    ids::UserId,
    links,
};

/// The contact list's address.
pub const CONTACTS_LIST: &str = "/crm/contacts";
/// The account list's address.
pub const ACCOUNTS_LIST: &str = "/crm/accounts";

/// A list's URL values: search, tag, owner, sort, page, archived.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListParams {
    /// The list's address (`CONTACTS_LIST` or `ACCOUNTS_LIST`).
    pub base: &'static str,
    /// Words to search for.
    pub q: String,
    /// Only records with this tag.
    pub tag: String,
    /// Only records this firm user owns (their id).
    pub owner: String,
    /// The order's URL name (`CrmSort`).
    pub sort: String,
    /// The page, as typed.
    pub page: String,
    /// Archived records instead of current ones.
    pub archived: bool,
}

impl ListParams {
    /// The values of the list at `base` from its URL's query.
    pub fn from_query(base: &'static str, query: &ParamsMap) -> Self {
        let get = |key: &str| query.get(key).unwrap_or_default();
        Self {
            base,
            q: get("q"),
            tag: get("tag"),
            owner: get("owner"),
            sort: get("sort"),
            page: get("page"),
            archived: get("archived") == "true",
        }
    }

    /// The list's address with these values on page `page`.
    pub fn href(&self, page: u32) -> String {
        format!("{}{}", self.base, self.query(Some(page)))
    }

    /// The contacts export's address for these values (every page).
    pub fn export_href(&self) -> String {
        format!("{}{}", links::CONTACTS_EXPORT, self.query(None))
    }

    /// The values as a query string, with `page` if given.
    fn query(&self, page: Option<u32>) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("q", self.q.clone()),
            ("tag", self.tag.clone()),
            ("owner", self.owner.clone()),
            ("sort", self.sort.clone()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        if self.archived {
            pairs.push(("archived", "true".to_owned()));
        }
        if let Some(page) = page {
            pairs.push(("page", page.to_string()));
        }
        let query: ParamsMap = pairs.into_iter().collect();
        query.to_query_string()
    }
}

/// Search, tag, owner, order and archive for the list of `noun`
/// ("contacts" or "accounts").
#[component]
pub fn FilterForm(
    noun: &'static str,
    current: ListParams,
    tags: Vec<String>,
    owners: Vec<(UserId, String)>,
) -> impl IntoView {
    let sort = CrmSort::parse(&current.sort);
    let id = move |field: &str| format!("{noun}-{field}");
    view! {
        <form class="panel form filters" method="get" action=current.base role="search">
            <label for=id("q")>{format!("Search {noun}")}</label>
            <input id=id("q") name="q" type="search" maxlength=MAX_QUERY_CHARS value=current.q.clone() />
            <label for=id("tag")>"Tag"</label>
            <select id=id("tag") name="tag">
                <option value="">"Any tag"</option>
                {tags.into_iter().map(|tag| {
                    let selected = tag == current.tag;
                    let value = tag.clone();
                    view! { <option value=value selected=selected>{tag}</option> }
                }).collect_view()}
            </select>
            <label for=id("owner")>"Owner"</label>
            <select id=id("owner") name="owner">
                <option value="">"Anyone"</option>
                {owners.into_iter().map(|(id, name)| {
                    let selected = id.as_str() == current.owner;
                    view! { <option value=id.to_string() selected=selected>{name}</option> }
                }).collect_view()}
            </select>
            <label for=id("sort")>"Sort by"</label>
            <select id=id("sort") name="sort">
                {CrmSort::ALL.into_iter().map(|s| view! {
                    <option value=s.as_str() selected=s == sort>{s.label()}</option>
                }).collect_view()}
            </select>
            <label class="check">
                <input type="checkbox" name="archived" value="true" checked=current.archived />
                {format!(" Archived {noun}")}
            </label>
            <button class="button" type="submit">{format!("Show {noun}")}</button>
        </form>
    }
}

/// "Page 2 of 5" with the links either side.
#[component]
pub fn Pager(noun: &'static str, current: ListParams, page: u32, pages: u32) -> impl IntoView {
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label=format!("Pages of {noun}")>
                {(page > 1).then(|| view! { <a class="button" href=current.href(page - 1)>"Previous page"</a> })}
                <span class="muted">{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <a class="button" href=current.href(page + 1)>"Next page"</a> })}
            </nav>
        }
    })
}

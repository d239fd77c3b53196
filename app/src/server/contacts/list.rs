//! The contact list at `/crm/contacts`: paginated on the server, searched
//! by name, email or account, filtered by tag and owner, sorted. Firm
//! users only; only whether a portal password exists leaves the database,
//! never the hash.

use anyhow::Context as _;

use crate::{
    domain::{
        AppError,
        contact::{ContactListView, ContactRowView, CrmQuery, CrmSort, PortalAccess},
        ids::{ContactId, UserId},
        policy::{may_invite, may_view_contacts},
    },
    server::{
        ServiceError,
        auth::Principal,
        crm::TagsOf,
        db::{Db, contains_pattern},
    },
};

/// Contacts per page.
pub const CONTACT_PAGE_SIZE: u32 = 50;
/// The most words of a search that count.
const MAX_SEARCH_WORDS: usize = 5;

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: String,
    given_name: String,
    family_name: String,
    email: Option<String>,
    account_name: Option<String>,
    user_id: Option<String>,
    has_password: i64,
    disabled: Option<i64>,
    owner_name: Option<String>,
}

impl From<ContactRow> for ContactRowView {
    fn from(row: ContactRow) -> Self {
        let portal = match (row.user_id, row.disabled, row.has_password) {
            (None, _, _) => PortalAccess::None,
            (Some(_), Some(1), _) => PortalAccess::Disabled,
            (Some(_), _, 0) => PortalAccess::Invited,
            (Some(_), _, _) => PortalAccess::Active,
        };
        Self {
            id: ContactId::from_trusted(row.id),
            name: format!("{} {}", row.given_name, row.family_name),
            email: row.email,
            account_name: row.account_name,
            portal,
            tags: Vec::new(),
            owner_name: row.owner_name,
        }
    }
}

/// The `where` clause of `query` and its values, numbered from `$1`.
pub(super) fn filters(query: &CrmQuery) -> (String, Vec<String>) {
    let mut clauses = vec![if query.archived {
        "c.archived_at is not null".to_owned()
    } else {
        "c.archived_at is null".to_owned()
    }];
    let mut binds = Vec::new();
    for word in query.q.split_whitespace().take(MAX_SEARCH_WORDS) {
        binds.push(contains_pattern(word));
        let n = binds.len();
        clauses.push(format!(
            "(lower(c.given_name || ' ' || c.family_name) like ${n} escape '\\'
              or lower(coalesce(c.email, '')) like ${n} escape '\\'
              or lower(coalesce(a.name, '')) like ${n} escape '\\')"
        ));
    }
    if !query.tag.is_empty() {
        binds.push(query.tag.clone());
        let n = binds.len();
        clauses.push(format!(
            "exists (select 1 from contact_tags t where t.contact_id = c.id and t.tag = ${n})"
        ));
    }
    if !query.owner.is_empty() {
        binds.push(query.owner.clone());
        let n = binds.len();
        clauses.push(format!("c.owner_id = ${n}"));
    }
    (clauses.join(" and "), binds)
}

pub(super) fn order_by(sort: CrmSort) -> &'static str {
    match sort {
        CrmSort::Name => "lower(c.family_name), lower(c.given_name), c.id",
        CrmSort::NameDesc => "lower(c.family_name) desc, lower(c.given_name) desc, c.id desc",
        CrmSort::Newest => "c.created_at desc, c.id desc",
        CrmSort::Oldest => "c.created_at, c.id",
    }
}

/// One page of the contacts matching `query`, with the total, the tags
/// and owners to filter by, and whether the viewer may invite. Clients get
/// "not found".
pub async fn list_contacts(
    db: &Db,
    principal: &Principal,
    query: &CrmQuery,
) -> Result<ContactListView, ServiceError> {
    let subject = principal.subject();
    if !may_view_contacts(&subject) {
        return Err(AppError::NotFound.into());
    }
    let pool = db.pool();
    let (clause, binds) = filters(query);
    let count_sql = format!(
        "select count(*) from contacts c left join accounts a on a.id = c.account_id
         where {clause}"
    );
    let mut count = sqlx::query_as::<_, (i64,)>(&count_sql);
    for bind in &binds {
        count = count.bind(bind.clone());
    }
    let (total,) = count.fetch_one(pool).await.context("counting contacts")?;
    let size = i64::from(CONTACT_PAGE_SIZE);
    let pages = u32::try_from((total + size - 1) / size)
        .unwrap_or(u32::MAX)
        .max(1);
    let page = query.page.clamp(1, pages);
    let (limit, offset) = (binds.len() + 1, binds.len() + 2);
    let list_sql = format!(
        "select c.id, c.given_name, c.family_name, c.email, a.name as account_name,
                u.id as user_id,
                cast(case when u.password_hash is null then 0 else 1 end as bigint) as has_password,
                u.disabled, o.display_name as owner_name
         from contacts c
         left join accounts a on a.id = c.account_id
         left join users u on u.contact_id = c.id
         left join users o on o.id = c.owner_id
         where {clause}
         order by {}
         limit ${limit} offset ${offset}",
        order_by(query.sort)
    );
    let mut list = sqlx::query_as::<_, ContactRow>(&list_sql);
    for bind in &binds {
        list = list.bind(bind.clone());
    }
    let rows = list
        .bind(size)
        .bind(i64::from(page - 1) * size)
        .fetch_all(pool)
        .await
        .context("listing contacts")?;
    let mut contacts: Vec<ContactRowView> = rows.into_iter().map(Into::into).collect();
    let ids: Vec<&str> = contacts.iter().map(|c| c.id.as_str()).collect();
    let mut tags_by_id = TagsOf::read_many("contact_tags", "contact_id", db, &ids).await?;
    for contact in &mut contacts {
        contact.tags = tags_by_id.remove(contact.id.as_str()).unwrap_or_default();
    }
    let tags: Vec<String> =
        sqlx::query_scalar("select distinct tag from contact_tags order by tag limit 500")
            .fetch_all(pool)
            .await
            .context("listing tags")?;
    let owners: Vec<(UserId, String)> = sqlx::query_as(
        "select distinct o.id, o.display_name from contacts c join users o on o.id = c.owner_id
         order by o.display_name, o.id limit 500",
    )
    .fetch_all(pool)
    .await
    .context("listing contact owners")?;
    Ok(ContactListView {
        contacts,
        may_invite: may_invite(&subject),
        total,
        page,
        pages,
        tags,
        owners,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_filter_adds_a_clause_with_its_own_number() {
        let query = CrmQuery {
            q: "henri moreau".to_owned(),
            tag: "vip".to_owned(),
            owner: "u1".to_owned(),
            ..CrmQuery::default()
        };
        let (clause, binds) = filters(&query);
        assert_eq!(binds, ["%henri%", "%moreau%", "vip", "u1"]);
        assert!(clause.contains("like $2") && clause.contains("t.tag = $3"));
        assert!(clause.contains("c.owner_id = $4"));
        assert!(clause.starts_with("c.archived_at is null"));
    }
}

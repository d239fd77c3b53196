//! Raising and lifting ethical walls, and their point-in-time report
//! (DESIGN §2.2). Admins only.
//!
//! A wall takes effect the moment its row commits: every access query reads
//! `ethical_walls` (`policy::visible_matter_sql`), and open message streams
//! re-check access as news arrives. `wall_history` keeps every wall ever
//! raised, with who lifted it and why, for the report.

use anyhow::Context as _;

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    db::{Db, WriteTx},
    new_id, now_ms,
    policy::deny,
};
use crate::domain::{
    AppError,
    ids::{AccountId, MatterId, UserId},
    policy::may_manage_walls,
    spreadsheet::to_cell,
    time::{DAY_MS, format_utc},
    wall::{ClientWallView, WallChoicesView, WallView, validate_reason},
};

/// The most walls one list or report shows.
const MAX_WALLS: i64 = 1000;

/// Refuses everyone but admins, as not found: the page does not exist for
/// them.
fn require_admin(principal: &Principal) -> Result<(), ServiceError> {
    if may_manage_walls(&principal.subject()) {
        Ok(())
    } else {
        Err(AppError::NotFound.into())
    }
}

#[derive(sqlx::FromRow)]
struct WallRow {
    matter_id: MatterId,
    matter_number: String,
    user_id: UserId,
    user_name: String,
    reason: String,
    raised_by: Option<String>,
    raised_at: i64,
}

impl From<WallRow> for WallView {
    fn from(row: WallRow) -> Self {
        Self {
            matter_id: row.matter_id,
            matter_number: row.matter_number,
            user_id: row.user_id,
            user_name: row.user_name,
            reason: row.reason,
            raised_by: row.raised_by,
            raised_at: row.raised_at,
        }
    }
}

/// The walls in force, newest first.
pub async fn list_walls(db: &Db, principal: &Principal) -> Result<Vec<WallView>, ServiceError> {
    require_admin(principal)?;
    let sql = format!("{WALL_SELECT} order by {WALL_ORDER} limit $1");
    let rows: Vec<WallRow> = sqlx::query_as(&sql)
        .bind(MAX_WALLS)
        .fetch_all(db.pool())
        .await
        .context("listing ethical walls")?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The walls in force on one matter, newest first, for its settings
/// panel (admins only: the caller checks).
pub async fn walls_on_matter(db: &Db, matter_id: &MatterId) -> anyhow::Result<Vec<WallView>> {
    let sql = format!("{WALL_SELECT} where w.matter_id = $1 order by {WALL_ORDER} limit $2");
    let rows: Vec<WallRow> = sqlx::query_as(&sql)
        .bind(matter_id.clone())
        .bind(MAX_WALLS)
        .fetch_all(db.pool())
        .await
        .context("listing a matter's ethical walls")?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A wall in force with its matter number and the people's names.
const WALL_SELECT: &str =
    "select w.matter_id, m.number as matter_number, w.user_id, u.display_name as user_name,
            w.reason, b.display_name as raised_by, w.created_at as raised_at
     from ethical_walls w
     join matters m on m.id = w.matter_id
     join users u on u.id = w.user_id
     left join users b on b.id = w.created_by";
const WALL_ORDER: &str = "w.created_at desc, m.number, u.display_name";

/// The matters and firm users the wall form offers.
pub async fn list_wall_choices(
    db: &Db,
    principal: &Principal,
) -> Result<WallChoicesView, ServiceError> {
    require_admin(principal)?;
    let matters: Vec<(MatterId, String)> =
        sqlx::query_as("select id, number || ' ' || title from matters order by number limit $1")
            .bind(MAX_WALLS)
            .fetch_all(db.pool())
            .await
            .context("listing matters for a wall")?;
    let users: Vec<(UserId, String)> = sqlx::query_as(
        "select id, display_name || ' (' || role || ')' from users
         where role <> 'client' and disabled = 0 order by display_name, id limit $1",
    )
    .bind(MAX_WALLS)
    .fetch_all(db.pool())
    .await
    .context("listing firm users for a wall")?;
    Ok(WallChoicesView { matters, users })
}

/// Screens the firm user `user_id` from `matter_id`, with a reason, or
/// from every matter of its client account when `whole_client` is set.
/// The wall holds from the moment this commits. Walling a client, or a
/// user already walled off every matter named, is refused. Answers how
/// many walls were raised.
pub async fn raise_wall(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    target: &WallTarget<'_>,
    reason: &str,
) -> Result<usize, ServiceError> {
    require_admin(principal)?;
    let reason = validate_reason(reason)?;
    let (matter_id, user_id) = (target.matter_id, target.user_id);
    let found: Option<(String, String)> = sqlx::query_as(
        "select u.role, m.number from users u, matters m where u.id = $1 and m.id = $2",
    )
    .bind(user_id.clone())
    .bind(matter_id.clone())
    .fetch_optional(state.db.pool())
    .await
    .context("loading a wall's user and matter")?;
    let Some((role, number)) = found else {
        return Err(deny(
            &state.db,
            principal,
            client,
            matter_id,
            "no such matter or user",
        )
        .await);
    };
    if role == "client" {
        return Err(AppError::BadRequest(
            "Walls screen the firm's people; to stop a client seeing a matter, remove their portal access."
                .to_owned(),
        )
        .into());
    }
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let (account_id,): (AccountId,) =
        sqlx::query_as("select account_id from matters where id = $1")
            .bind(matter_id.clone())
            .fetch_one(tx.conn())
            .await
            .context("reading a wall's client")?;
    let matters: Vec<MatterId> = if target.whole_client {
        // Every matter of the client, however many; the account's row is
        // locked first, so a matter being opened for it meanwhile either
        // is listed here or sees this wall when it copies the client's.
        lock_account(&mut tx, &account_id).await?;
        sqlx::query_scalar("select id from matters where account_id = $1 order by number")
            .bind(account_id.clone())
            .fetch_all(tx.conn())
            .await
            .context("listing the client's matters for a wall")?
    } else {
        vec![matter_id.clone()]
    };
    let client_wall_raised = target.whole_client
        && raise_client_wall(
            &mut tx,
            principal,
            client,
            &account_id,
            user_id,
            reason,
            now,
        )
        .await?;
    let mut raised = 0;
    for walled in &matters {
        let wall = NewWall {
            matter_id: walled,
            user_id,
            reason,
            created_by: Some(&principal.user_id),
            client_account: target.whole_client.then_some(&account_id),
            now,
        };
        if insert_wall(&mut tx, &wall).await? {
            raised += 1;
            audit::append(
                &mut tx,
                &AuditEntry::by(principal, client, "wall.raised", AuditResult::Success)
                    .on(walled)
                    .detail(format!("user {user_id}: {reason}")),
            )
            .await?;
        }
    }
    if raised == 0 && !client_wall_raised {
        let message = if target.whole_client {
            "That person is already walled off every matter of this client.".to_owned()
        } else {
            format!("That person is already walled off {number}.")
        };
        return Err(AppError::Conflict(message).into());
    }
    tx.commit().await.context("committing a wall")?;
    Ok(raised)
}

/// Keeps a wall on every matter of the client `account_id` for the
/// matters opened for it later. Answers whether it is new.
async fn raise_client_wall(
    tx: &mut WriteTx,
    principal: &Principal,
    client: &ClientInfo,
    account_id: &AccountId,
    user_id: &UserId,
    reason: &str,
    now: i64,
) -> Result<bool, ServiceError> {
    let inserted = sqlx::query(
        "insert into client_walls (account_id, user_id, reason, created_by, created_at)
         values ($1, $2, $3, $4, $5) on conflict do nothing",
    )
    .bind(account_id.clone())
    .bind(user_id.clone())
    .bind(reason.to_owned())
    .bind(principal.user_id.clone())
    .bind(now)
    .execute(tx.conn())
    .await
    .context("raising a wall on a client")?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    audit::append(
        tx,
        &AuditEntry::by(
            principal,
            client,
            "wall.raised_for_client",
            AuditResult::Success,
        )
        .on(account_id)
        .detail(format!("user {user_id}: {reason}")),
    )
    .await?;
    Ok(true)
}

/// Locks the account's row until `tx` ends, so raising a wall on every
/// matter of the client and opening a matter for it happen one after the
/// other on PostgreSQL too (SQLite has one writer anyway).
pub(crate) async fn lock_account(tx: &mut WriteTx, account_id: &AccountId) -> anyhow::Result<()> {
    sqlx::query("update accounts set id = id where id = $1")
        .bind(account_id.clone())
        .execute(tx.conn())
        .await
        .context("locking an account")?;
    Ok(())
}

/// One wall on one matter, about to be written.
struct NewWall<'a> {
    matter_id: &'a MatterId,
    user_id: &'a UserId,
    reason: &'a str,
    created_by: Option<&'a UserId>,
    /// The client whose every matter the wall covers, if that is where it
    /// comes from.
    client_account: Option<&'a AccountId>,
    now: i64,
}

/// Writes a wall and starts its history, unless the same wall is in force
/// already. Answers whether it was written.
async fn insert_wall(tx: &mut WriteTx, wall: &NewWall<'_>) -> anyhow::Result<bool> {
    let inserted = sqlx::query(
        "insert into ethical_walls (matter_id, user_id, reason, created_by, created_at,
                                    client_account_id)
         values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
    )
    .bind(wall.matter_id.clone())
    .bind(wall.user_id.clone())
    .bind(wall.reason.to_owned())
    .bind(wall.created_by.cloned())
    .bind(wall.now)
    .bind(wall.client_account.cloned())
    .execute(tx.conn())
    .await
    .context("raising a wall")?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "insert into wall_history (id, matter_id, user_id, reason, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(wall.matter_id.clone())
    .bind(wall.user_id.clone())
    .bind(wall.reason.to_owned())
    .bind(wall.created_by.cloned())
    .bind(wall.now)
    .execute(tx.conn())
    .await
    .context("recording a wall's history")?;
    Ok(true)
}

/// Walls a matter just opened for `account_id` off everyone its client's
/// walls screen, in the opening's transaction, so it is never visible to
/// them. The walls keep the reason and raiser of the client's wall.
/// The caller has locked the account ([`lock_account`]).
pub(crate) async fn wall_new_matter(
    tx: &mut WriteTx,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    account_id: &AccountId,
    now: i64,
) -> Result<usize, ServiceError> {
    let walls: Vec<(UserId, String, Option<UserId>)> = sqlx::query_as(
        "select user_id, reason, created_by from client_walls where account_id = $1
         order by user_id",
    )
    .bind(account_id.clone())
    .fetch_all(tx.conn())
    .await
    .context("reading a client's walls")?;
    let mut raised = 0;
    for (user_id, reason, created_by) in &walls {
        let wall = NewWall {
            matter_id,
            user_id,
            reason,
            created_by: created_by.as_ref(),
            client_account: Some(account_id),
            now,
        };
        if insert_wall(tx, &wall).await? {
            raised += 1;
            // The opener did not choose this wall: the detail says whose
            // client-wide wall it carries over.
            let wall_by = created_by.as_ref().map_or("", UserId::as_str);
            audit::append(
                tx,
                &AuditEntry::by(principal, client, "wall.raised", AuditResult::Success)
                    .on(matter_id)
                    .detail(format!(
                        "user {user_id}: carried over from the wall on every matter of \
                         account {account_id} raised by user {wall_by}: {reason}"
                    )),
            )
            .await?;
        }
    }
    Ok(raised)
}

/// Whether a wall on every matter of `account_id` screens `user_id`.
pub(crate) async fn walled_from_client(
    tx: &mut WriteTx,
    account_id: &AccountId,
    user_id: &UserId,
) -> anyhow::Result<bool> {
    let found: Option<(i64,)> =
        sqlx::query_as("select 1 from client_walls where account_id = $1 and user_id = $2")
            .bind(account_id.clone())
            .bind(user_id.clone())
            .fetch_optional(tx.conn())
            .await
            .context("checking a client's walls")?;
    Ok(found.is_some())
}

/// The walls on every matter of a client, newest first.
pub async fn list_client_walls(
    db: &Db,
    principal: &Principal,
) -> Result<Vec<ClientWallView>, ServiceError> {
    require_admin(principal)?;
    let rows: Vec<(AccountId, String, UserId, String, String, i64)> = sqlx::query_as(
        "select w.account_id, a.name, w.user_id, u.display_name, w.reason, w.created_at
         from client_walls w
         join accounts a on a.id = w.account_id
         join users u on u.id = w.user_id
         order by w.created_at desc, a.name, u.display_name limit $1",
    )
    .bind(MAX_WALLS)
    .fetch_all(db.pool())
    .await
    .context("listing client walls")?;
    Ok(rows
        .into_iter()
        .map(
            |(account_id, account_name, user_id, user_name, reason, raised_at)| ClientWallView {
                account_id,
                account_name,
                user_id,
                user_name,
                reason,
                raised_at,
            },
        )
        .collect())
}

/// Lifts a wall on every matter of a client: the matters opened later are
/// no longer walled, and the walls it put on the client's matters are
/// lifted too, with the same reason (walls raised on one matter of the
/// client on their own stay). Not found
/// when there is no such wall.
pub async fn lift_client_wall(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    account_id: &AccountId,
    user_id: &UserId,
    reason: &str,
) -> Result<usize, ServiceError> {
    require_admin(principal)?;
    let reason = validate_reason(reason)?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let lifted = sqlx::query("delete from client_walls where account_id = $1 and user_id = $2")
        .bind(account_id.clone())
        .bind(user_id.clone())
        .execute(tx.conn())
        .await
        .context("lifting a client's wall")?;
    if lifted.rows_affected() == 0 {
        return Err(AppError::NotFound.into());
    }
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "wall.lifted_for_client",
            AuditResult::Success,
        )
        .on(account_id)
        .detail(format!("user {user_id}: {reason}")),
    )
    .await?;
    // Only the walls this one put up: a wall raised on one of the client's
    // matters for a reason of its own stays.
    let matters: Vec<MatterId> = sqlx::query_scalar(
        "select w.matter_id from ethical_walls w join matters m on m.id = w.matter_id
         where w.client_account_id = $1 and w.user_id = $2 order by m.number",
    )
    .bind(account_id.clone())
    .bind(user_id.clone())
    .fetch_all(tx.conn())
    .await
    .context("listing the client's walled matters")?;
    for matter_id in &matters {
        lift_in(&mut tx, principal, client, matter_id, user_id, reason, now).await?;
    }
    tx.commit()
        .await
        .context("committing a lifted client wall")?;
    Ok(matters.len())
}

/// Whom a new wall screens from what.
pub struct WallTarget<'a> {
    /// The matter named.
    pub matter_id: &'a MatterId,
    /// The firm user screened.
    pub user_id: &'a UserId,
    /// Screen them from every matter of the matter's client, not only
    /// this one.
    pub whole_client: bool,
}

/// Lifts the wall between `user_id` and `matter_id`, with a reason. Not
/// found when there is none.
pub async fn lift_wall(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    user_id: &UserId,
    reason: &str,
) -> Result<(), ServiceError> {
    require_admin(principal)?;
    let reason = validate_reason(reason)?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    if !lift_in(&mut tx, principal, client, matter_id, user_id, reason, now).await? {
        drop(tx);
        return Err(deny(&state.db, principal, client, matter_id, "no wall to lift").await);
    }
    tx.commit().await.context("committing a lifted wall")?;
    Ok(())
}

/// Lifts the wall between `user_id` and `matter_id` in `tx`: its row goes,
/// its history is closed, the lifting audited. Answers whether there was
/// one.
async fn lift_in(
    tx: &mut WriteTx,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    user_id: &UserId,
    reason: &str,
    now: i64,
) -> Result<bool, ServiceError> {
    let lifted = sqlx::query("delete from ethical_walls where matter_id = $1 and user_id = $2")
        .bind(matter_id.clone())
        .bind(user_id.clone())
        .execute(tx.conn())
        .await
        .context("lifting a wall")?;
    if lifted.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "update wall_history set lifted_by = $1, lifted_at = $2, lift_reason = $3
         where matter_id = $4 and user_id = $5 and lifted_at is null",
    )
    .bind(principal.user_id.clone())
    .bind(now)
    .bind(reason.to_owned())
    .bind(matter_id.clone())
    .bind(user_id.clone())
    .execute(tx.conn())
    .await
    .context("closing a wall's history")?;
    audit::append(
        tx,
        &AuditEntry::by(principal, client, "wall.lifted", AuditResult::Success)
            .on(matter_id)
            .detail(format!("user {user_id}: {reason}")),
    )
    .await?;
    Ok(true)
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    matter_number: String,
    user_email: String,
    reason: String,
    created_at: i64,
    lifted_at: Option<i64>,
    lift_reason: Option<String>,
}

/// The point-in-time report as CSV: every wall in force at any moment of
/// the day `date` (`YYYY-MM-DD`, in the firm's zone), whether or not it stands today. The
/// download is audited.
pub async fn walls_report_csv(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    date: &str,
) -> Result<String, ServiceError> {
    require_admin(principal)?;
    let day_start = super::clock::firm(db)
        .await?
        .parse_date(date)
        .map_err(|e| AppError::BadRequest(format!("Date: {e}")))?;
    let rows: Vec<ReportRow> = sqlx::query_as(
        "select m.number as matter_number, u.email as user_email, h.reason, h.created_at,
                h.lifted_at, h.lift_reason
         from wall_history h
         join matters m on m.id = h.matter_id
         join users u on u.id = h.user_id
         where h.created_at < $1 and (h.lifted_at is null or h.lifted_at >= $2)
         order by m.number, u.email, h.created_at
         limit $3",
    )
    .bind(day_start + DAY_MS)
    .bind(day_start)
    .bind(MAX_WALLS)
    .fetch_all(db.pool())
    .await
    .context("reading the wall history")?;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "matter",
        "user",
        "reason",
        "raised",
        "lifted",
        "lift reason",
    ])
    .context("writing the report's header")?;
    for row in rows {
        out.write_record([
            to_cell(row.matter_number),
            to_cell(row.user_email),
            to_cell(row.reason),
            format_utc(row.created_at),
            row.lifted_at.map(format_utc).unwrap_or_default(),
            to_cell(row.lift_reason.unwrap_or_default()),
        ])
        .context("writing a report row")?;
    }
    let bytes = out.into_inner().context("finishing the report")?;
    let text = String::from_utf8(bytes).context("the report is text")?;
    audit::record(
        db,
        &AuditEntry::by(principal, client, "wall.report", AuditResult::Success)
            .detail(format!("walls in force on {date}")),
    )
    .await?;
    Ok(text)
}

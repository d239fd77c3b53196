//! The demo firm that `vellum seed-demo`, `cargo xtask serve` and the tests
//! create, all through [`seed_demo_firm`].
//!
//! The firm is written in one transaction, and nothing is written when the
//! demo admin already exists, so running the command twice changes nothing.
//! Each area's demo data sits in its own `seed.rs` and is called from here.

use anyhow::Context as _;
use secrecy::SecretString;
use sqlx::AnyConnection;

use super::{AppState, auth::signin, db::Db, new_id, now_ms};
use crate::domain::time::DAY_MS;

/// What [`seed_demo_firm`] (or [`seed_demo`]) did.
#[derive(Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    /// The demo firm was created.
    Created,
    /// The database already had it; nothing was changed.
    AlreadyPresent,
}

/// The demo firm's sign-in addresses, for messages and tests.
pub const DEMO_ADMIN: &str = "admin@vellum.test";
/// The demo attorney.
pub const DEMO_ATTORNEY: &str = "attorney@vellum.test";
/// The demo staff member.
pub const DEMO_STAFF: &str = "staff@vellum.test";
/// The first demo client.
pub const DEMO_ALICE: &str = "alice@client.test";
/// The second demo client, at another account.
pub const DEMO_BOB: &str = "bob@client.test";

/// Accounts: (key, name, kind, industry).
const ACCOUNTS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "moreau",
        "Moreau Bakery Ltd",
        "organisation",
        Some("Food & beverage"),
    ),
    (
        "brightwater",
        "Brightwater Logistics",
        "organisation",
        Some("Transport"),
    ),
    ("okafor", "Okafor Family", "household", None),
    (
        "lindqvist",
        "Lindqvist Architects",
        "organisation",
        Some("Architecture"),
    ),
    (
        "harbour",
        "Harbour Street Dental",
        "organisation",
        Some("Healthcare"),
    ),
    (
        "nakamura",
        "Nakamura Holdings",
        "organisation",
        Some("Real estate"),
    ),
    (
        "fairfield",
        "Fairfield Community Trust",
        "organisation",
        Some("Charity"),
    ),
    (
        "castell",
        "Castell & Rhys Engineering",
        "organisation",
        Some("Engineering"),
    ),
];

/// Contacts: (key, account key, given, family, email, job title).
const CONTACTS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "alice",
        "moreau",
        "Alice",
        "Moreau",
        DEMO_ALICE,
        "Managing Director",
    ),
    (
        "henri",
        "moreau",
        "Henri",
        "Moreau",
        "henri@moreau.example",
        "Operations",
    ),
    (
        "bob",
        "brightwater",
        "Bob",
        "Adeyemi",
        DEMO_BOB,
        "General Counsel",
    ),
    (
        "priya",
        "brightwater",
        "Priya",
        "Shah",
        "priya@brightwater.example",
        "CFO",
    ),
    (
        "chidi",
        "okafor",
        "Chidi",
        "Okafor",
        "chidi@okafor.example",
        "Private client",
    ),
    (
        "ngozi",
        "okafor",
        "Ngozi",
        "Okafor",
        "ngozi@okafor.example",
        "Private client",
    ),
    (
        "erik",
        "lindqvist",
        "Erik",
        "Lindqvist",
        "erik@lindqvist.example",
        "Principal",
    ),
    (
        "maja",
        "lindqvist",
        "Maja",
        "Berg",
        "maja@lindqvist.example",
        "Office manager",
    ),
    (
        "sofia",
        "harbour",
        "Sofia",
        "Alvarez",
        "sofia@harbourdental.example",
        "Practice owner",
    ),
    (
        "kenji",
        "nakamura",
        "Kenji",
        "Nakamura",
        "kenji@nakamura.example",
        "Director",
    ),
    (
        "aiko",
        "nakamura",
        "Aiko",
        "Mori",
        "aiko@nakamura.example",
        "Asset manager",
    ),
    (
        "grace",
        "fairfield",
        "Grace",
        "Whitfield",
        "grace@fairfield.example",
        "Chair of trustees",
    ),
    (
        "owen",
        "castell",
        "Owen",
        "Rhys",
        "owen@castell.example",
        "Managing Partner",
    ),
    (
        "lowri",
        "castell",
        "Lowri",
        "Castell",
        "lowri@castell.example",
        "HR lead",
    ),
];

/// Firm users: (key, email, display name, role).
const FIRM_USERS: &[(&str, &str, &str, &str)] = &[
    ("admin", DEMO_ADMIN, "Ada Admin", "admin"),
    ("attorney", DEMO_ATTORNEY, "Amara Attorney", "attorney"),
    ("staff", DEMO_STAFF, "Sam Staff", "staff"),
    ("partner", "partner@vellum.test", "Paul Partner", "attorney"),
];

/// Stage plans by practice area.
const LITIGATION: &[&str] = &[
    "Intake",
    "Pleadings",
    "Discovery",
    "Mediation",
    "Trial",
    "Closed",
];
const TRANSACTION: &[&str] = &[
    "Instruction",
    "Due diligence",
    "Drafting",
    "Negotiation",
    "Completion",
];
const EMPLOYMENT: &[&str] = &["Intake", "Investigation", "Advice", "Settlement", "Closed"];
const ESTATES: &[&str] = &[
    "Instruction",
    "Asset review",
    "Drafting",
    "Signing",
    "Filed",
];

/// Matters: (key, number, title, practice area, account key, stages,
/// current stage, opened days ago, responsible user key, client user key).
type MatterSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    i64,
    i64,
    &'static str,
    Option<&'static str>,
);
const MATTERS: &[MatterSeed] = &[
    (
        "m1",
        "LIT-2026-0012",
        "Harbour lease dispute",
        "Litigation",
        "moreau",
        LITIGATION,
        3,
        120,
        "attorney",
        Some("alice"),
    ),
    (
        "m2",
        "COR-2026-0031",
        "Second bakery acquisition",
        "Corporate",
        "moreau",
        TRANSACTION,
        2,
        45,
        "attorney",
        Some("alice"),
    ),
    (
        "m3",
        "EMP-2026-0007",
        "Warehouse staff restructuring",
        "Employment",
        "brightwater",
        EMPLOYMENT,
        2,
        60,
        "partner",
        Some("bob"),
    ),
    (
        "m4",
        "LIT-2026-0019",
        "Freight contract claim",
        "Litigation",
        "brightwater",
        LITIGATION,
        4,
        200,
        "attorney",
        Some("bob"),
    ),
    (
        "m5",
        "EST-2026-0003",
        "Okafor family wills",
        "Estates",
        "okafor",
        ESTATES,
        3,
        30,
        "partner",
        None,
    ),
    (
        "m6",
        "COR-2026-0044",
        "Studio partnership agreement",
        "Corporate",
        "lindqvist",
        TRANSACTION,
        1,
        10,
        "attorney",
        None,
    ),
    (
        "m7",
        "LIT-2025-0088",
        "Dental equipment warranty",
        "Litigation",
        "harbour",
        LITIGATION,
        6,
        400,
        "partner",
        None,
    ),
    (
        "m8",
        "COR-2026-0050",
        "Portfolio refinancing",
        "Corporate",
        "nakamura",
        TRANSACTION,
        4,
        75,
        "partner",
        None,
    ),
    (
        "m9",
        "EST-2026-0009",
        "Charitable trust deed review",
        "Estates",
        "fairfield",
        ESTATES,
        2,
        20,
        "attorney",
        None,
    ),
    (
        "m10",
        "EMP-2026-0015",
        "Senior engineer dismissal",
        "Employment",
        "castell",
        EMPLOYMENT,
        3,
        50,
        "partner",
        None,
    ),
];

/// Opposing parties, which the conflict check will search: (matter key, name).
const OPPOSING: &[(&str, &str)] = &[
    ("m1", "Quayside Property Partners LLP"),
    ("m2", "Rue Verte Patisserie SARL"),
    ("m4", "Northern Haulage Co"),
    ("m7", "DentaTech Supplies Inc"),
    ("m10", "Daniel Price"),
];

/// Key dates: (matter key, kind, title, days from today, location).
const KEY_DATES: &[(&str, &str, &str, i64, Option<&str>)] = &[
    ("m1", "deadline", "Disclosure lists due", 9, None),
    (
        "m1",
        "hearing",
        "Case management conference",
        24,
        Some("County Court, Court 3"),
    ),
    (
        "m1",
        "meeting",
        "Witness statement review",
        4,
        Some("Video call"),
    ),
    ("m2", "deadline", "Heads of terms signed", 14, None),
    (
        "m2",
        "meeting",
        "Site visit with surveyor",
        6,
        Some("12 Rue Verte"),
    ),
    (
        "m3",
        "meeting",
        "Consultation kick-off with staff reps",
        3,
        Some("Brightwater depot"),
    ),
    (
        "m3",
        "deadline",
        "Collective consultation period ends",
        45,
        None,
    ),
    (
        "m4",
        "hearing",
        "Mediation day",
        12,
        Some("Chambers, Floor 2"),
    ),
    ("m4", "deadline", "Expert report exchange", 30, None),
    (
        "m5",
        "meeting",
        "Signing appointment",
        8,
        Some("Our office"),
    ),
    ("m6", "meeting", "First instructions call", 2, Some("Phone")),
    ("m8", "deadline", "Lender conditions precedent", 18, None),
    ("m9", "deadline", "Trustee sign-off", 21, None),
    (
        "m10",
        "hearing",
        "Preliminary hearing",
        35,
        Some("Employment Tribunal"),
    ),
];

/// Past touchpoints: (contact key, matter key, kind, summary, days ago).
const HISTORY: &[(&str, Option<&str>, &str, &str, i64)] = &[
    (
        "alice",
        Some("m1"),
        "call",
        "Call about the landlord's response",
        12,
    ),
    (
        "alice",
        Some("m1"),
        "meeting",
        "Strategy meeting on disclosure",
        30,
    ),
    ("alice", Some("m2"), "email", "Sent draft heads of terms", 7),
    ("alice", None, "note", "Prefers calls before 10am", 90),
    (
        "henri",
        Some("m2"),
        "call",
        "Questions on staff transfer",
        5,
    ),
    (
        "bob",
        Some("m3"),
        "meeting",
        "Restructuring options workshop",
        20,
    ),
    (
        "bob",
        Some("m4"),
        "email",
        "Shared mediation bundle index",
        3,
    ),
    ("bob", Some("m4"), "call", "Settlement range discussion", 15),
    ("priya", Some("m4"), "email", "Costs estimate sent", 40),
    (
        "chidi",
        Some("m5"),
        "meeting",
        "Wills instruction meeting",
        28,
    ),
    ("erik", Some("m6"), "call", "Introductory call", 10),
    ("sofia", Some("m7"), "email", "Final costs statement", 35),
    (
        "kenji",
        Some("m8"),
        "meeting",
        "Lender negotiation debrief",
        9,
    ),
    ("grace", Some("m9"), "call", "Deed review scope agreed", 18),
    (
        "owen",
        Some("m10"),
        "call",
        "Tribunal timetable explained",
        6,
    ),
];

/// Seeds the whole demo firm, for `vellum seed-demo` and the tests alike:
/// the firm with its billing ([`seed_demo`]), the demo users' `password`
/// and the firm users' `totp_seed`, then each area's demo data. When the
/// firm exists already nothing changes.
///
/// # Errors
/// When storing fails.
pub async fn seed_demo_firm(
    state: &AppState,
    password: &SecretString,
    totp_seed: &[u8],
) -> anyhow::Result<SeedOutcome> {
    let outcome = seed_demo(&state.db).await?;
    if outcome == SeedOutcome::Created {
        set_demo_credentials(state, password, totp_seed).await?;
        super::documents::seed_documents(state, DEMO_STAFF).await?;
        super::messages::seed_messages(state).await?;
    }
    Ok(outcome)
}

/// Creates the demo firm (without credentials or the areas' demo data: see
/// [`seed_demo_firm`]) unless it exists already.
pub async fn seed_demo(db: &Db) -> anyhow::Result<SeedOutcome> {
    let mut tx = db.begin_write().await?;
    let existing: Option<(String,)> = sqlx::query_as("select id from users where email = $1")
        .bind(DEMO_ADMIN)
        .fetch_optional(tx.conn())
        .await
        .context("checking for an existing demo firm")?;
    if existing.is_some() {
        return Ok(SeedOutcome::AlreadyPresent);
    }
    insert_demo(tx.conn(), now_ms()).await?;
    tx.commit().await.context("committing the demo firm")?;
    Ok(SeedOutcome::Created)
}

/// Keys in the tables above mapped to the ids generated for them.
#[derive(Default)]
struct Ids(std::collections::HashMap<&'static str, String>);

impl Ids {
    fn insert(&mut self, key: &'static str) -> String {
        let id = new_id();
        self.0.insert(key, id.clone());
        id
    }

    fn get(&self, key: &str) -> anyhow::Result<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .with_context(|| format!("demo data refers to unknown key {key}"))
    }
}

async fn insert_demo(conn: &mut AnyConnection, now: i64) -> anyhow::Result<()> {
    let mut ids = Ids::default();

    for &(key, name, kind, industry) in ACCOUNTS {
        sqlx::query("insert into accounts (id, name, kind, industry, created_at) values ($1, $2, $3, $4, $5)")
            .bind(ids.insert(key))
            .bind(name)
            .bind(kind)
            .bind(industry)
            .bind(now - 400 * DAY_MS)
            .execute(&mut *conn)
            .await
            .with_context(|| format!("inserting account {name}"))?;
    }

    for &(key, account, given, family, email, job_title) in CONTACTS {
        sqlx::query(
            "insert into contacts (id, account_id, given_name, family_name, email, job_title, created_at)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(ids.insert(key))
        .bind(ids.get(account)?.to_owned())
        .bind(given)
        .bind(family)
        .bind(email)
        .bind(job_title)
        .bind(now - 300 * DAY_MS)
        .execute(&mut *conn)
        .await
        .with_context(|| format!("inserting contact {email}"))?;
    }

    for &(key, email, name, role) in FIRM_USERS {
        insert_user(conn, ids.insert(key), email, name, role, None, now).await?;
    }
    for (key, contact, name) in [
        ("u_alice", "alice", "Alice Moreau"),
        ("u_bob", "bob", "Bob Adeyemi"),
    ] {
        let email = if contact == "alice" {
            DEMO_ALICE
        } else {
            DEMO_BOB
        };
        let contact_id = ids.get(contact)?.to_owned();
        insert_user(
            conn,
            ids.insert(key),
            email,
            name,
            "client",
            Some(contact_id),
            now,
        )
        .await?;
    }

    for &(
        key,
        number,
        title,
        area,
        account,
        stages,
        current,
        opened_days_ago,
        responsible,
        client,
    ) in MATTERS
    {
        let matter_id = ids.insert(key);
        let opened_at = now - opened_days_ago * DAY_MS;
        let status = if current == i64::try_from(stages.len())? && area == "Litigation" {
            "closed"
        } else {
            "open"
        };
        sqlx::query(
            "insert into matters (id, number, title, practice_area, account_id, status, current_stage, opened_at, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(matter_id.clone())
        .bind(number)
        .bind(title)
        .bind(area)
        .bind(ids.get(account)?.to_owned())
        .bind(status)
        .bind(current)
        .bind(opened_at)
        .execute(&mut *conn)
        .await
        .with_context(|| format!("inserting matter {number}"))?;

        for (position, name) in (1_i64..).zip(stages.iter()) {
            sqlx::query("insert into matter_stages (id, matter_id, position, name, created_at) values ($1, $2, $3, $4, $5)")
                .bind(new_id())
                .bind(matter_id.clone())
                .bind(position)
                .bind(*name)
                .bind(opened_at)
                .execute(&mut *conn)
                .await
                .context("inserting a matter stage")?;
        }

        let team = [(responsible, "responsible"), ("staff", "member")];
        for (user, role) in team {
            sqlx::query("insert into matter_team (matter_id, user_id, role, added_at) values ($1, $2, $3, $4)")
                .bind(matter_id.clone())
                .bind(ids.get(user)?.to_owned())
                .bind(role)
                .bind(opened_at)
                .execute(&mut *conn)
                .await
                .context("inserting a team member")?;
        }

        if let Some(client) = client {
            sqlx::query("insert into matter_client_access (matter_id, user_id, granted_at) values ($1, $2, $3)")
                .bind(matter_id.clone())
                .bind(ids.get(&format!("u_{client}"))?.to_owned())
                .bind(opened_at)
                .execute(&mut *conn)
                .await
                .context("granting client access")?;
        }

        let account_name = ACCOUNTS
            .iter()
            .find(|a| a.0 == account)
            .map_or(account, |a| a.1);
        insert_party(conn, &matter_id, account_name, "client", opened_at).await?;
    }

    for &(matter, name) in OPPOSING {
        insert_party(
            conn,
            ids.get(matter)?,
            name,
            "opposing_party",
            now - 10 * DAY_MS,
        )
        .await?;
    }

    // The demo attorney is walled off from the Nakamura refinancing: the
    // partner acted for the lender in an earlier deal.
    sqlx::query("insert into ethical_walls (matter_id, user_id, reason, created_by, created_at) values ($1, $2, $3, $4, $5)")
        .bind(ids.get("m8")?.to_owned())
        .bind(ids.get("attorney")?.to_owned())
        .bind("Acted for the lender in a related 2024 transaction")
        .bind(ids.get("admin")?.to_owned())
        .bind(now - 70 * DAY_MS)
        .execute(&mut *conn)
        .await
        .context("inserting the demo ethical wall")?;
    sqlx::query(
        "insert into wall_history (id, matter_id, user_id, reason, created_by, created_at)
         select $1, matter_id, user_id, reason, created_by, created_at from ethical_walls
         where matter_id = $2 and user_id = $3",
    )
    .bind(new_id())
    .bind(ids.get("m8")?.to_owned())
    .bind(ids.get("attorney")?.to_owned())
    .execute(&mut *conn)
    .await
    .context("recording the demo wall's history")?;

    for &(matter, kind, title, days_ahead, location) in KEY_DATES {
        let starts_at = now + days_ahead * DAY_MS;
        sqlx::query(
            "insert into key_dates (id, matter_id, kind, title, starts_at, ends_at, location, client_visible, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, 1, $8)",
        )
        .bind(new_id())
        .bind(ids.get(matter)?.to_owned())
        .bind(kind)
        .bind(title)
        .bind(starts_at)
        .bind(starts_at + 3_600_000)
        .bind(location)
        .bind(now)
        .execute(&mut *conn)
        .await
        .context("inserting a key date")?;
    }

    for &(contact, matter, kind, summary, days_ago) in HISTORY {
        let matter_id = matter.map(|m| ids.get(m).map(str::to_owned)).transpose()?;
        sqlx::query(
            "insert into touchpoints (id, contact_id, matter_id, kind, summary, actor_user_id, occurred_at)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(ids.get(contact)?.to_owned())
        .bind(matter_id)
        .bind(kind)
        .bind(summary)
        .bind(ids.get("attorney")?.to_owned())
        .bind(now - days_ago * DAY_MS)
        .execute(&mut *conn)
        .await
        .context("inserting a touchpoint")?;
    }
    super::billing::seed::seed_billing(conn, now, DEMO_STAFF).await?;
    Ok(())
}

async fn insert_user(
    conn: &mut AnyConnection,
    id: String,
    email: &str,
    name: &str,
    role: &str,
    contact_id: Option<String>,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "insert into users (id, email, display_name, role, contact_id, created_at) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(email)
    .bind(name)
    .bind(role)
    .bind(contact_id)
    .bind(now)
    .execute(conn)
    .await
    .with_context(|| format!("inserting user {email}"))?;
    Ok(())
}

async fn insert_party(
    conn: &mut AnyConnection,
    matter_id: &str,
    name: &str,
    role: &str,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query("insert into matter_parties (id, matter_id, name, role, created_at) values ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(matter_id.to_owned())
        .bind(name.to_owned())
        .bind(role.to_owned())
        .bind(at)
        .execute(conn)
        .await
        .context("inserting a matter party")?;
    Ok(())
}

/// Sets the demo users' password and the firm users' TOTP seed. Called once,
/// right after [`seed_demo`] created the firm.
pub async fn set_demo_credentials(
    state: &AppState,
    password: &SecretString,
    totp_seed: &[u8],
) -> anyhow::Result<()> {
    let users: Vec<(String, String)> = sqlx::query_as(
        "select id, role from users where email like '%@vellum.test' or email like '%@client.test'",
    )
    .fetch_all(state.db.pool())
    .await
    .context("listing the demo users")?;
    for (id, role) in users {
        signin::set_password(state, &id, password.clone()).await?;
        if role != "client" {
            // The demo prints no recovery codes; the TOTP seed is the way in.
            signin::set_totp_seed(state, &id, totp_seed).await?;
        }
    }
    Ok(())
}

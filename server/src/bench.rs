//! `vellum bench-search` (hidden), run by `cargo xtask bench`: the firm's
//! search over a mid-size firm (DESIGN §6: 10k contacts, 20k matters),
//! loaded into a data dir that already holds the demo firm. Prints
//! `key=value` lines: the search's p50 and p99 for an attorney (team
//! matters, walls) and for the admin (every matter), and the p99 of a
//! primary-key lookup on the same database, the baseline.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use app::{
    domain::{ids::UserId, role::Role},
    server::{AppState, auth::Principal, new_id, now_ms, search},
};

/// The dataset: how many of each.
const CONTACTS: usize = 10_000;
const ACCOUNTS: usize = 2_000;
const MATTERS: usize = 20_000;
/// Rows per insert statement while loading.
const BATCH: usize = 500;
/// More matters than the demo firm has: not a data dir to load into.
const DEMO_MATTERS_AT_MOST: i64 = 50;
/// Timed searches per viewer.
const RUNS: usize = 400;

const SURNAMES: [&str; 24] = [
    "Moreau",
    "Okafor",
    "Nakamura",
    "Schmidt",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Silva",
    "Johansson",
    "Murphy",
    "Novak",
    "Dubois",
    "Fischer",
    "Costa",
    "Yilmaz",
    "Petrov",
    "Garcia",
    "Tanaka",
    "Olsen",
    "Ibrahim",
    "Walsh",
    "Kim",
    "Reyes",
    "Larsen",
];
const GIVEN: [&str; 12] = [
    "Ana", "Ben", "Chloe", "Dev", "Eva", "Femi", "Gita", "Hugo", "Ines", "Jon", "Kai", "Lea",
];
const TOPICS: [&str; 10] = [
    "lease dispute",
    "share purchase",
    "employment tribunal",
    "probate",
    "refinancing",
    "licence review",
    "boundary claim",
    "supply contract",
    "trademark",
    "restructuring",
];

/// A small deterministic generator, so every run loads the same firm.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap_or(0)
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.next() % list.len()]
    }
}

/// Loads the dataset, times the searches and prints the figures.
pub async fn run(state: &AppState) -> anyhow::Result<()> {
    let attorney = principal(state, "attorney@vellum.test", Role::Attorney).await?;
    let admin = principal(state, "admin@vellum.test", Role::Admin).await?;
    // It writes some 32,000 rows: only into the demo firm `cargo xtask
    // bench` makes for it, never into a firm's own data.
    let (matters,): (i64,) = sqlx::query_as("select count(*) from matters")
        .fetch_one(state.db.pool())
        .await
        .context("counting matters")?;
    if matters > DEMO_MATTERS_AT_MOST {
        anyhow::bail!(
            "this data dir holds {matters} matters: bench-search loads its firm only into a \
             fresh demo data dir (cargo xtask bench makes one)"
        );
    }
    let started = Instant::now();
    load(state, &attorney.user_id).await?;
    println!("load_secs={:.1}", started.elapsed().as_secs_f64());

    let mut rng = Lcg(7);
    let queries: Vec<String> = (0..RUNS)
        .map(|i| match i % 5 {
            0 => rng.pick(&SURNAMES).to_lowercase(),
            1 => format!("{} {}", rng.pick(&GIVEN), rng.pick(&SURNAMES)),
            2 => format!("BEN-2026-{:05}", rng.next() % MATTERS),
            3 => rng.pick(&TOPICS).to_owned(),
            _ => format!("{} Ltd", &rng.pick(&SURNAMES)[..2]),
        })
        .collect();
    for (name, viewer) in [("attorney", &attorney), ("admin", &admin)] {
        let mut times = Vec::with_capacity(RUNS);
        for query in &queries {
            let started = Instant::now();
            search::search(&state.db, viewer, query).await?;
            times.push(started.elapsed());
        }
        let (p50, p99) = percentiles(&mut times);
        println!("search_{name}_p50_ms={:.2}", ms(p50));
        println!("search_{name}_p99_ms={:.2}", ms(p99));
    }

    let ids: Vec<String> =
        sqlx::query_scalar("select object_id from search_entries where kind = 'matter' limit $1")
            .bind(i64::try_from(RUNS).unwrap_or(i64::MAX))
            .fetch_all(state.db.pool())
            .await
            .context("choosing baseline rows")?;
    let mut times = Vec::with_capacity(ids.len());
    for id in ids {
        let started = Instant::now();
        let _: Option<(String,)> = sqlx::query_as(
            "select label from search_entries where kind = 'matter' and object_id = $1",
        )
        .bind(id)
        .fetch_optional(state.db.pool())
        .await
        .context("the baseline lookup")?;
        times.push(started.elapsed());
    }
    let (_, p99) = percentiles(&mut times);
    println!("lookup_p99_ms={:.3}", ms(p99));
    Ok(())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The median and the 99th percentile.
fn percentiles(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    let at = |q: f64| {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "an index into a few hundred samples"
        )]
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(i).copied().unwrap_or_default()
    };
    (at(0.5), at(0.99))
}

async fn principal(state: &AppState, email: &str, role: Role) -> anyhow::Result<Principal> {
    let (id,): (String,) = sqlx::query_as("select id from users where email = $1")
        .bind(email.to_owned())
        .fetch_one(state.db.pool())
        .await
        .with_context(|| format!("{email}: run seed-demo on this data dir first"))?;
    Ok(Principal {
        user_id: UserId::from_trusted(id),
        role,
        email: email.to_owned(),
        display_name: email.to_owned(),
        contact_id: None,
        session_handle: String::new(),
    })
}

/// Writes the accounts, contacts and matters (each with a client and an
/// opposing party), the attorney on every tenth matter's team and walled
/// off every twentieth, in batches inside one transaction.
async fn load(state: &AppState, attorney: &UserId) -> anyhow::Result<()> {
    let mut rng = Lcg(42);
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let accounts: Vec<(String, String)> = (0..ACCOUNTS)
        .map(|i| {
            let name = format!("{} {} Ltd", rng.pick(&SURNAMES), rng.pick(&TOPICS));
            (format!("bench-account-{i}"), name)
        })
        .collect();
    for chunk in accounts.chunks(BATCH) {
        insert_rows(
            &mut tx,
            "accounts (id, name, kind, created_at)",
            chunk,
            |(id, name)| {
                vec![
                    id.clone().into(),
                    name.clone().into(),
                    "organisation".into(),
                    now.into(),
                ]
            },
        )
        .await?;
    }
    let contacts: Vec<[String; 5]> = (0..CONTACTS)
        .map(|i| {
            let (given, family) = (rng.pick(&GIVEN), rng.pick(&SURNAMES));
            [
                new_id(),
                accounts[i % ACCOUNTS].0.clone(),
                given.to_owned(),
                family.to_owned(),
                format!(
                    "{}.{}.{i}@bench.example",
                    given.to_lowercase(),
                    family.to_lowercase()
                ),
            ]
        })
        .collect();
    for chunk in contacts.chunks(BATCH) {
        insert_rows(
            &mut tx,
            "contacts (id, account_id, given_name, family_name, email, created_at)",
            chunk,
            |c| {
                let mut row: Vec<Cell> = c.iter().cloned().map(Cell::from).collect();
                row.push(now.into());
                row
            },
        )
        .await?;
    }
    let matters: Vec<(String, usize)> = (0..MATTERS).map(|i| (new_id(), i)).collect();
    for chunk in matters.chunks(BATCH) {
        insert_rows(
            &mut tx,
            "matters (id, number, title, practice_area, account_id, status, current_stage, \
             opened_at, created_at)",
            chunk,
            |(id, i)| {
                vec![
                    id.clone().into(),
                    format!("BEN-2026-{i:05}").into(),
                    format!(
                        "{} {}",
                        SURNAMES[i % SURNAMES.len()],
                        TOPICS[i % TOPICS.len()]
                    )
                    .into(),
                    "Litigation".into(),
                    accounts[i % ACCOUNTS].0.clone().into(),
                    "open".into(),
                    1_i64.into(),
                    now.into(),
                    now.into(),
                ]
            },
        )
        .await?;
        let parties: Vec<[String; 3]> = chunk
            .iter()
            .flat_map(|(id, i)| {
                [
                    [
                        id.clone(),
                        accounts[i % ACCOUNTS].1.clone(),
                        "client".to_owned(),
                    ],
                    [
                        id.clone(),
                        format!("{} Holdings", SURNAMES[(i * 7) % SURNAMES.len()]),
                        "opposing_party".to_owned(),
                    ],
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "matter_parties (id, matter_id, name, role, created_at)",
            &parties,
            |[matter, name, role]| {
                vec![
                    new_id().into(),
                    matter.clone().into(),
                    name.clone().into(),
                    role.clone().into(),
                    now.into(),
                ]
            },
        )
        .await?;
        let team: Vec<&String> = chunk
            .iter()
            .filter(|(_, i)| i % 10 == 0)
            .map(|(id, _)| id)
            .collect();
        insert_rows(
            &mut tx,
            "matter_team (matter_id, user_id, role, added_at)",
            &team,
            |id| {
                vec![
                    (*id).clone().into(),
                    attorney.to_string().into(),
                    "member".into(),
                    now.into(),
                ]
            },
        )
        .await?;
        let walled: Vec<&String> = chunk
            .iter()
            .filter(|(_, i)| i % 20 == 5)
            .map(|(id, _)| id)
            .collect();
        insert_rows(
            &mut tx,
            "ethical_walls (matter_id, user_id, reason, created_at)",
            &walled,
            |id| {
                vec![
                    (*id).clone().into(),
                    attorney.to_string().into(),
                    "bench".into(),
                    now.into(),
                ]
            },
        )
        .await?;
    }
    tx.commit().await.context("committing the bench firm")?;
    Ok(())
}

/// A value of a loaded row.
enum Cell {
    Text(String),
    Int(i64),
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

/// One multi-row insert into `table_and_columns` of `rows`, each made into
/// its values by `values`.
async fn insert_rows<T>(
    tx: &mut app::server::db::WriteTx,
    table_and_columns: &str,
    rows: &[T],
    values: impl Fn(&T) -> Vec<Cell>,
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let rows: Vec<Vec<Cell>> = rows.iter().map(values).collect();
    let width = rows[0].len();
    let mut n = 0;
    let tuples: Vec<String> = rows
        .iter()
        .map(|_| {
            let cells: Vec<String> = (0..width)
                .map(|_| {
                    n += 1;
                    format!("${n}")
                })
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    let sql = format!(
        "insert into {table_and_columns} values {}",
        tuples.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        for cell in row {
            query = match cell {
                Cell::Text(text) => query.bind(text),
                Cell::Int(n) => query.bind(n),
            };
        }
    }
    query
        .execute(tx.conn())
        .await
        .with_context(|| format!("loading {table_and_columns}"))?;
    Ok(())
}

//! The tamper-evident audit log (DESIGN §2.9).
//!
//! Every security event and every portal interaction appends one row to
//! `audit_log`. The table is append-only and hash-chained:
//!
//! ```text
//! row_hash = SHA-256(prev_hash ‖ canonical(row))
//! ```
//!
//! where `prev_hash` is the `row_hash` of the row before it (32 zero bytes for
//! the first row) and `canonical` is an unambiguous, versioned encoding of
//! the row's fields. Editing a row breaks its own hash; deleting or reordering
//! rows breaks the link from the next row; deleting the *last* rows is caught
//! by the one-row `audit_head` table, which every append updates in the same
//! transaction. [`verify`] walks the chain and names the first bad row.
//!
//! The chain is unkeyed, so it proves that rows were not changed *by someone
//! who did not also recompute every later hash*. Someone with full write
//! access who rewrites the chain from the break onwards is caught only by
//! comparing the head with a copy kept elsewhere (a backup, or the hash
//! printed by an earlier verify).

use std::{fmt, net::IpAddr};

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};
use sqlx::Database as _;

use super::{
    auth::{ClientInfo, Principal},
    db::{Db, WriteTx},
    new_id, now_ms,
};
use crate::domain::ids::ObjectId;

/// The `prev_hash` of the first row.
const GENESIS_HASH: [u8; 32] = [0; 32];

/// Opens every canonical encoding. A new encoding gets a new tag, so old rows
/// keep verifying under the rules they were written with.
const CANONICAL_VERSION: &[u8] = b"vellum.audit.v1";

/// The PostgreSQL advisory lock that serialises appends ("vellum" in ASCII,
/// then 0x0a01 for "audit, lock 1"). Any fixed value works as long as nothing
/// else in the database uses it.
const CHAIN_LOCK_KEY: i64 = 0x7665_6c6c_756d_0a01;

/// How many rows [`verify`] reads per query, so a long log is walked in
/// constant memory.
const VERIFY_PAGE_SIZE: i64 = 500;

/// The longest text stored in one field. User agents are attacker-chosen
/// and unbounded; the log should not become a place to park megabytes.
const MAX_FIELD_CHARS: usize = 1024;

/// How an audited action ended. Stored as lowercase text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditResult {
    /// The action was carried out.
    Success,
    /// The action failed, e.g. a wrong password.
    Failure,
    /// Policy refused the action, e.g. an ethical wall.
    Denied,
}

impl AuditResult {
    /// The stored form: `success`, `failure` or `denied`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }
}

/// One event to audit: who did what to which object, from where, and how it
/// ended. Build it with [`AuditEntry::new`] and the chained setters:
///
/// ```text
/// AuditEntry::new("matter.viewed", AuditResult::Success)
///     .actor(user_id)
///     .object("matter", matter_id)
///     .client(ip, user_agent)
///     .detail("opened the documents tab");
/// ```
///
/// **Never put secrets in any field**, `detail` least of all: no passwords,
/// tokens, TOTP codes, keys, message bodies or document contents. The log is
/// kept for years, exported for subject-access requests and cannot be edited
/// afterwards without breaking the chain.
///
/// Text fields are cut to 1,024 characters and NUL characters
/// are replaced (PostgreSQL text cannot hold them), so what is hashed is
/// exactly what is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    action: String,
    result: AuditResult,
    actor_user_id: Option<String>,
    object_kind: Option<String>,
    object_id: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    detail: Option<String>,
}

impl AuditEntry {
    /// An event with no actor, object or client yet. `action` is a dotted
    /// name such as `auth.sign_in` or `document.downloaded`.
    pub fn new(action: impl Into<String>, result: AuditResult) -> Self {
        Self {
            action: clean(action.into()),
            result,
            actor_user_id: None,
            object_kind: None,
            object_id: None,
            ip: None,
            user_agent: None,
            detail: None,
        }
    }

    /// An event done by the signed-in `principal`, from `client`: the
    /// usual entry of a service.
    pub fn by(
        principal: &Principal,
        client: &ClientInfo,
        action: impl Into<String>,
        result: AuditResult,
    ) -> Self {
        Self::from_client(client, action, result).actor(principal.user_id.as_str())
    }

    /// An event from `client` before anyone is known (signing in, an
    /// invitation link, a reset request).
    pub fn from_client(
        client: &ClientInfo,
        action: impl Into<String>,
        result: AuditResult,
    ) -> Self {
        Self::new(action, result).client(client.ip, client.user_agent.as_deref())
    }

    /// The object acted on, named by its typed id.
    #[must_use]
    pub fn on<I: ObjectId>(self, id: &I) -> Self {
        self.object(I::KIND, id.as_str())
    }

    /// The user who acted (their user id).
    #[must_use]
    pub fn actor(mut self, user_id: impl Into<String>) -> Self {
        self.actor_user_id = Some(clean(user_id.into()));
        self
    }

    /// The object acted on: its kind (`matter`, `document`, `user`…) and id.
    #[must_use]
    pub fn object(mut self, kind: impl Into<String>, id: impl Into<String>) -> Self {
        self.object_kind = Some(clean(kind.into()));
        self.object_id = Some(clean(id.into()));
        self
    }

    /// Where the request came from: the client IP (after trusted proxy
    /// headers are applied) and the `User-Agent` header, if any.
    #[must_use]
    pub fn client(mut self, ip: Option<IpAddr>, user_agent: Option<&str>) -> Self {
        self.ip = ip.map(|ip| ip.to_string());
        self.user_agent = user_agent.map(|ua| clean(ua.to_owned()));
        self
    }

    /// A short note for a human reader, e.g. "wrong TOTP code". No secrets
    /// (see the type's documentation).
    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(clean(detail.into()));
        self
    }
}

/// Makes text storable on both backends and bounded in size.
fn clean(text: String) -> String {
    if text.contains('\0') || text.chars().nth(MAX_FIELD_CHARS).is_some() {
        text.chars()
            .take(MAX_FIELD_CHARS)
            .map(|c| if c == '\0' { '\u{fffd}' } else { c })
            .collect()
    } else {
        text
    }
}

/// The fields of a row that the hash covers, borrowed from wherever the row
/// lives (a new entry, or a row read back by [`verify`]).
#[derive(Clone, Copy, Debug)]
struct Link<'a> {
    seq: i64,
    id: &'a str,
    occurred_at: i64,
    actor_user_id: Option<&'a str>,
    action: &'a str,
    object_kind: Option<&'a str>,
    object_id: Option<&'a str>,
    result: &'a str,
    ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    detail: Option<&'a str>,
}

/// The canonical encoding of a row: the version tag, then every field in a
/// fixed order. Text is length-prefixed (u64, big-endian) so no two rows
/// share an encoding by moving bytes between neighbouring fields, and an
/// optional field is preceded by 0 (absent) or 1 (present), so an empty text
/// differs from a missing one. Integers are 8 bytes, big-endian.
fn canonical(row: &Link<'_>) -> Vec<u8> {
    fn text(out: &mut Vec<u8>, value: &[u8]) {
        // usize always fits in u64 on the platforms we build for.
        out.extend_from_slice(&(value.len() as u64).to_be_bytes());
        out.extend_from_slice(value);
    }
    fn optional(out: &mut Vec<u8>, value: Option<&str>) {
        match value {
            None => out.push(0),
            Some(value) => {
                out.push(1);
                text(out, value.as_bytes());
            }
        }
    }

    let mut out = Vec::with_capacity(256);
    text(&mut out, CANONICAL_VERSION);
    out.extend_from_slice(&row.seq.to_be_bytes());
    text(&mut out, row.id.as_bytes());
    out.extend_from_slice(&row.occurred_at.to_be_bytes());
    optional(&mut out, row.actor_user_id);
    text(&mut out, row.action.as_bytes());
    optional(&mut out, row.object_kind);
    optional(&mut out, row.object_id);
    text(&mut out, row.result.as_bytes());
    optional(&mut out, row.ip);
    optional(&mut out, row.user_agent);
    optional(&mut out, row.detail);
    out
}

/// `SHA-256(prev_hash ‖ canonical(row))`. `prev_hash` is always 32 bytes
/// when written by us, so the boundary between the two parts is fixed.
fn chain_hash(prev_hash: &[u8], row: &Link<'_>) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update(canonical(row));
    hasher.finalize().to_vec()
}

/// Appends `entry` to the chain inside the caller's write transaction, so the
/// action and its audit row commit (or roll back) together.
///
/// Two writers must never link to the same head, or the chain forks. On
/// PostgreSQL a transaction-scoped advisory lock serialises appends until
/// the caller commits; on SQLite the writer gate of [`Db::begin_write`]
/// already does. Either way, append late in a transaction: other appends
/// wait for it to finish.
///
/// The new row links to `audit_head` rather than to the last row found in
/// `audit_log`: if rows at the end were deleted, the next row then leaves a
/// visible gap instead of quietly continuing the shortened chain.
pub async fn append(tx: &mut WriteTx, entry: &AuditEntry) -> anyhow::Result<()> {
    let conn = tx.conn();
    if conn.backend_name() == sqlx::Postgres::NAME {
        sqlx::query("select pg_advisory_xact_lock($1)")
            .bind(CHAIN_LOCK_KEY)
            .execute(&mut *conn)
            .await
            .context("taking the audit chain lock")?;
    }
    // Read after taking the lock: under read committed, this statement sees
    // the head as the previous append committed it.
    let (head_seq, head_hash): (i64, Vec<u8>) =
        sqlx::query_as("select seq, row_hash from audit_head where id = 1")
            .fetch_optional(&mut *conn)
            .await
            .context("reading the audit chain head")?
            .context("the audit_head row is missing; run `vellum audit verify`")?;

    let id = new_id();
    let link = Link {
        seq: head_seq + 1,
        id: &id,
        occurred_at: now_ms(),
        actor_user_id: entry.actor_user_id.as_deref(),
        action: &entry.action,
        object_kind: entry.object_kind.as_deref(),
        object_id: entry.object_id.as_deref(),
        result: entry.result.as_str(),
        ip: entry.ip.as_deref(),
        user_agent: entry.user_agent.as_deref(),
        detail: entry.detail.as_deref(),
    };
    let row_hash = chain_hash(&head_hash, &link);

    sqlx::query(
        "insert into audit_log (seq, id, occurred_at, actor_user_id, action, object_kind,
                                object_id, result, ip, user_agent, detail, prev_hash, row_hash)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(link.seq)
    .bind(link.id)
    .bind(link.occurred_at)
    .bind(link.actor_user_id)
    .bind(link.action)
    .bind(link.object_kind)
    .bind(link.object_id)
    .bind(link.result)
    .bind(link.ip)
    .bind(link.user_agent)
    .bind(link.detail)
    .bind(head_hash)
    .bind(row_hash.clone())
    .execute(&mut *conn)
    .await
    .with_context(|| format!("inserting audit row {} ({})", link.seq, entry.action))?;

    sqlx::query("update audit_head set seq = $1, row_hash = $2 where id = 1")
        .bind(link.seq)
        .bind(row_hash)
        .execute(&mut *conn)
        .await
        .context("moving the audit chain head")?;
    Ok(())
}

/// Appends `entry` in a write transaction of its own. For events with no
/// other write to commit alongside, such as a failed sign-in.
pub async fn record(db: &Db, entry: &AuditEntry) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    append(&mut tx, entry).await?;
    tx.commit().await.context("committing an audit row")
}

/// Why the chain is broken at a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakReason {
    /// The row's fields no longer match its hash: it was edited.
    Edited,
    /// The row does not link to the one before it (wrong `prev_hash` or a
    /// gap in `seq`): a row before it was deleted, or rows were reordered.
    Unlinked,
    /// The chain does not end where `audit_head` says: rows at the end were
    /// deleted or replaced, or the head record itself was altered.
    HeadMismatch,
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Edited => "the row was edited after it was written (its hash no longer matches)",
            Self::Unlinked => {
                "a row before it was deleted or rows were reordered \
                 (it does not link to the previous row)"
            }
            Self::HeadMismatch => {
                "rows at the end were deleted (the chain stops short of the \
                 recorded head, or the head record was altered)"
            }
        })
    }
}

/// The outcome of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyReport {
    /// Every row checks out and the chain ends at the recorded head.
    Intact {
        /// How many rows were verified.
        rows: u64,
    },
    /// The first row at which the chain is broken. Rows before it verify.
    Broken {
        /// The position of the bad row; for deleted rows at the end, the
        /// first missing position.
        seq: i64,
        /// The bad row's id, or `None` when the row is missing.
        id: Option<String>,
        /// What is wrong.
        reason: BreakReason,
    },
}

impl VerifyReport {
    /// True when the chain is intact: the CLI's exit status.
    pub fn is_intact(&self) -> bool {
        matches!(self, Self::Intact { .. })
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Intact { rows } => write!(
                f,
                "audit log intact: {rows} rows verified, each linked to the one before it"
            ),
            Self::Broken { seq, id, reason } => {
                write!(f, "audit log BROKEN at seq {seq}")?;
                if let Some(id) = id {
                    write!(f, " (row id {id})")?;
                }
                write!(
                    f,
                    ": {reason}.\nRows before seq {seq} verify. Keep this database as \
                     evidence, compare audit_log with a backup taken before the break, \
                     and review who had write access to the database."
                )
            }
        }
    }
}

/// A stored audit row, as [`verify`] reads it.
#[derive(Debug, sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    id: String,
    occurred_at: i64,
    actor_user_id: Option<String>,
    action: String,
    object_kind: Option<String>,
    object_id: Option<String>,
    result: String,
    ip: Option<String>,
    user_agent: Option<String>,
    detail: Option<String>,
    prev_hash: Vec<u8>,
    row_hash: Vec<u8>,
}

impl AuditRow {
    fn link(&self) -> Link<'_> {
        Link {
            seq: self.seq,
            id: &self.id,
            occurred_at: self.occurred_at,
            actor_user_id: self.actor_user_id.as_deref(),
            action: &self.action,
            object_kind: self.object_kind.as_deref(),
            object_id: self.object_id.as_deref(),
            result: &self.result,
            ip: self.ip.as_deref(),
            user_agent: self.user_agent.as_deref(),
            detail: self.detail.as_deref(),
        }
    }
}

/// Walks the whole chain in `seq` order, a page at a time, recomputing every
/// hash, and reports the first bad row.
///
/// The head is read first and the walk stops there, so rows appended while
/// verify runs are left for the next run instead of looking like tampering.
/// A row is checked for its link to the previous row before its own hash,
/// so a deletion is reported at the row after the gap, not as an edit.
pub async fn verify(db: &Db) -> anyhow::Result<VerifyReport> {
    let head: Option<(i64, Vec<u8>)> =
        sqlx::query_as("select seq, row_hash from audit_head where id = 1")
            .fetch_optional(db.pool())
            .await
            .context("reading the audit chain head")?;
    // Without a head record, walk everything; the end check then fails.
    let end = head.as_ref().map_or(i64::MAX, |(seq, _)| *seq);

    let mut prev_seq = 0_i64;
    let mut prev_hash = GENESIS_HASH.to_vec();
    let mut last_id = None;
    let mut rows = 0_u64;
    loop {
        let page: Vec<AuditRow> = sqlx::query_as(
            "select seq, id, occurred_at, actor_user_id, action, object_kind, object_id,
                    result, ip, user_agent, detail, prev_hash, row_hash
             from audit_log
             where seq > $1 and seq <= $2
             order by seq
             limit $3",
        )
        .bind(prev_seq)
        .bind(end)
        .bind(VERIFY_PAGE_SIZE)
        .fetch_all(db.pool())
        .await
        .with_context(|| format!("reading audit rows after seq {prev_seq}"))?;
        if page.is_empty() {
            break;
        }
        for row in page {
            let reason = if row.seq != prev_seq + 1 || row.prev_hash != prev_hash {
                Some(BreakReason::Unlinked)
            } else if chain_hash(&row.prev_hash, &row.link()) != row.row_hash {
                Some(BreakReason::Edited)
            } else {
                None
            };
            if let Some(reason) = reason {
                return Ok(VerifyReport::Broken {
                    seq: row.seq,
                    id: Some(row.id),
                    reason,
                });
            }
            prev_seq = row.seq;
            prev_hash = row.row_hash;
            last_id = Some(row.id);
            rows += 1;
        }
    }

    Ok(match head {
        Some((seq, hash)) if seq == prev_seq && hash == prev_hash => VerifyReport::Intact { rows },
        // The last row is present and sound, but is not the one the head
        // recorded: it was replaced, or the head was edited.
        Some((seq, _)) if seq == prev_seq => VerifyReport::Broken {
            seq,
            id: last_id,
            reason: BreakReason::HeadMismatch,
        },
        _ => VerifyReport::Broken {
            seq: prev_seq + 1,
            id: None,
            reason: BreakReason::HeadMismatch,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Link<'static> {
        Link {
            seq: 7,
            id: "0190a5c2-7b1e-7c3d-9f00-123456789abc",
            occurred_at: 1_760_000_000_000,
            actor_user_id: Some("0190a5c2-0000-7000-8000-000000000001"),
            action: "auth.sign_in",
            object_kind: Some("user"),
            object_id: Some("0190a5c2-0000-7000-8000-000000000001"),
            result: "success",
            ip: Some("203.0.113.9"),
            user_agent: Some("Mozilla/5.0"),
            detail: Some("with TOTP"),
        }
    }

    #[test]
    fn changing_any_field_changes_the_hash() {
        let base = sample();
        let variants = [
            Link { seq: 8, ..base },
            Link {
                id: "0190a5c2-7b1e-7c3d-9f00-123456789abd",
                ..base
            },
            Link {
                occurred_at: base.occurred_at + 1,
                ..base
            },
            Link {
                actor_user_id: None,
                ..base
            },
            Link {
                action: "auth.sign_out",
                ..base
            },
            Link {
                object_kind: Some("matter"),
                ..base
            },
            Link {
                object_id: None,
                ..base
            },
            Link {
                result: "failure",
                ..base
            },
            Link {
                ip: Some("203.0.113.10"),
                ..base
            },
            Link {
                user_agent: Some("curl/8"),
                ..base
            },
            Link {
                detail: Some("without TOTP"),
                ..base
            },
        ];
        let mut hashes = vec![chain_hash(&GENESIS_HASH, &base)];
        hashes.extend(variants.iter().map(|v| chain_hash(&GENESIS_HASH, v)));
        for (i, a) in hashes.iter().enumerate() {
            for b in &hashes[i + 1..] {
                assert_ne!(a, b, "two different rows hashed alike");
            }
        }
    }

    #[test]
    fn moving_bytes_between_neighbouring_fields_changes_the_encoding() {
        let base = sample();
        let split_one_way = Link {
            object_kind: Some("matt"),
            object_id: Some("er1"),
            ..base
        };
        let split_the_other = Link {
            object_kind: Some("matter"),
            object_id: Some("1"),
            ..base
        };
        assert_ne!(canonical(&split_one_way), canonical(&split_the_other));
    }

    #[test]
    fn an_empty_field_is_encoded_differently_from_a_missing_one() {
        let base = sample();
        let empty = Link {
            detail: Some(""),
            ..base
        };
        let missing = Link {
            detail: None,
            ..base
        };
        assert_ne!(canonical(&empty), canonical(&missing));
    }

    #[test]
    fn the_encoding_starts_with_its_version_tag() {
        let encoded = canonical(&sample());
        let tag_len = u64::try_from(CANONICAL_VERSION.len())
            .unwrap()
            .to_be_bytes();
        assert_eq!(&encoded[..8], &tag_len);
        assert_eq!(&encoded[8..8 + CANONICAL_VERSION.len()], CANONICAL_VERSION);
    }

    #[test]
    fn the_hash_depends_on_the_previous_hash() {
        let row = sample();
        assert_ne!(chain_hash(&GENESIS_HASH, &row), chain_hash(&[1; 32], &row));
    }

    /// Pins the v1 encoding: if this changes, every stored chain stops
    /// verifying. A new encoding needs a new version tag instead.
    #[test]
    fn the_v1_hash_of_a_known_row_never_changes() {
        assert_eq!(
            crate::server::crypto::to_hex(&chain_hash(&GENESIS_HASH, &sample())),
            "a818be9623cf35f044e57e396ffcbb94b8fca26df8b394d4ea6377777014d4fc"
        );
    }

    #[test]
    fn the_builder_fills_every_field_and_stores_results_as_lowercase_text() {
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        let entry = AuditEntry::new("matter.viewed", AuditResult::Denied)
            .actor("u1")
            .object("matter", "m1")
            .client(Some(ip), Some("Firefox"))
            .detail("ethical wall");
        assert_eq!(entry.action, "matter.viewed");
        assert_eq!(entry.result.as_str(), "denied");
        assert_eq!(entry.actor_user_id.as_deref(), Some("u1"));
        assert_eq!(entry.object_kind.as_deref(), Some("matter"));
        assert_eq!(entry.object_id.as_deref(), Some("m1"));
        assert_eq!(entry.ip.as_deref(), Some("2001:db8::1"));
        assert_eq!(entry.user_agent.as_deref(), Some("Firefox"));
        assert_eq!(entry.detail.as_deref(), Some("ethical wall"));
    }

    #[test]
    fn overlong_text_is_cut_and_nul_characters_are_replaced() {
        let entry = AuditEntry::new("auth.sign_in", AuditResult::Failure)
            .client(None, Some(&"x".repeat(5000)))
            .detail("a\0b");
        assert_eq!(
            entry.user_agent.map(|ua| ua.chars().count()),
            Some(MAX_FIELD_CHARS)
        );
        assert_eq!(entry.detail.as_deref(), Some("a\u{fffd}b"));
    }

    #[test]
    fn a_broken_report_names_the_row_and_what_happened_to_it() {
        let report = VerifyReport::Broken {
            seq: 42,
            id: Some("row-42".to_owned()),
            reason: BreakReason::Edited,
        };
        let message = report.to_string();
        assert!(!report.is_intact());
        assert!(message.contains("seq 42"), "{message}");
        assert!(message.contains("row-42"), "{message}");
        assert!(message.contains("edited"), "{message}");
        assert!(
            VerifyReport::Intact { rows: 3 }
                .to_string()
                .contains("3 rows")
        );
    }
}

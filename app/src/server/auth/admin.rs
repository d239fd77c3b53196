//! Creating an administrator from the command line (`vellum create-admin`):
//! the way into a new installation, with a random password shown once. Like
//! every firm user, the administrator sets up two-step verification at the
//! first sign-in, before anything else works.

use anyhow::Context as _;
use secrecy::SecretString;

use super::{password::random_password, signin};
use crate::{
    domain::user::{EmailAddress, validate_name},
    server::{
        AppState,
        audit::{self, AuditEntry, AuditResult},
        new_id, now_ms,
    },
};

/// What `vellum create-admin` prints once.
pub struct CreatedAdmin {
    /// The normalised email.
    pub email: String,
    /// The initial password.
    pub password: String,
}

/// Creates an administrator with a random password.
pub async fn create_admin(
    state: &AppState,
    email: &str,
    name: &str,
) -> anyhow::Result<CreatedAdmin> {
    let email = EmailAddress::parse(email)
        .map_err(|_| anyhow::anyhow!("--email: \"{email}\" is not an email address"))?
        .as_str()
        .to_owned();
    let name = validate_name(name)
        .map_err(|_| anyhow::anyhow!("--name: give a name of 1 to 100 characters"))?;
    let id = new_id();
    let mut tx = state.db.begin_write().await?;
    let inserted = sqlx::query(
        "insert into users (id, email, display_name, role, created_at) values ($1, $2, $3, 'admin', $4)
         on conflict (email) do nothing",
    )
    .bind(id.clone())
    .bind(email.clone())
    .bind(name.to_owned())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("creating the administrator")?;
    if inserted.rows_affected() == 0 {
        anyhow::bail!("--email: a user with the email {email} already exists");
    }
    audit::append(
        &mut tx,
        &AuditEntry::new("user.created", AuditResult::Success)
            .object("user", id.clone())
            .detail("administrator created from the command line"),
    )
    .await?;
    tx.commit().await.context("committing the administrator")?;

    let password = random_password()?;
    signin::set_password(state, &id, SecretString::from(password.clone())).await?;
    Ok(CreatedAdmin { email, password })
}

//! Creating an administrator from the command line (`vellum create-admin`):
//! the way into a new installation, with a random password, a TOTP seed
//! and recovery codes shown once.

use anyhow::Context as _;
use secrecy::SecretString;

use super::{password::random_password, signin, totp};
use crate::server::{
    AppState,
    audit::{self, AuditEntry, AuditResult},
    new_id, now_ms,
};

/// What `vellum create-admin` prints once.
pub struct CreatedAdmin {
    /// The normalised email.
    pub email: String,
    /// The initial password.
    pub password: String,
    /// The TOTP seed in base32.
    pub totp_base32: String,
    /// One-time recovery codes.
    pub recovery_codes: Vec<String>,
}

/// Creates an administrator with a random password and TOTP seed.
pub async fn create_admin(
    state: &AppState,
    email: &str,
    name: &str,
) -> anyhow::Result<CreatedAdmin> {
    let email = crate::domain::auth::normalise_email(email);
    let plausible = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if !plausible {
        anyhow::bail!("--email: \"{email}\" is not an email address");
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        anyhow::bail!("--name: give a name of 1 to 100 characters");
    }
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
    let seed = totp::generate_seed();
    let recovery_codes = signin::set_totp_seed(state, &id, &seed).await?;
    Ok(CreatedAdmin {
        email,
        password,
        totp_base32: totp::seed_to_base32(&seed),
        recovery_codes,
    })
}

//! Typed configuration, from a TOML file plus `VELLUM_*` environment variables,
//! validated at start-up. Each problem names the setting it is about.
//!
//! Precedence, highest first: command-line flags, environment variables, the
//! TOML file, built-in defaults.

use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use app::{
    domain::auth::SessionLimits,
    server::{auth::password::Argon2Config, db::Backend},
};
use secrecy::SecretString;
use serde::Deserialize;

/// The default address: loopback only, so a fresh install is not exposed.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
/// The default limit on request bodies. Document uploads get their own,
/// larger limit on their own routes.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 2 * 1024 * 1024;
/// The default largest document upload: 2 GiB (DESIGN §2.4).
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The default lifetime of a calendar feed link: about six months, after
/// which its user asks for a new one (issue 9).
pub const DEFAULT_CALENDAR_FEED_DAYS: u32 = 180;

/// A configuration problem, naming the setting.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {setting}: {message}")]
pub struct ConfigError {
    /// The setting, as written in the file and the environment.
    pub setting: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl ConfigError {
    fn new(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            message: message.into(),
        }
    }
}

/// The settings as written in the TOML file. Unknown keys are errors, so a
/// misspelt setting is never silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    listen: Option<String>,
    max_body_bytes: Option<u64>,
    max_upload_bytes: Option<u64>,
    log_format: Option<String>,
    keyring: Option<PathBuf>,
    argon2_memory_kib: Option<u64>,
    argon2_iterations: Option<u64>,
    argon2_parallelism: Option<u64>,
    session_idle_secs: Option<u64>,
    session_absolute_secs: Option<u64>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    behind_proxy: Option<bool>,
    public_url: Option<String>,
    message_sla_minutes: Option<u64>,
    notify_batch_minutes: Option<u64>,
    calendar_feed_days: Option<u64>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
}

/// Values given on the command line.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--config FILE`.
    pub config_file: Option<PathBuf>,
    /// `--data-dir D`.
    pub data_dir: Option<PathBuf>,
    /// `--listen ADDR`.
    pub listen: Option<String>,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A database URL. Its `Debug` and `Display` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL itself, to connect with. Never log this.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The backend the URL names.
    pub fn backend(&self) -> Backend {
        Backend::from_url(&self.0).unwrap_or(Backend::Sqlite)
    }

    fn redacted(&self) -> String {
        // scheme://user:password@host → scheme://user:***@host
        if let Some((scheme, rest)) = self.0.split_once("://")
            && let Some((userinfo, host)) = rest.split_once('@')
            && let Some((user, _password)) = userinfo.split_once(':')
        {
            return format!("{scheme}://{user}:***@{host}");
        }
        self.0.clone()
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// The validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the SQLite file, blobs and keys live.
    pub data_dir: PathBuf,
    /// The database to use.
    pub database_url: DatabaseUrl,
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The largest document upload accepted, in bytes. Upload routes are
    /// exempt from `max_body_bytes` and stream against this instead.
    pub max_upload_bytes: u64,
    /// How logs are written.
    pub log_format: LogFormat,
    /// Where the master keyring comes from.
    pub keyring: KeyringSource,
    /// Argon2id cost.
    pub argon2: Argon2Config,
    /// Session idle and absolute timeouts.
    pub session_limits: SessionLimits,
    /// The certificate and key to serve HTTPS with, if configured.
    pub tls: Option<TlsFiles>,
    /// True when a reverse proxy in front terminates TLS and sets
    /// `X-Forwarded-For`; then plain HTTP is allowed on any address.
    pub behind_proxy: bool,
    /// Where people reach the portal, for links in emails (no trailing
    /// slash). Defaults to the listen address.
    pub public_url: String,
    /// How long a client's message may wait for the firm's answer before
    /// the thread is in breach and a follow-up task is created.
    pub message_sla_minutes: u32,
    /// At most one new-message email per thread and person in this many
    /// minutes, so a quick exchange does not flood an inbox.
    pub notify_batch_minutes: u32,
    /// How many days a calendar feed link works before its user must ask
    /// for a new one, so a link that leaked does not work for ever.
    pub calendar_feed_days: u32,
    /// Where the outbox is delivered. Without it, mail stays in the outbox.
    pub smtp: Option<SmtpSettings>,
}

/// The mail server the outbox is delivered through.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    /// `smtps://user:pass@host:465` or `smtp://user:pass@host:587?tls=required`
    /// (plain `smtp://` only to a server on loopback). Holds the password:
    /// its `Debug` is redacted, and it is never logged.
    pub url: SecretString,
    /// The sender, e.g. `Harbour Law <portal@harbour.example>`.
    pub from: lettre::message::Mailbox,
}

/// PEM files for rustls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

impl Config {
    /// True when browsers reach us over HTTPS: our own TLS, or a proxy's.
    /// Then cookies are `Secure` with the `__Host-` prefix and HSTS is sent.
    pub fn https(&self) -> bool {
        self.tls.is_some() || self.behind_proxy
    }
}

/// Where the master keyring (the key-encryption keys) comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum KeyringSource {
    /// A keyring file, created on first run.
    File(PathBuf),
    /// The keyring's text, from `VELLUM_MASTER_KEY`. Never printed.
    Inline(String),
}

impl fmt::Debug for KeyringSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "File({})", path.display()),
            Self::Inline(_) => f.write_str("Inline(***)"),
        }
    }
}

impl Config {
    /// Loads and validates the configuration. `env` reads an environment
    /// variable; tests pass their own.
    pub fn load(
        overrides: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let config_file = overrides
            .config_file
            .clone()
            .or_else(|| env("VELLUM_CONFIG").map(PathBuf::from));
        let file = match &config_file {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };

        let data_dir = overrides
            .data_dir
            .clone()
            .or_else(|| env("VELLUM_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        if data_dir.as_os_str().is_empty() {
            return Err(ConfigError::new(
                "data_dir (VELLUM_DATA_DIR)",
                "is empty; give a folder path",
            ));
        }

        let database_url = env("VELLUM_DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("vellum.db").display()));
        if let Err(problem) = Backend::from_url(&database_url) {
            return Err(ConfigError::new(
                "database_url (VELLUM_DATABASE_URL)",
                problem,
            ));
        }

        let listen_raw = overrides
            .listen
            .clone()
            .or_else(|| env("VELLUM_LISTEN"))
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen = listen_raw.parse::<SocketAddr>().map_err(|_| {
            ConfigError::new(
                "listen (VELLUM_LISTEN)",
                format!("\"{listen_raw}\" is not an address:port such as {DEFAULT_LISTEN}"),
            )
        })?;

        let max_body_bytes = match env("VELLUM_MAX_BODY_BYTES") {
            Some(raw) => raw.parse::<u64>().map_err(|_| {
                ConfigError::new(
                    "max_body_bytes (VELLUM_MAX_BODY_BYTES)",
                    format!("\"{raw}\" is not a whole number of bytes"),
                )
            })?,
            None => file.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
        };
        let max_body_bytes = usize::try_from(max_body_bytes)
            .ok()
            .filter(|&n| n >= 1024)
            .ok_or_else(|| {
                ConfigError::new(
                    "max_body_bytes (VELLUM_MAX_BODY_BYTES)",
                    "must be at least 1024 bytes",
                )
            })?;

        let max_upload_bytes = number(
            &env,
            "max_upload_bytes (VELLUM_MAX_UPLOAD_BYTES)",
            "VELLUM_MAX_UPLOAD_BYTES",
            file.max_upload_bytes,
            DEFAULT_MAX_UPLOAD_BYTES,
        )?;
        if max_upload_bytes == 0 {
            return Err(ConfigError::new(
                "max_upload_bytes (VELLUM_MAX_UPLOAD_BYTES)",
                "must be at least 1 byte",
            ));
        }

        let log_format = match env("VELLUM_LOG_FORMAT")
            .or(file.log_format)
            .as_deref()
            .unwrap_or("pretty")
        {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new(
                    "log_format (VELLUM_LOG_FORMAT)",
                    format!("\"{other}\" is not one of: pretty, json"),
                ));
            }
        };

        let keyring = match env("VELLUM_MASTER_KEY") {
            Some(text) => KeyringSource::Inline(text),
            None => KeyringSource::File(
                env("VELLUM_KEYRING")
                    .map(PathBuf::from)
                    .or(file.keyring)
                    .unwrap_or_else(|| data_dir.join("keys").join("master.key")),
            ),
        };

        let defaults = Argon2Config::default();
        let argon2 = Argon2Config {
            memory_kib: number(
                &env,
                "argon2_memory_kib (VELLUM_ARGON2_MEMORY_KIB)",
                "VELLUM_ARGON2_MEMORY_KIB",
                file.argon2_memory_kib,
                defaults.memory_kib,
            )?,
            iterations: number(
                &env,
                "argon2_iterations (VELLUM_ARGON2_ITERATIONS)",
                "VELLUM_ARGON2_ITERATIONS",
                file.argon2_iterations,
                defaults.iterations,
            )?,
            parallelism: number(
                &env,
                "argon2_parallelism (VELLUM_ARGON2_PARALLELISM)",
                "VELLUM_ARGON2_PARALLELISM",
                file.argon2_parallelism,
                defaults.parallelism,
            )?,
            max_concurrent: defaults.max_concurrent,
        };
        if argon2.memory_kib < 19 * 1024 || argon2.iterations < 2 || argon2.parallelism < 1 {
            return Err(ConfigError::new(
                "argon2_memory_kib / argon2_iterations / argon2_parallelism",
                "must be at least m=19456 KiB, t=2, p=1 (OWASP's minimum for argon2id)",
            ));
        }

        let session_defaults = SessionLimits::default();
        let idle_secs: u32 = number(
            &env,
            "session_idle_secs (VELLUM_SESSION_IDLE_SECS)",
            "VELLUM_SESSION_IDLE_SECS",
            file.session_idle_secs,
            u32::try_from(session_defaults.idle_ms / 1000).unwrap_or(1800),
        )?;
        let absolute_secs: u32 = number(
            &env,
            "session_absolute_secs (VELLUM_SESSION_ABSOLUTE_SECS)",
            "VELLUM_SESSION_ABSOLUTE_SECS",
            file.session_absolute_secs,
            u32::try_from(session_defaults.absolute_ms / 1000).unwrap_or(43_200),
        )?;
        if idle_secs == 0 || absolute_secs < idle_secs {
            return Err(ConfigError::new(
                "session_idle_secs / session_absolute_secs",
                "the idle timeout must be positive and no longer than the absolute timeout",
            ));
        }
        let session_limits = SessionLimits {
            idle_ms: i64::from(idle_secs) * 1000,
            absolute_ms: i64::from(absolute_secs) * 1000,
        };

        let tls_cert = env("VELLUM_TLS_CERT").map(PathBuf::from).or(file.tls_cert);
        let tls_key = env("VELLUM_TLS_KEY").map(PathBuf::from).or(file.tls_key);
        let tls = match (tls_cert, tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => {
                return Err(ConfigError::new(
                    "tls_cert / tls_key (VELLUM_TLS_CERT / VELLUM_TLS_KEY)",
                    "give both the certificate and the key, or neither",
                ));
            }
        };
        let behind_proxy = match env("VELLUM_BEHIND_PROXY").as_deref() {
            Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => {
                return Err(ConfigError::new(
                    "behind_proxy (VELLUM_BEHIND_PROXY)",
                    format!("\"{other}\" is not true or false"),
                ));
            }
            None => file.behind_proxy.unwrap_or(false),
        };
        if tls.is_none() && !behind_proxy && !listen.ip().is_loopback() {
            return Err(ConfigError::new(
                "listen (VELLUM_LISTEN)",
                format!(
                    "plain HTTP on {listen} would expose sign-ins to the network; \
                     configure tls_cert and tls_key, listen on loopback, \
                     or set behind_proxy = true when a TLS proxy is in front"
                ),
            ));
        }

        let public_url = match env("VELLUM_PUBLIC_URL").or(file.public_url) {
            Some(url) => {
                let url = url.trim().trim_end_matches('/').to_owned();
                let plausible = (url.starts_with("https://") || url.starts_with("http://"))
                    && url.len() > "https://".len()
                    && !url.contains(char::is_whitespace);
                if !plausible {
                    return Err(ConfigError::new(
                        "public_url (VELLUM_PUBLIC_URL)",
                        format!("\"{url}\" is not an http:// or https:// address"),
                    ));
                }
                url
            }
            None => format!(
                "{}://{listen}",
                if tls.is_some() { "https" } else { "http" }
            ),
        };

        let message_sla_minutes: u32 = number(
            &env,
            "message_sla_minutes (VELLUM_MESSAGE_SLA_MINUTES)",
            "VELLUM_MESSAGE_SLA_MINUTES",
            file.message_sla_minutes,
            240,
        )?;
        let notify_batch_minutes: u32 = number(
            &env,
            "notify_batch_minutes (VELLUM_NOTIFY_BATCH_MINUTES)",
            "VELLUM_NOTIFY_BATCH_MINUTES",
            file.notify_batch_minutes,
            15,
        )?;
        // A month bounds both, so a typo cannot silence escalations for years.
        if !(1..=43_200).contains(&message_sla_minutes) || notify_batch_minutes > 43_200 {
            return Err(ConfigError::new(
                "message_sla_minutes / notify_batch_minutes",
                "the response-time target must be 1 to 43200 minutes and the email batch window at most 43200",
            ));
        }

        let calendar_feed_days: u32 = number(
            &env,
            "calendar_feed_days (VELLUM_CALENDAR_FEED_DAYS)",
            "VELLUM_CALENDAR_FEED_DAYS",
            file.calendar_feed_days,
            DEFAULT_CALENDAR_FEED_DAYS,
        )?;
        // Ten years bounds it, so a typo cannot make links that never end.
        if !(1..=3650).contains(&calendar_feed_days) {
            return Err(ConfigError::new(
                "calendar_feed_days (VELLUM_CALENDAR_FEED_DAYS)",
                "must be 1 to 3650 days",
            ));
        }

        let smtp = smtp_settings(&env, file.smtp_url, file.mail_from)?;

        Ok(Self {
            data_dir,
            database_url: DatabaseUrl(database_url),
            listen,
            max_body_bytes,
            max_upload_bytes,
            log_format,
            keyring,
            argon2,
            session_limits,
            tls,
            behind_proxy,
            public_url,
            message_sla_minutes,
            notify_batch_minutes,
            calendar_feed_days,
            smtp,
        })
    }

    /// Loads from the process environment.
    pub fn from_env(overrides: &Overrides) -> Result<Self, ConfigError> {
        Self::load(overrides, |key| std::env::var(key).ok())
    }

    /// Creates the data dir if needed, readable by its owner only (0700;
    /// a looser existing one is tightened), and proves it can be written.
    pub fn prepare_data_dir(&self) -> Result<(), ConfigError> {
        let fail = |what: &str, err: std::io::Error| {
            ConfigError::new(
                "data_dir (VELLUM_DATA_DIR)",
                format!("{} {what}: {err}", self.data_dir.display()),
            )
        };
        app::server::file_modes::private_dir(&self.data_dir)
            .map_err(|e| ConfigError::new("data_dir (VELLUM_DATA_DIR)", e.to_string()))?;
        let probe = self.data_dir.join(".vellum-write-test");
        std::fs::write(&probe, b"ok").map_err(|e| fail("cannot be written", e))?;
        std::fs::remove_file(&probe).map_err(|e| fail("cannot be written", e))?;
        Ok(())
    }

    /// Binds the listening socket, naming the setting when the port is taken.
    pub async fn bind(&self) -> Result<tokio::net::TcpListener, ConfigError> {
        tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|err| {
                let message = if err.kind() == std::io::ErrorKind::AddrInUse {
                    format!(
                        "{} is already in use; stop the other program or choose another port",
                        self.listen
                    )
                } else {
                    format!("cannot listen on {}: {err}", self.listen)
                };
                ConfigError::new("listen (VELLUM_LISTEN)", message)
            })
    }
}

/// A whole-number setting from the environment, else the file, else a default.
fn number<T: TryFrom<u64>>(
    env: &impl Fn(&str) -> Option<String>,
    setting: &'static str,
    variable: &str,
    from_file: Option<u64>,
    default: T,
) -> Result<T, ConfigError> {
    let raw = match env(variable) {
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| ConfigError::new(setting, format!("\"{text}\" is not a whole number")))?,
        None => match from_file {
            Some(value) => value,
            None => return Ok(default),
        },
    };
    T::try_from(raw).map_err(|_| ConfigError::new(setting, format!("{raw} is too large")))
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        ConfigError::new(
            "config file (--config, VELLUM_CONFIG)",
            format!("cannot read {}: {err}", path.display()),
        )
    })?;
    toml::from_str(&text).map_err(|err| {
        ConfigError::new(
            "config file (--config, VELLUM_CONFIG)",
            format!("{} is not valid: {}", path.display(), err.message()),
        )
    })
}

/// The SMTP settings, checked: a URL lettre understands, mail that never
/// crosses the network unencrypted, and a sender address.
fn smtp_settings(
    env: &impl Fn(&str) -> Option<String>,
    file_url: Option<String>,
    file_from: Option<String>,
) -> Result<Option<SmtpSettings>, ConfigError> {
    const URL: &str = "smtp_url (VELLUM_SMTP_URL)";
    const FROM: &str = "mail_from (VELLUM_MAIL_FROM)";
    let Some(raw) = env("VELLUM_SMTP_URL")
        .or(file_url)
        .filter(|u| !u.trim().is_empty())
    else {
        return Ok(None);
    };
    let raw = raw.trim().to_owned();
    // Error messages never repeat the URL: it may hold a password.
    let url = url::Url::parse(&raw).map_err(|e| {
        ConfigError::new(
            URL,
            format!("not a URL ({e}); expected smtps://host:465 or smtp://host:587?tls=required"),
        )
    })?;
    let tls = url
        .query_pairs()
        .find(|(key, _)| key == "tls")
        .map(|(_, value)| value.into_owned());
    let encrypted = match (url.scheme(), tls.as_deref()) {
        ("smtps", None) | ("smtp", Some("required")) => true,
        ("smtp", None | Some("opportunistic")) => false,
        (scheme, _) => {
            return Err(ConfigError::new(
                URL,
                format!(
                    "unknown scheme \"{scheme}\" or tls value; expected smtps://host:465 or smtp://host:587?tls=required"
                ),
            ));
        }
    };
    let loopback = match url.host() {
        // `smtp` is not a scheme the URL standard knows, so an IP address
        // arrives as a name.
        Some(url::Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !encrypted && !loopback {
        return Err(ConfigError::new(
            URL,
            "mail would cross the network unencrypted (emails carry one-time sign-in links); \
             use smtps://host:465 or smtp://host:587?tls=required",
        ));
    }
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&raw)
        .map_err(|e| ConfigError::new(URL, format!("not usable: {e}")))?;
    let from = env("VELLUM_MAIL_FROM").or(file_from).ok_or_else(|| {
        ConfigError::new(
            FROM,
            "required with smtp_url: the sender, e.g. \"Harbour Law <portal@harbour.example>\"",
        )
    })?;
    let from = from
        .trim()
        .parse()
        .map_err(|e| ConfigError::new(FROM, format!("\"{from}\" is not an email address ({e})")))?;
    Ok(Some(SmtpSettings {
        url: SecretString::from(raw),
        from,
    }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load_with(vars: &[(&str, &str)], overrides: &Overrides) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::load(overrides, |key| vars.get(key).cloned())
    }

    #[test]
    fn defaults_give_sqlite_in_the_data_dir_on_loopback() {
        let config = load_with(&[], &Overrides::default()).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert_eq!(config.database_url.expose(), "sqlite://data/vellum.db");
        assert_eq!(config.listen, DEFAULT_LISTEN.parse().unwrap());
        assert_eq!(config.log_format, LogFormat::Pretty);
    }

    #[test]
    fn an_unknown_database_scheme_names_the_setting() {
        let err = load_with(
            &[("VELLUM_DATABASE_URL", "mysql://db/vellum")],
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.setting, "database_url (VELLUM_DATABASE_URL)");
        assert!(
            err.to_string().contains("unknown scheme \"mysql\""),
            "{err}"
        );
    }

    #[test]
    fn a_malformed_listen_address_names_the_setting() {
        let err = load_with(&[("VELLUM_LISTEN", "localhost")], &Overrides::default()).unwrap_err();
        assert_eq!(err.setting, "listen (VELLUM_LISTEN)");
        assert!(
            err.message.contains("\"localhost\" is not an address:port"),
            "{err}"
        );
    }

    #[test]
    fn command_line_flags_beat_the_environment_which_beats_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vellum.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:4000\"\ndata_dir = \"/srv/file\"\n",
        )
        .unwrap();
        let overrides = Overrides {
            config_file: Some(file),
            data_dir: Some(PathBuf::from("/srv/flag")),
            listen: None,
        };
        let config = load_with(
            &[
                ("VELLUM_DATA_DIR", "/srv/env"),
                ("VELLUM_LISTEN", "127.0.0.1:5000"),
            ],
            &overrides,
        )
        .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/srv/flag"));
        assert_eq!(config.listen, "127.0.0.1:5000".parse().unwrap());
    }

    #[test]
    fn a_misspelt_setting_in_the_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vellum.toml");
        std::fs::write(&file, "databse_url = \"sqlite://x.db\"\n").unwrap();
        let overrides = Overrides {
            config_file: Some(file),
            ..Overrides::default()
        };
        let err = load_with(&[], &overrides).unwrap_err();
        assert_eq!(err.setting, "config file (--config, VELLUM_CONFIG)");
        assert!(err.message.contains("databse_url"), "{err}");
    }

    #[test]
    fn a_missing_config_file_is_an_error_naming_it() {
        let overrides = Overrides {
            config_file: Some(PathBuf::from("/nonexistent/vellum.toml")),
            ..Overrides::default()
        };
        let err = load_with(&[], &overrides).unwrap_err();
        assert!(
            err.message.contains("cannot read /nonexistent/vellum.toml"),
            "{err}"
        );
    }

    #[test]
    fn the_upload_limit_defaults_to_two_gib_and_can_be_set_from_the_environment() {
        let config = load_with(&[], &Overrides::default()).unwrap();
        assert_eq!(config.max_upload_bytes, 2 * 1024 * 1024 * 1024);
        let config = load_with(
            &[("VELLUM_MAX_UPLOAD_BYTES", "1000")],
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(config.max_upload_bytes, 1000);
        let err =
            load_with(&[("VELLUM_MAX_UPLOAD_BYTES", "0")], &Overrides::default()).unwrap_err();
        assert_eq!(err.setting, "max_upload_bytes (VELLUM_MAX_UPLOAD_BYTES)");
        let err =
            load_with(&[("VELLUM_MAX_UPLOAD_BYTES", "big")], &Overrides::default()).unwrap_err();
        assert!(
            err.message.contains("\"big\" is not a whole number"),
            "{err}"
        );
    }

    #[test]
    fn a_tiny_body_limit_is_rejected() {
        let err = load_with(&[("VELLUM_MAX_BODY_BYTES", "10")], &Overrides::default()).unwrap_err();
        assert_eq!(err.setting, "max_body_bytes (VELLUM_MAX_BODY_BYTES)");
        let err =
            load_with(&[("VELLUM_MAX_BODY_BYTES", "lots")], &Overrides::default()).unwrap_err();
        assert!(
            err.message.contains("\"lots\" is not a whole number"),
            "{err}"
        );
    }

    #[test]
    fn argon2_parameters_below_the_owasp_minimum_are_rejected() {
        let err = load_with(
            &[("VELLUM_ARGON2_MEMORY_KIB", "1024")],
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(err.message.contains("m=19456 KiB, t=2, p=1"), "{err}");
        let err = load_with(
            &[("VELLUM_ARGON2_ITERATIONS", "two")],
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.setting, "argon2_iterations (VELLUM_ARGON2_ITERATIONS)");
    }

    #[test]
    fn session_timeouts_come_from_config_and_must_be_consistent() {
        let config = load_with(
            &[
                ("VELLUM_SESSION_IDLE_SECS", "60"),
                ("VELLUM_SESSION_ABSOLUTE_SECS", "120"),
            ],
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(config.session_limits.idle_ms, 60_000);
        assert_eq!(config.session_limits.absolute_ms, 120_000);
        let err = load_with(
            &[
                ("VELLUM_SESSION_IDLE_SECS", "600"),
                ("VELLUM_SESSION_ABSOLUTE_SECS", "60"),
            ],
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.setting, "session_idle_secs / session_absolute_secs");
    }

    #[test]
    fn the_keyring_defaults_to_the_data_dir_and_an_inline_key_is_never_printed() {
        let config = load_with(&[], &Overrides::default()).unwrap();
        assert_eq!(
            config.keyring,
            KeyringSource::File(PathBuf::from("data/keys/master.key"))
        );
        let config = load_with(
            &[("VELLUM_MASTER_KEY", "v1:c2VjcmV0LWtleS1ieXRlcw")],
            &Overrides::default(),
        )
        .unwrap();
        assert!(!format!("{config:?}").contains("c2VjcmV0"));
    }

    #[test]
    fn plain_http_off_loopback_is_refused_unless_behind_a_proxy_or_with_tls() {
        let err =
            load_with(&[("VELLUM_LISTEN", "0.0.0.0:3000")], &Overrides::default()).unwrap_err();
        assert_eq!(err.setting, "listen (VELLUM_LISTEN)");
        assert!(err.message.contains("behind_proxy"), "{err}");
        let proxied = load_with(
            &[
                ("VELLUM_LISTEN", "0.0.0.0:3000"),
                ("VELLUM_BEHIND_PROXY", "true"),
            ],
            &Overrides::default(),
        )
        .unwrap();
        assert!(proxied.https());
        let tls = load_with(
            &[
                ("VELLUM_LISTEN", "0.0.0.0:3443"),
                ("VELLUM_TLS_CERT", "/c.pem"),
                ("VELLUM_TLS_KEY", "/k.pem"),
            ],
            &Overrides::default(),
        )
        .unwrap();
        assert!(tls.https());
        assert!(!load_with(&[], &Overrides::default()).unwrap().https());
    }

    #[test]
    fn the_message_sla_and_email_batch_default_and_can_be_set() {
        let config = load_with(&[], &Overrides::default()).unwrap();
        assert_eq!(
            (config.message_sla_minutes, config.notify_batch_minutes),
            (240, 15)
        );
        let set = load_with(
            &[
                ("VELLUM_MESSAGE_SLA_MINUTES", "60"),
                ("VELLUM_NOTIFY_BATCH_MINUTES", "5"),
            ],
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!((set.message_sla_minutes, set.notify_batch_minutes), (60, 5));
        let err = load_with(
            &[("VELLUM_MESSAGE_SLA_MINUTES", "0")],
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.setting, "message_sla_minutes / notify_batch_minutes");
    }

    #[test]
    fn calendar_feeds_last_180_days_unless_set_and_never_zero_or_for_ever() {
        let config = load_with(&[], &Overrides::default()).unwrap();
        assert_eq!(config.calendar_feed_days, 180);
        let set = load_with(
            &[("VELLUM_CALENDAR_FEED_DAYS", "30")],
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(set.calendar_feed_days, 30);
        for bad in ["0", "3651", "soon"] {
            let err = load_with(&[("VELLUM_CALENDAR_FEED_DAYS", bad)], &Overrides::default())
                .unwrap_err();
            assert_eq!(
                err.setting,
                "calendar_feed_days (VELLUM_CALENDAR_FEED_DAYS)"
            );
        }
    }

    #[test]
    fn the_public_url_defaults_to_the_listen_address_and_is_validated() {
        assert_eq!(
            load_with(&[], &Overrides::default()).unwrap().public_url,
            "http://127.0.0.1:3000"
        );
        let set = load_with(
            &[("VELLUM_PUBLIC_URL", "https://portal.firm.example/")],
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(set.public_url, "https://portal.firm.example");
        let err = load_with(
            &[("VELLUM_PUBLIC_URL", "portal.firm.example")],
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.setting, "public_url (VELLUM_PUBLIC_URL)");
    }

    #[test]
    fn a_certificate_without_a_key_is_rejected() {
        let err = load_with(&[("VELLUM_TLS_CERT", "/c.pem")], &Overrides::default()).unwrap_err();
        assert_eq!(
            err.setting,
            "tls_cert / tls_key (VELLUM_TLS_CERT / VELLUM_TLS_KEY)"
        );
    }

    #[test]
    fn an_unknown_log_format_is_rejected() {
        let err = load_with(&[("VELLUM_LOG_FORMAT", "xml")], &Overrides::default()).unwrap_err();
        assert_eq!(err.setting, "log_format (VELLUM_LOG_FORMAT)");
    }

    #[test]
    fn a_data_dir_that_cannot_be_written_names_the_setting() {
        // Root can write anywhere, so use a path under a regular file, which
        // no user can create a folder in.
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-folder");
        std::fs::write(&blocker, b"x").unwrap();
        let overrides = Overrides {
            data_dir: Some(blocker.join("data")),
            ..Overrides::default()
        };
        let config = load_with(&[], &overrides).unwrap();
        let err = config.prepare_data_dir().unwrap_err();
        assert_eq!(err.setting, "data_dir (VELLUM_DATA_DIR)");
        assert!(err.message.contains("cannot be created"), "{err}");
    }

    #[tokio::test]
    async fn a_port_in_use_names_the_setting() {
        let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = taken.local_addr().unwrap().to_string();
        let config = load_with(&[("VELLUM_LISTEN", &addr)], &Overrides::default()).unwrap();
        let err = config.bind().await.unwrap_err();
        assert_eq!(err.setting, "listen (VELLUM_LISTEN)");
        assert!(err.message.contains("is already in use"), "{err}");
    }

    #[test]
    fn the_database_password_never_appears_when_printed() {
        let config = load_with(
            &[(
                "VELLUM_DATABASE_URL",
                "postgres://vellum:s3cret@db.internal/vellum",
            )],
            &Overrides::default(),
        )
        .unwrap();
        let printed = format!("{config:?} {}", config.database_url);
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(
            printed.contains("postgres://vellum:***@db.internal/vellum"),
            "{printed}"
        );
    }

    #[test]
    fn smtp_is_off_by_default_and_needs_a_sender_when_on() {
        assert!(
            load_with(&[], &Overrides::default())
                .unwrap()
                .smtp
                .is_none()
        );
        let err = load_with(
            &[("VELLUM_SMTP_URL", "smtps://mail.example.com")],
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.setting, "mail_from (VELLUM_MAIL_FROM)");
        let set = load_with(
            &[
                (
                    "VELLUM_SMTP_URL",
                    "smtps://portal:s3cret@mail.example.com:465",
                ),
                ("VELLUM_MAIL_FROM", "Harbour Law <portal@harbour.example>"),
            ],
            &Overrides::default(),
        )
        .unwrap();
        let smtp = set.smtp.expect("smtp configured");
        assert_eq!(smtp.from.email.to_string(), "portal@harbour.example");
        assert!(
            !format!("{set_debug:?}", set_debug = smtp).contains("s3cret"),
            "the password never shows in Debug"
        );
    }

    #[test]
    fn smtp_refuses_unencrypted_mail_across_the_network_but_allows_loopback() {
        let from = ("VELLUM_MAIL_FROM", "portal@harbour.example");
        for url in [
            "smtp://mail.example.com:25",
            "smtp://mail.example.com:587?tls=opportunistic",
        ] {
            let err =
                load_with(&[("VELLUM_SMTP_URL", url), from], &Overrides::default()).unwrap_err();
            assert_eq!(err.setting, "smtp_url (VELLUM_SMTP_URL)");
            assert!(err.message.contains("unencrypted"), "{}", err.message);
        }
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://localhost:25",
            "smtp://mail.example.com:587?tls=required",
        ] {
            assert!(
                load_with(&[("VELLUM_SMTP_URL", url), from], &Overrides::default()).is_ok(),
                "{url}"
            );
        }
        let err = load_with(
            &[
                ("VELLUM_SMTP_URL", "imap://u:hunter2@mail.example.com"),
                from,
            ],
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(
            !err.message.contains("hunter2"),
            "errors never repeat the URL: {}",
            err.message
        );
    }
}

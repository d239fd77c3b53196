//! Typed configuration, from a TOML file plus `VELLUM_*` environment variables,
//! validated at start-up. Each problem names the setting it is about.
//!
//! Precedence, highest first: command-line flags, environment variables, the
//! TOML file, built-in defaults.
//!
//! Every setting is declared once, in the [`settings!`] table below: its file
//! key, its variable, its default (the domain type's, where there is one), how
//! its text is read and which values it accepts. One reader ([`Sources`])
//! applies that to the flags, the environment and the file alike;
//! [`Config::load`] then puts the values together and checks the rules that
//! involve several settings. README's settings table lists the same settings,
//! and a test keeps the two in step.

use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use app::{
    domain::{
        auth::SessionLimits,
        message::{DEFAULT_NOTIFY_BATCH_MINUTES, DEFAULT_SLA_MINUTES, MAX_SLA_MINUTES},
    },
    server::{auth::password::Argon2Config, db::Backend},
};
use secrecy::SecretString;

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

// --- The settings ----------------------------------------------------------

/// Where a setting is read from, and how problems name it.
#[derive(Clone, Copy, Debug)]
struct Name {
    /// The key in the TOML file.
    key: &'static str,
    /// The environment variable.
    var: &'static str,
    /// How problems name the setting: `key (VARIABLE)`.
    label: &'static str,
    /// The command-line flag that beats the variable and the file, if any.
    flag: Option<&'static str>,
    /// The TOML type the file writes it in; `None` for a setting only the
    /// environment may give (a secret, which does not belong in a file).
    file: Option<Toml>,
}

/// The TOML type of a setting in the file. Anything else is refused when
/// the file is read, as a typed file would be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Toml {
    Integer,
    String,
    Boolean,
}

impl Toml {
    fn matches(self, value: &toml::Value) -> bool {
        matches!(
            (self, value),
            (Self::Integer, toml::Value::Integer(_))
                | (Self::String, toml::Value::String(_))
                | (Self::Boolean, toml::Value::Boolean(_))
        )
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Integer => "a whole number",
            Self::String => "text in quotes",
            Self::Boolean => "true or false",
        }
    }
}

/// A setting's value when nothing gives one.
enum Fallback<T: 'static> {
    /// Text, read by the setting's own parser as if the variable gave it.
    Text(&'static str),
    /// A value, taken from the domain type's default where there is one.
    Value(fn() -> T),
    /// None: the setting is optional, or [`Config::load`] works its value out
    /// from others (`database_url` from `data_dir`, `public_url` from
    /// `listen`).
    Unset,
}

use Fallback::{Text, Unset, Value};

/// One setting: its name, its default, how its text is read and which
/// values it accepts. Declared in [`settings!`].
struct Setting<T: 'static> {
    name: Name,
    default: Fallback<T>,
    /// Reads the text from a flag, the variable or the file.
    parse: fn(&str) -> Result<T, String>,
    /// Refuses values the setting may not have, given or default.
    check: fn(&T) -> Result<(), String>,
}

/// Declares each setting as a constant, and [`ALL`], every setting's
/// [`Name`], for the file's unknown-key check and the README test:
///
/// ```text
/// NAME: Type = ("file_key", "VELLUM_VARIABLE") { [flag,] file, default, parse[, check] }
/// ```
///
/// Without a `flag`, only the variable and the file give the setting;
/// without a `check`, every value it parses is accepted.
macro_rules! settings {
    (@either $default:expr) => { $default };
    (@either $default:expr, $given:expr) => { $given };
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $ty:ty = ($key:literal, $var:literal) {
            $(flag: $flag:literal,)?
            file: $file:expr,
            default: $default:expr,
            parse: $parse:expr
            $(, check: $check:expr)? $(,)?
        }
    )*) => {
        $(
            $(#[doc = $doc])*
            const $name: Setting<$ty> = Setting {
                name: Name {
                    key: $key,
                    var: $var,
                    label: concat!($key, " (", $var, ")"),
                    flag: settings!(@either None $(, Some($flag))?),
                    file: $file,
                },
                default: $default,
                parse: $parse,
                check: settings!(@either anything $(, $check)?),
            };
        )*

        /// Every setting, in the order of the table.
        const ALL: &[Name] = &[$($name.name),*];
    };
}

settings! {
    /// Where the SQLite file, blobs and keys live.
    DATA_DIR: PathBuf = ("data_dir", "VELLUM_DATA_DIR") {
        flag: "--data-dir",
        file: Some(Toml::String),
        default: Text("data"),
        parse: path,
        check: |dir: &PathBuf| ensure(!dir.as_os_str().is_empty(), "is empty; give a folder path"),
    }
    /// The database; SQLite in the data dir unless set.
    DATABASE_URL: DatabaseUrl = ("database_url", "VELLUM_DATABASE_URL") {
        file: Some(Toml::String),
        default: Unset,
        parse: |raw| Ok(DatabaseUrl(raw.to_owned())),
        check: |url: &DatabaseUrl| Backend::from_url(&url.0).map(drop),
    }
    /// The address to listen on.
    LISTEN: SocketAddr = ("listen", "VELLUM_LISTEN") {
        flag: "--listen",
        file: Some(Toml::String),
        default: Text(DEFAULT_LISTEN),
        parse: |raw| {
            raw.parse()
                .map_err(|_| format!("\"{raw}\" is not an address:port such as {DEFAULT_LISTEN}"))
        },
    }
    /// The largest request body, outside the upload routes.
    MAX_BODY_BYTES: u64 = ("max_body_bytes", "VELLUM_MAX_BODY_BYTES") {
        file: Some(Toml::Integer),
        default: Value(|| DEFAULT_MAX_BODY_BYTES),
        parse: |raw| raw.parse().map_err(|_| format!("\"{raw}\" is not a whole number of bytes")),
        check: |&bytes: &u64| {
            ensure(usize::try_from(bytes).is_ok_and(|n| n >= 1024), "must be at least 1024 bytes")
        },
    }
    /// The largest document upload.
    MAX_UPLOAD_BYTES: u64 = ("max_upload_bytes", "VELLUM_MAX_UPLOAD_BYTES") {
        file: Some(Toml::Integer),
        default: Value(|| DEFAULT_MAX_UPLOAD_BYTES),
        parse: whole,
        check: |&bytes: &u64| ensure(bytes > 0, "must be at least 1 byte"),
    }
    /// How logs are written.
    LOG_FORMAT: LogFormat = ("log_format", "VELLUM_LOG_FORMAT") {
        file: Some(Toml::String),
        default: Text("pretty"),
        parse: |raw| match raw {
            "pretty" => Ok(LogFormat::Pretty),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("\"{other}\" is not one of: pretty, json")),
        },
    }
    /// The keyring file; `keys/master.key` in the data dir unless set.
    KEYRING: PathBuf = ("keyring", "VELLUM_KEYRING") {
        file: Some(Toml::String),
        default: Unset,
        parse: path,
    }
    /// The keyring's text itself, instead of a file. Environment only.
    MASTER_KEY: String = ("master_key", "VELLUM_MASTER_KEY") {
        file: None,
        default: Unset,
        parse: |raw| Ok(raw.to_owned()),
    }
    /// Argon2id memory, in KiB. The three argon2 settings are checked
    /// together against OWASP's minimum in [`Config::check_together`], as are
    /// the two session timeouts and the two messaging windows.
    ARGON2_MEMORY_KIB: u32 = ("argon2_memory_kib", "VELLUM_ARGON2_MEMORY_KIB") {
        file: Some(Toml::Integer),
        default: Value(|| Argon2Config::default().memory_kib),
        parse: whole,
    }
    /// Argon2id iterations.
    ARGON2_ITERATIONS: u32 = ("argon2_iterations", "VELLUM_ARGON2_ITERATIONS") {
        file: Some(Toml::Integer),
        default: Value(|| Argon2Config::default().iterations),
        parse: whole,
    }
    /// Argon2id lanes.
    ARGON2_PARALLELISM: u32 = ("argon2_parallelism", "VELLUM_ARGON2_PARALLELISM") {
        file: Some(Toml::Integer),
        default: Value(|| Argon2Config::default().parallelism),
        parse: whole,
    }
    /// Signed out after this many seconds without a request.
    SESSION_IDLE_SECS: u32 = ("session_idle_secs", "VELLUM_SESSION_IDLE_SECS") {
        file: Some(Toml::Integer),
        default: Value(|| SessionLimits::DEFAULT_IDLE_SECS),
        parse: whole,
    }
    /// Signed out this many seconds after signing in.
    SESSION_ABSOLUTE_SECS: u32 = ("session_absolute_secs", "VELLUM_SESSION_ABSOLUTE_SECS") {
        file: Some(Toml::Integer),
        default: Value(|| SessionLimits::DEFAULT_ABSOLUTE_SECS),
        parse: whole,
    }
    /// The certificate chain to serve HTTPS with.
    TLS_CERT: PathBuf = ("tls_cert", "VELLUM_TLS_CERT") {
        file: Some(Toml::String),
        default: Unset,
        parse: path,
    }
    /// Its private key.
    TLS_KEY: PathBuf = ("tls_key", "VELLUM_TLS_KEY") {
        file: Some(Toml::String),
        default: Unset,
        parse: path,
    }
    /// A TLS proxy in front sets `X-Forwarded-For`.
    BEHIND_PROXY: bool = ("behind_proxy", "VELLUM_BEHIND_PROXY") {
        file: Some(Toml::Boolean),
        default: Text("false"),
        parse: |raw| match raw {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(format!("\"{other}\" is not true or false")),
        },
    }
    /// Where people reach the portal; the listen address unless set.
    PUBLIC_URL: String = ("public_url", "VELLUM_PUBLIC_URL") {
        file: Some(Toml::String),
        default: Unset,
        parse: public_url,
    }
    /// The firm's response-time target, in minutes.
    MESSAGE_SLA_MINUTES: u32 = ("message_sla_minutes", "VELLUM_MESSAGE_SLA_MINUTES") {
        file: Some(Toml::Integer),
        default: Value(|| DEFAULT_SLA_MINUTES),
        parse: whole,
    }
    /// The new-message email batch window, in minutes.
    NOTIFY_BATCH_MINUTES: u32 = ("notify_batch_minutes", "VELLUM_NOTIFY_BATCH_MINUTES") {
        file: Some(Toml::Integer),
        default: Value(|| DEFAULT_NOTIFY_BATCH_MINUTES),
        parse: whole,
    }
    /// How many days a calendar feed link works. Ten years bounds it, so a
    /// typo cannot make links that never end.
    CALENDAR_FEED_DAYS: u32 = ("calendar_feed_days", "VELLUM_CALENDAR_FEED_DAYS") {
        file: Some(Toml::Integer),
        default: Value(|| DEFAULT_CALENDAR_FEED_DAYS),
        parse: whole,
        check: |days: &u32| ensure((1..=3650).contains(days), "must be 1 to 3650 days"),
    }
    /// The mail server; blank or unset leaves mail in the outbox.
    SMTP_URL: Option<SecretString> = ("smtp_url", "VELLUM_SMTP_URL") {
        file: Some(Toml::String),
        default: Value(|| None),
        parse: smtp_url,
    }
    /// The sender of the portal's emails; required with `smtp_url`.
    MAIL_FROM: lettre::message::Mailbox = ("mail_from", "VELLUM_MAIL_FROM") {
        file: Some(Toml::String),
        default: Unset,
        parse: |raw| {
            raw.trim()
                .parse()
                .map_err(|e| format!("\"{raw}\" is not an email address ({e})"))
        },
    }
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

impl Overrides {
    /// The text the command line gives the setting named `name`, if any.
    fn given(&self, name: &Name) -> Result<Option<String>, ConfigError> {
        match name.flag {
            Some("--data-dir") => self
                .data_dir
                .as_deref()
                .map(|dir| {
                    // The database URL is built from the path as text, so a
                    // path that is not text would put it somewhere else.
                    dir.to_str().map(str::to_owned).ok_or_else(|| {
                        ConfigError::new(name.label, format!("{} is not UTF-8", dir.display()))
                    })
                })
                .transpose(),
            Some("--listen") => Ok(self.listen.clone()),
            _ => Ok(None),
        }
    }
}

/// Where settings are read from, highest first: the command line, the
/// environment, the file.
struct Sources<'a, E> {
    overrides: &'a Overrides,
    env: E,
    file: toml::Table,
}

impl<E: Fn(&str) -> Option<String>> Sources<'_, E> {
    /// A setting's value, from the highest source that gives it, else its
    /// fallback; parsed and checked. `None` when neither gives one.
    fn get<T>(&self, setting: &Setting<T>) -> Result<Option<T>, ConfigError> {
        let value = match (self.text(&setting.name)?, &setting.default) {
            (Some(text), _) => (setting.parse)(&text),
            (None, Text(text)) => (setting.parse)(text),
            (None, Value(default)) => Ok(default()),
            (None, Unset) => return Ok(None),
        };
        value
            .and_then(|value| (setting.check)(&value).map(|()| Some(value)))
            .map_err(|message| ConfigError::new(setting.name.label, message))
    }

    /// The value of a setting that has a default.
    fn value<T>(&self, setting: &Setting<T>) -> Result<T, ConfigError> {
        self.get(setting)?.ok_or_else(|| {
            ConfigError::new(
                setting.name.label,
                "has no default (a mistake in the settings table)",
            )
        })
    }

    fn text(&self, name: &Name) -> Result<Option<String>, ConfigError> {
        if let Some(text) = self.overrides.given(name)? {
            return Ok(Some(text));
        }
        if let Some(text) = (self.env)(name.var) {
            return Ok(Some(text));
        }
        // The file's types were checked when it was read, so a number or a
        // flag reads as the same text a variable would give.
        Ok(self.file.get(name.key).map(|value| match value {
            toml::Value::String(text) => text.clone(),
            toml::Value::Integer(number) => number.to_string(),
            toml::Value::Boolean(flag) => flag.to_string(),
            // `read_file` refused every other type.
            _ => String::new(),
        }))
    }
}

fn ensure(ok: bool, problem: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(problem.to_owned()) }
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "every setting's check has this shape"
)]
fn anything<T>(_: &T) -> Result<(), String> {
    Ok(())
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "every setting's parser has this shape"
)]
fn path(raw: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(raw))
}

/// A whole number, of any unsigned type it fits.
fn whole<T: TryFrom<u64>>(raw: &str) -> Result<T, String> {
    let number = raw
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("\"{raw}\" is not a whole number"))?;
    T::try_from(number).map_err(|_| format!("{number} is too large"))
}

/// An `http://` or `https://` address without the trailing slash, so links
/// can be appended to it.
fn public_url(raw: &str) -> Result<String, String> {
    let url = raw.trim().trim_end_matches('/').to_owned();
    let plausible = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && !url.contains(char::is_whitespace);
    if plausible {
        Ok(url)
    } else {
        Err(format!("\"{url}\" is not an http:// or https:// address"))
    }
}

/// The SMTP URL, checked: one lettre understands, whose mail never crosses
/// the network unencrypted. Blank means no mail server.
fn smtp_url(raw: &str) -> Result<Option<SecretString>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    // Problems never repeat the URL: it may hold a password.
    let url = url::Url::parse(raw).map_err(|e| {
        format!("not a URL ({e}); expected smtps://host:465 or smtp://host:587?tls=required")
    })?;
    let tls = url
        .query_pairs()
        .find(|(key, _)| key == "tls")
        .map(|(_, value)| value.into_owned());
    let encrypted = match (url.scheme(), tls.as_deref()) {
        ("smtps", None) | ("smtp", Some("required")) => true,
        ("smtp", None | Some("opportunistic")) => false,
        (scheme, _) => {
            return Err(format!(
                "unknown scheme \"{scheme}\" or tls value; expected smtps://host:465 or smtp://host:587?tls=required"
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
        return Err(
            "mail would cross the network unencrypted (emails carry one-time sign-in links); \
             use smtps://host:465 or smtp://host:587?tls=required"
                .to_owned(),
        );
    }
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(raw)
        .map_err(|e| format!("not usable: {e}"))?;
    Ok(Some(SecretString::from(raw.to_owned())))
}

/// Reads the TOML file. Unknown keys are errors, so a misspelt setting is
/// never silently ignored, and so are values of the wrong type.
fn read_file(path: &Path) -> Result<toml::Table, ConfigError> {
    const SETTING: &str = "config file (--config, VELLUM_CONFIG)";
    let invalid = |problem: String| {
        ConfigError::new(
            SETTING,
            format!("{} is not valid: {problem}", path.display()),
        )
    };
    let text = std::fs::read_to_string(path).map_err(|err| {
        ConfigError::new(SETTING, format!("cannot read {}: {err}", path.display()))
    })?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|err| invalid(err.message().to_owned()))?;
    for (key, value) in &table {
        let Some(expected) = ALL.iter().find(|name| name.key == key).and_then(|n| n.file) else {
            let known: Vec<&str> = ALL
                .iter()
                .filter(|name| name.file.is_some())
                .map(|name| name.key)
                .collect();
            return Err(invalid(format!(
                "unknown setting `{key}`; expected one of {}",
                known.join(", ")
            )));
        };
        if !expected.matches(value) {
            return Err(invalid(format!("`{key}` must be {}", expected.describe())));
        }
    }
    Ok(table)
}

// --- The validated configuration --------------------------------------------

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
            None => toml::Table::new(),
        };
        let src = Sources {
            overrides,
            env,
            file,
        };

        let data_dir = src.value(&DATA_DIR)?;
        let database_url = src.get(&DATABASE_URL)?.unwrap_or_else(|| {
            DatabaseUrl(format!("sqlite://{}", data_dir.join("vellum.db").display()))
        });
        let listen = src.value(&LISTEN)?;
        // The check allowed only what fits, so this fails on no platform.
        let max_body_bytes = usize::try_from(src.value(&MAX_BODY_BYTES)?).map_err(|_| {
            ConfigError::new(MAX_BODY_BYTES.name.label, "must be at least 1024 bytes")
        })?;
        let keyring = match src.get(&MASTER_KEY)? {
            Some(text) => KeyringSource::Inline(text),
            None => KeyringSource::File(
                src.get(&KEYRING)?
                    .unwrap_or_else(|| data_dir.join("keys").join("master.key")),
            ),
        };
        let tls = match (src.get(&TLS_CERT)?, src.get(&TLS_KEY)?) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => {
                return Err(ConfigError::new(
                    "tls_cert / tls_key (VELLUM_TLS_CERT / VELLUM_TLS_KEY)",
                    "give both the certificate and the key, or neither",
                ));
            }
        };
        let public_url = src.get(&PUBLIC_URL)?.unwrap_or_else(|| {
            format!(
                "{}://{listen}",
                if tls.is_some() { "https" } else { "http" }
            )
        });
        let smtp = match src.value(&SMTP_URL)? {
            None => None,
            Some(url) => Some(SmtpSettings {
                url,
                from: src.get(&MAIL_FROM)?.ok_or_else(|| {
                    ConfigError::new(
                        MAIL_FROM.name.label,
                        "required with smtp_url: the sender, e.g. \"Harbour Law <portal@harbour.example>\"",
                    )
                })?,
            }),
        };

        let config = Self {
            database_url,
            listen,
            max_body_bytes,
            max_upload_bytes: src.value(&MAX_UPLOAD_BYTES)?,
            log_format: src.value(&LOG_FORMAT)?,
            keyring,
            argon2: Argon2Config {
                memory_kib: src.value(&ARGON2_MEMORY_KIB)?,
                iterations: src.value(&ARGON2_ITERATIONS)?,
                parallelism: src.value(&ARGON2_PARALLELISM)?,
                ..Argon2Config::default()
            },
            session_limits: SessionLimits::from_secs(
                src.value(&SESSION_IDLE_SECS)?,
                src.value(&SESSION_ABSOLUTE_SECS)?,
            ),
            tls,
            behind_proxy: src.value(&BEHIND_PROXY)?,
            public_url,
            message_sla_minutes: src.value(&MESSAGE_SLA_MINUTES)?,
            notify_batch_minutes: src.value(&NOTIFY_BATCH_MINUTES)?,
            calendar_feed_days: src.value(&CALENDAR_FEED_DAYS)?,
            smtp,
            data_dir,
        };
        config.check_together()?;
        Ok(config)
    }

    /// The rules that involve several settings, checked once all are read
    /// (as vaultwarden's `validate_config` does).
    fn check_together(&self) -> Result<(), ConfigError> {
        if self.argon2.below_minimum() {
            return Err(ConfigError::new(
                "argon2_memory_kib / argon2_iterations / argon2_parallelism",
                "must be at least m=19456 KiB, t=2, p=1 (OWASP's minimum for argon2id)",
            ));
        }
        let session = self.session_limits;
        if session.idle_ms == 0 || session.absolute_ms < session.idle_ms {
            return Err(ConfigError::new(
                "session_idle_secs / session_absolute_secs",
                "the idle timeout must be positive and no longer than the absolute timeout",
            ));
        }
        if self.tls.is_none() && !self.behind_proxy && !self.listen.ip().is_loopback() {
            return Err(ConfigError::new(
                LISTEN.name.label,
                format!(
                    "plain HTTP on {} would expose sign-ins to the network; \
                     configure tls_cert and tls_key, listen on loopback, \
                     or set behind_proxy = true when a TLS proxy is in front",
                    self.listen
                ),
            ));
        }
        // A month bounds both, so a typo cannot silence escalations for years.
        let sla = i64::from(self.message_sla_minutes);
        if !(1..=MAX_SLA_MINUTES).contains(&sla)
            || i64::from(self.notify_batch_minutes) > MAX_SLA_MINUTES
        {
            return Err(ConfigError::new(
                "message_sla_minutes / notify_batch_minutes",
                format!(
                    "the response-time target must be 1 to {MAX_SLA_MINUTES} minutes and the email batch window at most {MAX_SLA_MINUTES}"
                ),
            ));
        }
        Ok(())
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

#[cfg(test)]
mod tests;

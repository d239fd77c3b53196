//! The configuration's unit tests.

use std::collections::HashMap;

use super::*;

fn load_with(vars: &[(&str, &str)], overrides: &Overrides) -> Result<Config, ConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::load(overrides, |key| vars.get(key).cloned())
}

/// README's settings table: for each row, the backquoted words of its
/// first two cells, the file keys (none for "—") and the variables.
fn readme_rows() -> Vec<(Vec<String>, Vec<String>)> {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));
    let quoted = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    readme
        .lines()
        .skip_while(|line| !line.starts_with("| setting (file) | variable | default |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            assert_eq!(cells.len(), 3, "a settings row has three cells: {line}");
            let keys = if cells[0].trim() == "—" {
                Vec::new()
            } else {
                quoted(cells[0])
            };
            (keys, quoted(cells[1]))
        })
        .collect()
}

#[test]
fn every_declared_setting_appears_in_the_readmes_settings_table() {
    let rows = readme_rows();
    assert!(!rows.is_empty(), "README has a settings table");
    for name in ALL {
        let listed = rows.iter().any(|(keys, vars)| {
            vars.iter().any(|v| v == name.var)
                && match name.file {
                    Some(_) => keys.iter().any(|k| k == name.key),
                    // Environment only: the row has no file key.
                    None => keys.is_empty(),
                }
        });
        assert!(listed, "README's settings table lacks {}", name.label);
    }
}

#[test]
fn every_variable_in_the_readmes_settings_table_is_a_declared_setting() {
    for (keys, vars) in readme_rows() {
        for var in vars {
            assert!(
                ALL.iter().any(|name| name.var == var
                    && (keys.is_empty() || keys.contains(&name.key.to_owned()))),
                "README lists {var}, which is not a setting (or not with {keys:?})"
            );
        }
    }
}

#[test]
fn each_default_is_the_domain_types_default() {
    let config = load_with(&[], &Overrides::default()).unwrap();
    assert_eq!(config.argon2, Argon2Config::default());
    assert_eq!(config.session_limits, SessionLimits::default());
    assert_eq!(
        app::server::messages::MessagingSettings {
            sla_minutes: i64::from(config.message_sla_minutes),
            notify_batch_minutes: i64::from(config.notify_batch_minutes),
        },
        app::server::messages::MessagingSettings::default()
    );
    assert_eq!(config.max_body_bytes as u64, DEFAULT_MAX_BODY_BYTES);
    assert_eq!(config.max_upload_bytes, DEFAULT_MAX_UPLOAD_BYTES);
    assert_eq!(config.calendar_feed_days, DEFAULT_CALENDAR_FEED_DAYS);
    assert!(!config.behind_proxy && config.tls.is_none() && config.smtp.is_none());
}

#[test]
fn a_value_from_the_file_is_read_and_checked_like_one_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vellum.toml");
    let with_file = |text: &str| {
        std::fs::write(&file, text).unwrap();
        let overrides = Overrides {
            config_file: Some(file.clone()),
            ..Overrides::default()
        };
        load_with(&[], &overrides)
    };
    let config =
        with_file("calendar_feed_days = 30\nbehind_proxy = true\nlisten = \"0.0.0.0:3000\"\n")
            .unwrap();
    assert_eq!(config.calendar_feed_days, 30);
    assert!(config.behind_proxy);
    let err = with_file("calendar_feed_days = 0\n").unwrap_err();
    assert_eq!(
        err.setting,
        "calendar_feed_days (VELLUM_CALENDAR_FEED_DAYS)"
    );
    let err = with_file("session_idle_secs = -5\n").unwrap_err();
    assert_eq!(err.setting, "session_idle_secs (VELLUM_SESSION_IDLE_SECS)");
    let err = with_file("max_body_bytes = \"2048\"\n").unwrap_err();
    assert_eq!(err.setting, "config file (--config, VELLUM_CONFIG)");
    assert!(err.message.contains("must be a whole number"), "{err}");
    let err = with_file("master_key = \"v1:secret\"\n").unwrap_err();
    assert!(
        err.message.contains("unknown setting `master_key`"),
        "{err}"
    );
    assert!(!err.message.contains("v1:secret"), "{err}");
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
    let err = load_with(&[("VELLUM_MAX_UPLOAD_BYTES", "0")], &Overrides::default()).unwrap_err();
    assert_eq!(err.setting, "max_upload_bytes (VELLUM_MAX_UPLOAD_BYTES)");
    let err = load_with(&[("VELLUM_MAX_UPLOAD_BYTES", "big")], &Overrides::default()).unwrap_err();
    assert!(
        err.message.contains("\"big\" is not a whole number"),
        "{err}"
    );
}

#[test]
fn a_tiny_body_limit_is_rejected() {
    let err = load_with(&[("VELLUM_MAX_BODY_BYTES", "10")], &Overrides::default()).unwrap_err();
    assert_eq!(err.setting, "max_body_bytes (VELLUM_MAX_BODY_BYTES)");
    let err = load_with(&[("VELLUM_MAX_BODY_BYTES", "lots")], &Overrides::default()).unwrap_err();
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
    let err = load_with(&[("VELLUM_LISTEN", "0.0.0.0:3000")], &Overrides::default()).unwrap_err();
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
        let err =
            load_with(&[("VELLUM_CALENDAR_FEED_DAYS", bad)], &Overrides::default()).unwrap_err();
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
        !format!("{smtp:?}").contains("s3cret"),
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
        let err = load_with(&[("VELLUM_SMTP_URL", url), from], &Overrides::default()).unwrap_err();
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

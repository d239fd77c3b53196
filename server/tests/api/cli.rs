//! The `vellum` executable itself: subcommands, their help, exit codes and
//! messages.

use std::process::{Command, Output};

fn vellum(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vellum"));
    command
        .args(args)
        .env_remove("VELLUM_DATABASE_URL")
        .env_remove("VELLUM_MASTER_KEY");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run vellum")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const PASSWORD: &str = "plum kettle harbour lantern";
const TOTP: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["seed-demo", "--help"],
        vec!["create-admin", "--help"],
        vec!["audit", "verify", "--help"],
    ] {
        let out = vellum(&args, &[]);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("Usage"), "{args:?}");
    }
    let serve = text(&vellum(&["serve", "--help"], &[]).stdout);
    for flag in ["--data-dir", "--listen", "--config"] {
        assert!(serve.contains(flag), "serve --help lacks {flag}");
    }
}

#[test]
fn seed_demo_twice_then_audit_verify_passes_until_a_row_is_edited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let first = vellum(
        &[
            "seed-demo",
            "--data-dir",
            data,
            "--password",
            PASSWORD,
            "--totp-secret",
            TOTP,
        ],
        &[],
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stdout).contains("Demo firm created"));
    assert!(
        !text(&first.stdout).contains(PASSWORD),
        "a chosen password is not echoed"
    );
    let second = vellum(&["seed-demo", "--data-dir", data], &[]);
    assert!(second.status.success());
    assert!(text(&second.stdout).contains("nothing changed"));

    let intact = vellum(&["audit", "verify", "--data-dir", data], &[]);
    assert!(
        intact.status.success(),
        "{}{}",
        text(&intact.stdout),
        text(&intact.stderr)
    );

    // Edit the third audit row behind Vellum's back.
    let db = dir.path().join("vellum.db");
    let edit = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
             c.execute(\"update audit_log set detail='edited' where seq=3\"); c.commit()",
            db.to_str().unwrap(),
        ])
        .status()
        .expect("python3 edits the database");
    assert!(edit.success());
    let broken = vellum(&["audit", "verify", "--data-dir", data], &[]);
    assert_eq!(broken.status.code(), Some(1));
    let report = text(&broken.stdout);
    assert!(report.contains('3'), "the report names row 3: {report}");
}

#[test]
fn seed_demo_without_flags_prints_a_random_password_and_secret_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = vellum(
        &["seed-demo", "--data-dir", dir.path().to_str().unwrap()],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("password for every demo user:"), "{stdout}");
    assert!(
        stdout.contains("MFA secret for the firm users:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("scan it into an authenticator app") && stdout.contains('▀'),
        "a QR code to scan: {stdout}"
    );
}

#[test]
fn migrate_creates_a_data_dir_only_its_owner_can_read() {
    use std::os::unix::fs::PermissionsExt as _;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = vellum(&["migrate", "--data-dir", data.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mode =
        |path: std::path::PathBuf| std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(data.clone()), 0o700, "the data dir");
    assert_eq!(mode(data.join("blobs")), 0o700, "the blob folder");
    assert_eq!(mode(data.join("vellum.db")), 0o600, "the database");
}

#[test]
fn create_admin_prints_credentials_once_and_refuses_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = vellum(
        &[
            "create-admin",
            "--data-dir",
            data,
            "--email",
            "it@firm.test",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("one-time password:") && stdout.contains("two-step verification"),
        "{stdout}"
    );
    let again = vellum(
        &[
            "create-admin",
            "--data-dir",
            data,
            "--email",
            "IT@firm.test",
        ],
        &[],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn configuration_errors_name_the_setting_and_exit_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let scheme = vellum(
        &["migrate", "--data-dir", data],
        &[("VELLUM_DATABASE_URL", "mysql://db/vellum")],
    );
    assert_eq!(scheme.status.code(), Some(1));
    assert!(
        text(&scheme.stderr).contains("database_url (VELLUM_DATABASE_URL)"),
        "{}",
        text(&scheme.stderr)
    );

    let exposed = vellum(&["serve", "--data-dir", data, "--listen", "0.0.0.0:0"], &[]);
    assert_eq!(exposed.status.code(), Some(1));
    assert!(
        text(&exposed.stderr).contains("listen (VELLUM_LISTEN)"),
        "{}",
        text(&exposed.stderr)
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let in_use = vellum(&["serve", "--data-dir", data, "--listen", &addr], &[]);
    assert_eq!(in_use.status.code(), Some(1));
    assert!(
        text(&in_use.stderr).contains("already in use"),
        "{}",
        text(&in_use.stderr)
    );
}

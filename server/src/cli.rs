//! The `vellum` command line.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use app::server::{
    audit,
    auth::{admin, password::random_password, totp},
    seed::{self, SeedOutcome},
};
use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::{
    config::{Config, Overrides},
    startup::{Application, app_state},
    telemetry,
};

/// Vellum: a self-hosted, secure client portal and CRM for law firms.
#[derive(Debug, Parser)]
#[command(name = "vellum", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (applies pending migrations first).
    Serve {
        #[command(flatten)]
        common: CommonArgs,
        /// Address and port to listen on [env: VELLUM_LISTEN] [default: 127.0.0.1:3000].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Create the demo firm (users, clients, matters). Running it again
    /// changes nothing.
    SeedDemo {
        #[command(flatten)]
        common: CommonArgs,
        /// Password for every demo user [default: random, printed once].
        #[arg(long, value_name = "PW")]
        password: Option<String>,
        /// Base32 TOTP secret for the demo firm users [default: random, printed once].
        #[arg(long, value_name = "BASE32")]
        totp_secret: Option<String>,
    },
    /// Create the first administrator. Prints a one-time password and the MFA
    /// secret to enter in an authenticator app.
    CreateAdmin {
        #[command(flatten)]
        common: CommonArgs,
        /// The administrator's email address.
        #[arg(long, value_name = "E")]
        email: String,
        /// Their name as shown in the app.
        #[arg(long, value_name = "NAME", default_value = "Administrator")]
        name: String,
    },
    /// Prints single-core AES-256-GCM throughput in bytes per second: the
    /// baseline of `cargo xtask bench`.
    #[command(hide = true)]
    BenchAes {
        /// How many bytes to seal.
        #[arg(long, default_value_t = 1 << 30)]
        bytes: usize,
    },
    /// Loads a mid-size firm (10k contacts, 20k matters) into a data dir
    /// holding the demo firm and times the firm's search: part of
    /// `cargo xtask bench`.
    #[command(hide = true)]
    BenchSearch {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the audit log's hash chain. Exits 0 when intact; otherwise
    /// names the first bad row and exits 1.
    Verify {
        #[command(flatten)]
        common: CommonArgs,
    },
}

#[derive(Debug, Args)]
struct CommonArgs {
    /// Folder for the SQLite database, blobs and keys [env: VELLUM_DATA_DIR] [default: data].
    #[arg(long, value_name = "D")]
    data_dir: Option<PathBuf>,
    /// TOML configuration file [env: VELLUM_CONFIG].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl CommonArgs {
    fn overrides(&self, listen: Option<String>) -> Overrides {
        Overrides {
            config_file: self.config.clone(),
            data_dir: self.data_dir.clone(),
            listen,
        }
    }
}

/// Parses the command line and runs the subcommand. Errors are printed with
/// their full context chain and give exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { common, listen } => {
            serve(&Config::from_env(&common.overrides(listen))?).await
        }
        Command::Migrate { common } => {
            let config = Config::from_env(&common.overrides(None))?;
            let state = app_state(&config).await?;
            println!("Migrations applied to {}.", config.database_url);
            state.db.close().await;
            Ok(())
        }
        Command::SeedDemo {
            common,
            password,
            totp_secret,
        } => {
            let config = Config::from_env(&common.overrides(None))?;
            let state = app_state(&config).await?;
            let credentials = DemoCredentials::choose(password, totp_secret)?;
            let seeded =
                seed::seed_demo_firm(&state, &credentials.password, &credentials.totp_seed).await?;
            match seeded {
                SeedOutcome::Created => {
                    println!("Demo firm created in {}.", config.database_url);
                    credentials.print();
                }
                SeedOutcome::AlreadyPresent => {
                    println!(
                        "Demo firm already present in {}; nothing changed.",
                        config.database_url
                    );
                }
            }
            state.db.close().await;
            Ok(())
        }
        Command::CreateAdmin {
            common,
            email,
            name,
        } => {
            let config = Config::from_env(&common.overrides(None))?;
            let state = app_state(&config).await?;
            let created = admin::create_admin(&state, &email, &name).await?;
            println!("Administrator {} created.", created.email);
            println!("  one-time password: {}", created.password);
            println!("Store it now; it is not shown again.");
            println!(
                "Sign in with it to set up two-step verification: have an authenticator app ready."
            );
            state.db.close().await;
            Ok(())
        }
        Command::BenchAes { bytes } => {
            let rate = app::server::crypto::gcm_baseline_bytes_per_sec(bytes)?;
            println!("{rate:.0}");
            Ok(())
        }
        Command::BenchSearch { common } => {
            let config = Config::from_env(&common.overrides(None))?;
            let state = app_state(&config).await?;
            crate::bench::run(&state).await?;
            state.db.close().await;
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { common },
        } => {
            let config = Config::from_env(&common.overrides(None))?;
            let state = app_state(&config).await?;
            let report = audit::verify(&state.db).await?;
            state.db.close().await;
            println!("{report}");
            if report.is_intact() {
                Ok(())
            } else {
                Err(anyhow::anyhow!("the audit log failed verification"))
            }
        }
    }
}

/// The password and TOTP seed given to the demo users.
struct DemoCredentials {
    password: SecretString,
    totp_seed: Zeroizing<Vec<u8>>,
    /// Whether they were generated here, so must be printed once.
    generated: (bool, bool),
}

impl DemoCredentials {
    fn choose(password: Option<String>, totp_secret: Option<String>) -> anyhow::Result<Self> {
        let generated = (password.is_none(), totp_secret.is_none());
        let password = match password {
            Some(password) => password,
            None => random_password()?,
        };
        if let Err(problem) = app::domain::auth::check_new_password(&password, "") {
            anyhow::bail!("--password: {problem}");
        }
        let totp_seed = match totp_secret {
            Some(text) => totp::seed_from_base32(&text).context("--totp-secret")?,
            None => totp::generate_seed(),
        };
        Ok(Self {
            password: SecretString::from(password),
            totp_seed,
            generated,
        })
    }

    fn print(&self) {
        use secrecy::ExposeSecret as _;
        if self.generated.0 {
            println!(
                "  password for every demo user: {}",
                self.password.expose_secret()
            );
        }
        if self.generated.1 {
            println!(
                "  MFA secret for the firm users: {}",
                totp::seed_to_base32(&self.totp_seed)
            );
            // Scanned with a phone's authenticator app, it signs in every
            // demo firm user (they share the secret).
            match totp::provisioning_url(&self.totp_seed, "demo firm users")
                .and_then(|url| totp::qr_text(&url))
            {
                Ok(qr) => println!("  or scan it into an authenticator app:\n{qr}"),
                Err(err) => eprintln!("warning: no QR code for the MFA secret: {err:#}"),
            }
        }
        if self.generated.0 || self.generated.1 {
            println!("These are shown once. Pass --password and --totp-secret to choose them.");
        }
    }
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    telemetry::init(config.log_format);
    let app = Application::build(config, axum::Router::new()).await?;
    let addr = app.local_addr().context("reading the bound address")?;
    tracing::info!(%addr, database = %config.database_url, "vellum is listening");
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    println!("Vellum is running at {scheme}://{addr}/");
    app.run_until(shutdown_signal())
        .await
        .context("serving HTTP")?;
    tracing::info!("vellum stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests can finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

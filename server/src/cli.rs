//! The `vellum` command line.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use app::server::{
    db::Db,
    seed::{self, SeedOutcome},
};
use clap::{Args, Parser, Subcommand};

use crate::{
    config::{Config, Overrides},
    startup::Application,
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
            open_database(&config).await?;
            println!("Migrations applied to {}.", config.database_url);
            Ok(())
        }
        Command::SeedDemo { common } => {
            let config = Config::from_env(&common.overrides(None))?;
            let db = open_database(&config).await?;
            match seed::seed_demo(&db).await? {
                SeedOutcome::Created => println!("Demo firm created in {}.", config.database_url),
                SeedOutcome::AlreadyPresent => {
                    println!(
                        "Demo firm already present in {}; nothing changed.",
                        config.database_url
                    );
                }
            }
            db.close().await;
            Ok(())
        }
    }
}

/// Opens the database named by the config and applies migrations.
async fn open_database(config: &Config) -> anyhow::Result<Db> {
    config.prepare_data_dir()?;
    let db = Db::connect(config.database_url.expose())
        .await
        .with_context(|| format!("opening the database at {}", config.database_url))?;
    db.migrate().await?;
    Ok(db)
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    telemetry::init(config.log_format);
    let app = Application::build(config, axum::Router::new()).await?;
    let addr = app.local_addr().context("reading the bound address")?;
    tracing::info!(%addr, database = %config.database_url, "vellum is listening");
    println!("Vellum is running at http://{addr}/");
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

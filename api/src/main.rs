//! The `chatterly` binary: `chatterly serve` (the default) runs the whole platform.

use std::path::PathBuf;
use std::process::ExitCode;

use api::config::Config;
use api::{Application, shutdown_signal, telemetry};
use clap::{Parser, Subcommand};

/// mimalloc keeps the resident memory of many idle WebSocket connections lower than the system
/// allocator (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Chatterly: chat, mood and consultations for a university.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// A TOML configuration file (default: ./chatterly.toml if present).
    #[arg(long, global = true, env = "CHATTERLY_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Print the effective configuration (secrets redacted) and exit.
    Config,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("chatterly: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_logging(config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Config => {
            println!("{}", config.redacted());
            ExitCode::SUCCESS
        }
        Command::Serve => {
            tracing::info!(config = %config.redacted(), "starting Chatterly");
            let result = match Application::build(config).await {
                Ok(app) => app.run_until(shutdown_signal()).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!(error = %e, "Chatterly stopped");
                    eprintln!("chatterly: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

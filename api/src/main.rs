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
    /// Train or evaluate the mood models offline (no database needed).
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Administer accounts from the shell (uses the same database as `serve`).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Make EMAIL an admin: promotes an existing account, or creates one with a one-time
    /// password that is printed once.
    Create {
        /// The admin's email.
        email: String,
        /// Display name of a new account.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Train both models and print held-out metrics against the baselines.
    Train {
        /// Labelled CSV/TSV files (columns text, emotion, intensity); repeatable.
        #[arg(long)]
        data: Vec<PathBuf>,
        /// Leave out the built-in data (VADER sentences for emotion, EmoBank for intensity).
        #[arg(long)]
        no_builtin: bool,
        /// EmoBank's emobank.csv (human arousal ratings), read for the built-in data.
        #[arg(long, env = "CHATTERLY_MOOD_EMOBANK_CSV", default_value = api::config::DEFAULT_EMOBANK_CSV)]
        emobank: PathBuf,
        /// Name stored in the model.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Write the model here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the evaluation report (JSON) here.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Evaluate a model file (default: the built-in model) on labelled files (default: the
    /// hand-labelled chat evaluation set).
    Eval {
        /// A model file written by `model train --out`.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Labelled CSV/TSV files; repeatable.
        #[arg(long)]
        data: Vec<PathBuf>,
    },
}

fn model_command(command: ModelCommand) -> ExitCode {
    let result = match command {
        ModelCommand::Train {
            data,
            no_builtin,
            emobank,
            name,
            out,
            report,
        } => api::model_cli::train(
            &data,
            no_builtin,
            &emobank,
            &name,
            out.as_deref(),
            report.as_deref(),
        ),
        ModelCommand::Eval { model, data } => api::model_cli::eval(model.as_deref(), &data),
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("chatterly: {e}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Model { command } => model_command(command),
        Command::Config => match Config::load(cli.config) {
            Ok(config) => {
                println!("{}", config.redacted());
                ExitCode::SUCCESS
            }
            Err(e) => config_failed(&e),
        },
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => match Config::load(cli.config) {
            Ok(config) => admin_create(&config, &email, name.as_deref()).await,
            Err(e) => config_failed(&e),
        },
        Command::Serve => match Config::load(cli.config) {
            Ok(config) => serve(config).await,
            Err(e) => config_failed(&e),
        },
    }
}

async fn admin_create(config: &Config, email: &str, name: Option<&str>) -> ExitCode {
    telemetry::init_logging(config.log_format);
    match api::admin_cli::create(config, email, name).await {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("chatterly: {e}");
            ExitCode::FAILURE
        }
    }
}

fn config_failed(e: &api::config::ConfigError) -> ExitCode {
    eprintln!("chatterly: {e}");
    ExitCode::from(2)
}

async fn serve(config: Config) -> ExitCode {
    telemetry::init_logging(config.log_format);
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

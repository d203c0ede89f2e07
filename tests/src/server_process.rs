//! The release `chatterly` binary as a separate process for benchmarks, on a fresh database,
//! and what `/proc` says about it (CPU time, resident memory), so the load generators measure
//! the server alone and not themselves.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use sqlx::{Connection as _, Executor as _, PgConnection};

/// Where a benchmark finds PostgreSQL and the server binary (shared command-line options).
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// PostgreSQL server (any database on it); the benchmark's own database is recreated there.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub postgres: String,
    /// The server binary (default: `chatterly` next to this binary).
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
}

/// A running server process and where it listens.
pub struct ServerProcess {
    child: Child,
    /// Where it listens.
    pub addr: std::net::SocketAddr,
    /// Its database.
    pub db_url: String,
}

impl ServerProcess {
    /// Recreates `database` on the `postgres` server, starts `server_bin` (default: `chatterly`
    /// next to the running binary) against it with the extra environment `env`, and waits until
    /// it is ready.
    pub async fn start(
        postgres: &str,
        database: &str,
        server_bin: Option<PathBuf>,
        env: &[(&str, String)],
    ) -> anyhow::Result<Self> {
        let mut admin = PgConnection::connect(postgres)
            .await
            .context("connect to PostgreSQL")?;
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
            )))
            .await?;
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .await?;
        let db_url = replace_database(postgres, database);
        Self::join(db_url, server_bin, env).await
    }

    /// Starts `server_bin` (default: `chatterly` next to the running binary) on the existing
    /// database `db_url` (another node of a deployment), and waits until it is ready.
    pub async fn join(
        db_url: String,
        server_bin: Option<PathBuf>,
        env: &[(&str, String)],
    ) -> anyhow::Result<Self> {
        let bin = match server_bin {
            Some(bin) => bin,
            None => chatterly_bin()?,
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let mut command = Command::new(&bin);
        command
            .arg("serve")
            .env("DATABASE_URL", &db_url)
            .env("CHATTERLY_BIND", addr.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .with_context(|| format!("start {}", bin.display()))?;
        let server = Self {
            child,
            addr,
            db_url,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = reqwest::get(format!("http://{addr}/readyz")).await
                && r.status().is_success()
            {
                return Ok(server);
            }
            if Instant::now() > deadline {
                bail!("server did not become ready");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server (SIGINT, as Ctrl-C) and waits for it.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// The `chatterly` binary of this build: next to the running binary (a benchmark in
/// `target/release`) or one folder up (a test in `target/debug/deps`).
pub fn chatterly_bin() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("chatterly"))
        .find(|bin| bin.is_file())
        .with_context(|| {
            format!(
                "no `chatterly` binary near {}: build it (`cargo build -p api`) first",
                exe.display()
            )
        })
}

fn replace_database(url: &str, database: &str) -> String {
    match url.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{database}"),
        None => url.to_owned(),
    }
}

/// Resident memory of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmRSS not found")
}

/// CPU time (user + system) of process `pid`, in clock ticks (1/100 s).
pub fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("bad stat")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields after the name start at state (3); utime is 14 and stime 15.
    let utime: u64 = fields
        .get(11)
        .and_then(|f| f.parse().ok())
        .context("utime")?;
    let stime: u64 = fields
        .get(12)
        .and_then(|f| f.parse().ok())
        .context("stime")?;
    Ok(utime + stime)
}

/// (busy, total) jiffies of the whole machine.
pub fn machine_ticks() -> anyhow::Result<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let cpu = stat.lines().next().context("empty /proc/stat")?;
    let values: Vec<u64> = cpu
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = values.iter().sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    Ok((total - idle, total))
}

/// Percent of one core the process used between two `cpu_ticks` readings `seconds` apart.
pub fn cpu_percent(before: u64, after: u64, seconds: f64) -> f64 {
    after.saturating_sub(before) as f64 / 100.0 / seconds * 100.0
}

/// Percent of the whole machine busy between two `machine_ticks` readings.
pub fn machine_percent(before: (u64, u64), after: (u64, u64)) -> f64 {
    let (busy, total) = (after.0 - before.0, after.1 - before.1);
    if total == 0 {
        0.0
    } else {
        busy as f64 / total as f64 * 100.0
    }
}

/// Creates a user straight in the database with an API token, for seeding a benchmark.
pub async fn seed_user(
    db: &sqlx::PgPool,
    email: String,
    display_name: String,
    password_hash: &str,
    device: &str,
) -> anyhow::Result<(uuid::Uuid, String)> {
    let user = models::user::create(
        db,
        &models::user::NewUser {
            email,
            password_hash: password_hash.to_owned(),
            display_name,
            time_zone: "Europe/London".into(),
            avatar_color: "#3b82f6".into(),
        },
        None,
    )
    .await?;
    let (token, _) = models::session::create(db, user.id, device, None).await?;
    Ok((user.id, token.expose().to_owned()))
}

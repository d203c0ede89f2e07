//! A private PostgreSQL cluster for the data directory, so `chatterly` runs with no
//! configuration: initialised on first start (`initdb`), started on a free loopback port with
//! password authentication, and stopped on shutdown. Used only when no `DATABASE_URL` is given.
//!
//! It comes back after a hard kill: a server still running from an earlier Chatterly is reused,
//! and a `postmaster.pid` left by a killed one is recognised as stale ([`postmaster`]).

mod location;
mod postmaster;
mod tools;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use location::RELOCATED_ROOT;
use postmaster::{Holder, PidFile};
use tools::Tools;

/// How long a start may wait for an old server to go or a new one to come up.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a waiting start looks again.
const POLL: Duration = Duration::from_millis(200);

/// Why the private cluster could not be used. Each message says why in one sentence and what to
/// do about it.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No PostgreSQL server binaries were found on this machine.
    #[error(
        "no PostgreSQL server binaries found (looked in $CHATTERLY_PG_BIN, /usr/lib/postgresql/*/bin and $PATH); \
         install them (Debian/Ubuntu: `sudo apt-get install postgresql`) or set DATABASE_URL to an existing database"
    )]
    BinariesNotFound,
    /// PostgreSQL refuses to run as root and there is no `postgres` user to run it as.
    #[error(
        "running as root, and PostgreSQL refuses to run as root: create a `postgres` system user \
         (installing the `postgresql` package does) or set DATABASE_URL"
    )]
    NoServiceUser,
    /// An existing cluster directory is out of reach of the user PostgreSQL runs as.
    #[error(
        "the private PostgreSQL cluster {dir} is in a directory the `postgres` user cannot enter; \
         move it (with its data directory) somewhere that user can reach, or set DATABASE_URL"
    )]
    Unreachable {
        /// The cluster directory.
        dir: PathBuf,
    },
    /// `initdb` could not create the cluster.
    #[error(
        "could not create the private PostgreSQL cluster in {dir}: {reason}; fix that, or set DATABASE_URL \
         to use another database"
    )]
    InitFailed {
        /// The cluster directory.
        dir: PathBuf,
        /// PostgreSQL's own words.
        reason: String,
    },
    /// The server did not start.
    #[error(
        "the private PostgreSQL cluster in {dir} did not start: {reason}; see {log} for details, or set \
         DATABASE_URL to use another database"
    )]
    StartFailed {
        /// The cluster directory.
        dir: PathBuf,
        /// PostgreSQL's own words (the last FATAL line of its log).
        reason: String,
        /// The server's log file.
        log: PathBuf,
    },
    /// An earlier server still holds the cluster but does not accept connections.
    #[error(
        "an earlier PostgreSQL (PID {pid}) still holds {dir} and does not accept connections; stop it \
         (`kill {pid}`) and start Chatterly again"
    )]
    StillRunning {
        /// The cluster directory.
        dir: PathBuf,
        /// The old server's process id.
        pid: i32,
    },
    /// A PostgreSQL tool failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    Command {
        /// The tool that failed.
        command: String,
        /// Its exit status.
        status: String,
        /// What it printed on stderr (trimmed).
        stderr: String,
    },
    /// The data directory could not be read or written.
    #[error("data directory {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// A running private cluster. Call [`LocalCluster::stop`] on shutdown; if the process dies first,
/// the next start finds the server still running and reuses it.
#[derive(Debug)]
pub struct LocalCluster {
    tools: Tools,
    pg_dir: PathBuf,
    port: u16,
    password: String,
}

const DB_USER: &str = "chatterly";
const DB_NAME: &str = "chatterly";

impl LocalCluster {
    /// Initialises (if needed) and starts the cluster of `data_dir` (see [`RELOCATED_ROOT`] for
    /// where it lives).
    pub async fn start(data_dir: &Path) -> Result<Self, ClusterError> {
        let tools = Tools::find().await?;
        let data_dir = make_dir(data_dir)?;
        let pg_dir = location::resolve(&tools, &data_dir).await?;
        let password_file = data_dir.join("postgres-password");
        let mut cluster = Self {
            tools,
            pg_dir,
            port: 0,
            password: String::new(),
        };
        if !cluster.pg_dir.join("PG_VERSION").exists() {
            cluster.init(&password_file).await?;
        }
        cluster.password = read(&password_file)?.trim().to_owned();
        cluster.port = cluster.reuse_or_launch().await?;
        Ok(cluster)
    }

    /// The connection URL of the application database (created by [`Self::ensure_database`]).
    pub fn url(&self) -> String {
        self.url_for(DB_NAME)
    }

    /// The connection URL of the maintenance database, used to create the application database.
    pub fn maintenance_url(&self) -> String {
        self.url_for("postgres")
    }

    fn url_for(&self, db: &str) -> String {
        format!(
            "postgres://{DB_USER}:{}@127.0.0.1:{}/{db}",
            self.password, self.port
        )
    }

    /// The directory holding the cluster's files.
    pub fn dir(&self) -> &Path {
        &self.pg_dir
    }

    /// Creates the application database if it does not exist yet. Waits while a reused server is
    /// still recovering ("the database system is starting up").
    pub async fn ensure_database(&self) -> Result<(), sqlx::Error> {
        use sqlx::Connection as _;
        let deadline = Instant::now() + START_TIMEOUT;
        let mut conn = loop {
            match sqlx::PgConnection::connect(&self.maintenance_url()).await {
                Ok(conn) => break conn,
                Err(sqlx::Error::Database(e))
                    if e.code().as_deref() == Some("57P03") && Instant::now() < deadline =>
                {
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => return Err(e),
            }
        };
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(DB_NAME)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::query("CREATE DATABASE chatterly")
                .execute(&mut conn)
                .await?;
        }
        conn.close().await
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (fast shutdown: open transactions roll back, data is kept).
    pub async fn stop(self) -> Result<(), ClusterError> {
        let pg_dir = self.pg_dir.to_string_lossy().into_owned();
        self.tools
            .run(
                "pg_ctl",
                &["stop", "-D", &pg_dir, "-m", "fast", "-w", "-t", "60"],
            )
            .await?;
        Ok(())
    }

    async fn init(&self, password_file: &Path) -> Result<(), ClusterError> {
        tracing::info!(dir = %self.pg_dir.display(), "initialising a private PostgreSQL cluster");
        make_dir(&self.pg_dir)?;
        self.tools.hand_over(&self.pg_dir).await?;
        let password = crate::session::SessionToken::generate().expose().to_owned();
        write_private(password_file, &password)?;
        // initdb reads the password from a file of its user's, next to the cluster (which that
        // user can reach), removed once the cluster exists.
        let initdb_password = self.pg_dir.with_extension("initdb-password");
        write_private(&initdb_password, &password)?;
        let result = async {
            self.tools.hand_over(&initdb_password).await?;
            let pg_dir = self.pg_dir.to_string_lossy().into_owned();
            let pwfile = format!("--pwfile={}", initdb_password.display());
            let args = [
                "-D",
                &pg_dir,
                "-U",
                DB_USER,
                "--auth=scram-sha-256",
                &pwfile,
                "-E",
                "UTF8",
                "--locale=C",
            ];
            self.tools.run("initdb", &args).await
        }
        .await;
        let _ = std::fs::remove_file(&initdb_password);
        match result {
            Ok(_) => Ok(()),
            Err(ClusterError::Command { stderr, .. }) => Err(ClusterError::InitFailed {
                dir: self.pg_dir.clone(),
                reason: postmaster::failure_reason(&stderr).unwrap_or(stderr),
            }),
            Err(e) => Err(e),
        }
    }

    /// Reuses a server already running on this cluster, or starts one: waits for an old server
    /// that is starting or stopping, and recognises a stale `postmaster.pid`.
    async fn reuse_or_launch(&self) -> Result<u16, ClusterError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let pid_path = self.pg_dir.join("postmaster.pid");
            let pid_file = std::fs::read_to_string(&pid_path)
                .ok()
                .and_then(|text| PidFile::parse(&text));
            if let Some(pid_file) = pid_file {
                let holder = postmaster::judge(postmaster::proc_stat(pid_file.pid).as_deref());
                match holder {
                    Holder::Running => {
                        if let Some(port) = pid_file.port
                            && accepts(port).await
                        {
                            tracing::info!(
                                port,
                                "reusing the private PostgreSQL cluster that is already running"
                            );
                            return Ok(port);
                        }
                        if Instant::now() > deadline {
                            return Err(ClusterError::StillRunning {
                                dir: self.pg_dir.clone(),
                                pid: pid_file.pid,
                            });
                        }
                        tokio::time::sleep(POLL).await;
                        continue;
                    }
                    Holder::Stale(stale) => {
                        tracing::warn!(
                            pid = pid_file.pid,
                            ?stale,
                            "found a stale postmaster.pid: the PostgreSQL that wrote it is no longer running"
                        );
                        if stale.blocks_start() {
                            std::fs::remove_file(&pid_path).map_err(|source| ClusterError::Io {
                                path: pid_path.clone(),
                                source,
                            })?;
                        }
                    }
                }
            }
            match self.launch().await {
                Ok(port) => return Ok(port),
                Err(ClusterError::StartFailed { reason, .. })
                    if postmaster::is_transient(&reason) && Instant::now() < deadline =>
                {
                    tracing::info!(%reason, "the private PostgreSQL cluster is not free yet; trying again");
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn launch(&self) -> Result<u16, ClusterError> {
        let port = free_port().map_err(|source| ClusterError::Io {
            path: self.pg_dir.clone(),
            source,
        })?;
        let pg_dir = self.pg_dir.to_string_lossy().into_owned();
        let log = self.pg_dir.join("server.log");
        let log_start = std::fs::metadata(&log).map_or(0, |m| m.len());
        let options =
            format!("-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''");
        let log_arg = log.to_string_lossy().into_owned();
        let args = [
            "start", "-D", &pg_dir, "-l", &log_arg, "-w", "-t", "60", "-o", &options,
        ];
        match self.tools.run("pg_ctl", &args).await {
            Ok(_) => {
                tracing::info!(port, dir = %self.pg_dir.display(), "private PostgreSQL cluster started");
                Ok(port)
            }
            Err(ClusterError::Command { stderr, .. }) => {
                let logged = read_from(&log, log_start);
                let reason = postmaster::failure_reason(&logged)
                    .or_else(|| postmaster::failure_reason(&stderr))
                    .unwrap_or(stderr);
                Err(ClusterError::StartFailed {
                    dir: self.pg_dir.clone(),
                    reason,
                    log,
                })
            }
            Err(e) => Err(e),
        }
    }
}

/// Whether a server accepts TCP connections on the loopback `port`.
async fn accepts(port: u16) -> bool {
    let connect = tokio::net::TcpStream::connect(("127.0.0.1", port));
    matches!(
        tokio::time::timeout(Duration::from_secs(1), connect).await,
        Ok(Ok(_))
    )
}

/// What was appended to `path` after `offset` bytes (empty if unreadable).
fn read_from(path: &Path, offset: u64) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let start = usize::try_from(offset).unwrap_or(0).min(bytes.len());
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}

fn read(path: &Path) -> Result<String, ClusterError> {
    std::fs::read_to_string(path).map_err(|source| ClusterError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn make_dir(path: &Path) -> Result<PathBuf, ClusterError> {
    std::fs::create_dir_all(path)
        .and_then(|()| path.canonicalize())
        .map_err(|source| ClusterError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn write_private(path: &Path, contents: &str) -> Result<(), ClusterError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(contents.as_bytes()))
        .map_err(|source| ClusterError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

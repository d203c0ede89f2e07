//! A private PostgreSQL cluster under the data directory, so `chatterly` runs with no
//! configuration: initialised on first start (`initdb`), started on a free loopback port with
//! password authentication, and stopped on shutdown. Used only when no `DATABASE_URL` is given.

use std::path::{Path, PathBuf};
use std::process::Output;

use tokio::process::Command;

/// Why the private cluster could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No PostgreSQL server binaries were found on this machine.
    #[error(
        "no PostgreSQL server binaries found (looked in $CHATTERLY_PG_BIN, /usr/lib/postgresql/*/bin and $PATH). \
         Install them (Debian/Ubuntu: `sudo apt-get install postgresql`) or set DATABASE_URL to an existing database"
    )]
    BinariesNotFound,
    /// PostgreSQL refuses to run as root and there is no `postgres` user to run it as.
    #[error(
        "running as root, and PostgreSQL refuses to run as root: create a `postgres` system user \
         (installing the `postgresql` package does) or set DATABASE_URL"
    )]
    NoServiceUser,
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
    bin: PathBuf,
    pg_dir: PathBuf,
    port: u16,
    password: String,
    run_as: Option<&'static str>,
}

const DB_USER: &str = "chatterly";
const DB_NAME: &str = "chatterly";

impl LocalCluster {
    /// Initialises (if needed) and starts the cluster in `<data_dir>/postgres`.
    pub async fn start(data_dir: &Path) -> Result<Self, ClusterError> {
        let bin = find_bin_dir().ok_or(ClusterError::BinariesNotFound)?;
        let run_as = if rustix::process::geteuid().is_root() {
            if !user_exists("postgres").await {
                return Err(ClusterError::NoServiceUser);
            }
            Some("postgres")
        } else {
            None
        };
        let data_dir = make_dir(data_dir)?;
        let pg_dir = data_dir.join("postgres");
        let password_file = data_dir.join("postgres-password");
        let mut cluster = Self {
            bin,
            pg_dir,
            port: 0,
            password: String::new(),
            run_as,
        };

        if !cluster.pg_dir.join("PG_VERSION").exists() {
            cluster.init(&password_file).await?;
        }
        cluster.password = std::fs::read_to_string(&password_file)
            .map_err(|source| ClusterError::Io {
                path: password_file.clone(),
                source,
            })?
            .trim()
            .to_owned();

        cluster.port = match cluster.running_port().await {
            Some(port) => {
                tracing::info!(
                    port,
                    "reusing the private PostgreSQL cluster that is already running"
                );
                port
            }
            None => cluster.launch().await?,
        };
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

    /// Creates the application database if it does not exist yet.
    pub async fn ensure_database(&self) -> Result<(), sqlx::Error> {
        use sqlx::Connection as _;
        let mut conn = sqlx::PgConnection::connect(&self.maintenance_url()).await?;
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
        self.run(
            "pg_ctl",
            &["stop", "-D", &pg_dir, "-m", "fast", "-w", "-t", "60"],
        )
        .await?;
        Ok(())
    }

    async fn init(&self, password_file: &Path) -> Result<(), ClusterError> {
        tracing::info!(dir = %self.pg_dir.display(), "initialising a private PostgreSQL cluster");
        make_dir(&self.pg_dir)?;
        let password = models_password();
        write_private(password_file, &password)?;
        if let Some(user) = self.run_as {
            chown(user, &self.pg_dir).await?;
            chown(user, password_file).await?;
        }
        let pg_dir = self.pg_dir.to_string_lossy().into_owned();
        let pwfile = format!("--pwfile={}", password_file.display());
        self.run(
            "initdb",
            &[
                "-D",
                &pg_dir,
                "-U",
                DB_USER,
                "--auth=scram-sha-256",
                &pwfile,
                "-E",
                "UTF8",
                "--locale=C",
            ],
        )
        .await?;
        Ok(())
    }

    async fn launch(&self) -> Result<u16, ClusterError> {
        let port = free_port().map_err(|source| ClusterError::Io {
            path: self.pg_dir.clone(),
            source,
        })?;
        let pg_dir = self.pg_dir.to_string_lossy().into_owned();
        let log = self
            .pg_dir
            .join("server.log")
            .to_string_lossy()
            .into_owned();
        let options =
            format!("-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''");
        self.run(
            "pg_ctl",
            &[
                "start", "-D", &pg_dir, "-l", &log, "-w", "-t", "60", "-o", &options,
            ],
        )
        .await?;
        tracing::info!(port, "private PostgreSQL cluster started");
        Ok(port)
    }

    /// The port of a server already running on this data directory, if any.
    async fn running_port(&self) -> Option<u16> {
        let pg_dir = self.pg_dir.to_string_lossy().into_owned();
        self.run("pg_ctl", &["status", "-D", &pg_dir]).await.ok()?;
        let pid_file = std::fs::read_to_string(self.pg_dir.join("postmaster.pid")).ok()?;
        pid_file.lines().nth(3)?.trim().parse().ok()
    }

    async fn run(&self, tool: &str, args: &[&str]) -> Result<Output, ClusterError> {
        let program = self.bin.join(tool);
        let mut command = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        command.args(args).kill_on_drop(true);
        let output = command.output().await.map_err(|source| ClusterError::Io {
            path: program.clone(),
            source,
        })?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(ClusterError::Command {
                command: format!("{} {}", program.display(), args.join(" ")),
                status: output.status.to_string(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            })
        }
    }
}

/// Finds a directory holding `initdb`, `pg_ctl` and `postgres`.
fn find_bin_dir() -> Option<PathBuf> {
    let has_tools = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|t| dir.join(t).is_file())
    };
    if let Some(dir) = std::env::var_os("CHATTERLY_PG_BIN").map(PathBuf::from) {
        return has_tools(&dir).then_some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_tools(dir))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|dir| has_tools(dir))
            .and_then(|dir| {
                dir.join("initdb")
                    .canonicalize()
                    .ok()?
                    .parent()
                    .map(Path::to_path_buf)
            })
            .filter(|dir| has_tools(dir))
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

fn models_password() -> String {
    crate::session::SessionToken::generate().expose().to_owned()
}

async fn user_exists(name: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(name)
        .output()
        .await
        .is_ok_and(|o| o.status.success())
}

async fn chown(user: &str, path: &Path) -> Result<(), ClusterError> {
    let output = Command::new("chown")
        .arg("-R")
        .arg(format!("{user}:"))
        .arg(path)
        .output()
        .await
        .map_err(|source| ClusterError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(ClusterError::Command {
            command: format!("chown -R {user}: {}", path.display()),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

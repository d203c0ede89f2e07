//! PostgreSQL's server tools (`initdb`, `pg_ctl`) found on this machine and run as the right
//! user: as root they run as the `postgres` system user, since PostgreSQL refuses to run as root.

use std::path::{Path, PathBuf};
use std::process::Output;

use tokio::process::Command;

use super::ClusterError;

/// The system user PostgreSQL runs as when Chatterly runs as root.
pub(super) const SERVICE_USER: &str = "postgres";

/// Where the server binaries are and whom they run as.
#[derive(Debug)]
pub(super) struct Tools {
    bin: PathBuf,
    run_as: Option<&'static str>,
}

impl Tools {
    /// Finds the binaries and, as root, checks that the service user exists.
    pub async fn find() -> Result<Self, ClusterError> {
        let bin = find_bin_dir().ok_or(ClusterError::BinariesNotFound)?;
        let run_as = if rustix::process::geteuid().is_root() {
            if !succeeds(Command::new("id").args(["-u", SERVICE_USER])).await {
                return Err(ClusterError::NoServiceUser);
            }
            Some(SERVICE_USER)
        } else {
            None
        };
        Ok(Self { bin, run_as })
    }

    /// Whether the tools run as another user (Chatterly runs as root).
    pub fn as_service_user(&self) -> bool {
        self.run_as.is_some()
    }

    /// Whether the user the server runs as can enter `dir` (every parent included).
    pub async fn can_enter(&self, dir: &Path) -> bool {
        match self.run_as {
            None => true,
            Some(user) => {
                let mut test = Command::new("runuser");
                test.args(["-u", user, "--", "test", "-x"])
                    .arg(dir)
                    .current_dir("/");
                succeeds(&mut test).await
            }
        }
    }

    /// Hands `path` (recursively) to the user the server runs as; nothing to do when not root.
    pub async fn hand_over(&self, path: &Path) -> Result<(), ClusterError> {
        let Some(user) = self.run_as else {
            return Ok(());
        };
        let mut chown = Command::new("chown");
        chown.arg("-R").arg(format!("{user}:")).arg(path);
        checked(chown, format!("chown -R {user}: {}", path.display())).await?;
        Ok(())
    }

    /// Runs one of the server tools, as the service user when root. The working directory is `/`,
    /// since the service user may not be allowed into the caller's.
    pub async fn run(&self, tool: &str, args: &[&str]) -> Result<Output, ClusterError> {
        let program = self.bin.join(tool);
        let mut command = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        command.args(args).current_dir("/").kill_on_drop(true);
        checked(command, format!("{} {}", program.display(), args.join(" "))).await
    }
}

async fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .is_ok_and(|status| status.success())
}

async fn checked(mut command: Command, described: String) -> Result<Output, ClusterError> {
    let output = command.output().await.map_err(|source| ClusterError::Io {
        path: PathBuf::from(&described),
        source,
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(ClusterError::Command {
            command: described,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
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

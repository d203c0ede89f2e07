//! What an existing `postmaster.pid` says, and whether the server that wrote it is still there.
//!
//! After a hard kill (SIGKILL, the OOM killer, a container stop) the file stays behind. PostgreSQL
//! itself ignores a lock file whose process is gone, but not one whose process is a zombie not
//! yet reaped or whose PID now belongs to another program; both happen when a restart follows
//! the kill within a second. These functions are pure so that the judgement is unit-tested.

/// The lines of `postmaster.pid` Chatterly reads (PostgreSQL's `pidfile.h` numbers them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PidFile {
    /// The postmaster's process id (line 1; negative in single-user mode).
    pub pid: i32,
    /// The port it listens on (line 4), once written.
    pub port: Option<u16>,
}

impl PidFile {
    /// Parses the file's text; `None` when even the PID line is missing (a file being written).
    pub fn parse(text: &str) -> Option<Self> {
        let mut lines = text.lines();
        let pid: i32 = lines.next()?.trim().parse().ok()?;
        let port = lines.nth(2).and_then(|line| line.trim().parse().ok());
        Some(Self {
            pid: pid.abs(),
            port,
        })
    }
}

/// What became of the process a pid file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Holder {
    /// A PostgreSQL process with that PID is alive.
    Running,
    /// The file is left over from a server that is no longer running.
    Stale(Stale),
}

/// Why a pid file is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stale {
    /// No process has that PID: PostgreSQL overwrites such a file by itself.
    Gone,
    /// The process has exited but its parent has not reaped it yet.
    Zombie,
    /// The PID was reused by another program (its name is kept for the log).
    OtherProgram(String),
}

impl Stale {
    /// Whether PostgreSQL would refuse to start while the file exists, so it must be removed.
    /// Removing it is safe: PostgreSQL's shared-memory interlock, keyed on the data directory,
    /// still refuses to start while any old backend is attached.
    pub fn blocks_start(&self) -> bool {
        !matches!(self, Self::Gone)
    }
}

/// Judges the holder from the text of `/proc/<pid>/stat` (`None`: no such process).
pub(super) fn judge(stat: Option<&str>) -> Holder {
    let Some(stat) = stat else {
        return Holder::Stale(Stale::Gone);
    };
    // "pid (comm) state ...": the name may itself contain spaces and parentheses.
    let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
        return Holder::Running;
    };
    let name = &stat[open + 1..close];
    let state = stat[close + 1..].split_whitespace().next().unwrap_or("");
    if matches!(state, "Z" | "X" | "x") {
        Holder::Stale(Stale::Zombie)
    } else if name != "postgres" && name != "postmaster" {
        Holder::Stale(Stale::OtherProgram(name.to_owned()))
    } else {
        Holder::Running
    }
}

/// Reads `/proc/<pid>/stat` (`None` when the process does not exist).
pub(super) fn proc_stat(pid: i32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()
}

/// Failures worth another try a moment later: an old server's lock file or shared memory not yet
/// released, or the chosen port taken in the meantime.
pub(super) fn is_transient(reason: &str) -> bool {
    [
        "lock file",
        "shared memory block",
        "could not bind",
        "could not create any TCP/IP sockets",
        "Address already in use",
    ]
    .iter()
    .any(|needle| reason.contains(needle))
}

/// The one line that says why PostgreSQL failed: the last `FATAL`/`PANIC`/`ERROR` message in a
/// log or a tool's output, without its timestamp prefix; else the last non-empty line.
pub(super) fn failure_reason(output: &str) -> Option<String> {
    let lines: Vec<&str> = output.lines().map(str::trim).collect();
    let reason = lines
        .iter()
        .rev()
        .find_map(|line| {
            ["FATAL:", "PANIC:", "ERROR:"]
                .iter()
                .find_map(|tag| line.find(tag).map(|at| line[at + tag.len()..].trim()))
        })
        .or_else(|| lines.iter().rev().find(|line| !line.is_empty()).copied())?;
    Some(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PID_FILE: &str = "4242\n/var/lib/chatterly/clusters/ab\n1764676800\n54321\n\n127.0.0.1\n  5432001    65538\nready   \n";

    #[test]
    fn a_pid_file_gives_pid_and_port() {
        assert_eq!(
            PidFile::parse(PID_FILE),
            Some(PidFile {
                pid: 4242,
                port: Some(54321)
            })
        );
    }

    #[test]
    fn a_pid_file_being_written_has_no_port_yet() {
        assert_eq!(
            PidFile::parse("4242\n/data\n"),
            Some(PidFile {
                pid: 4242,
                port: None
            })
        );
        assert_eq!(PidFile::parse(""), None);
        assert_eq!(PidFile::parse("not a pid\n"), None);
    }

    #[test]
    fn a_live_postgres_holds_the_file() {
        let stat = "4242 (postgres) S 1 4242 4242 0 -1 4194560 1071 0 0 0";
        assert_eq!(judge(Some(stat)), Holder::Running);
    }

    #[test]
    fn a_missing_process_a_zombie_or_another_program_leaves_it_stale() {
        assert_eq!(judge(None), Holder::Stale(Stale::Gone));
        let zombie = "4242 (postgres) Z 1 4242 4242 0 -1 4227084 1207 0 0 0";
        assert_eq!(judge(Some(zombie)), Holder::Stale(Stale::Zombie));
        let reused = "4242 (my (odd) shell) S 1 4242 4242 0 -1";
        assert_eq!(
            judge(Some(reused)),
            Holder::Stale(Stale::OtherProgram("my (odd) shell".into()))
        );
    }

    #[test]
    fn only_a_gone_holder_is_left_for_postgres_to_overwrite() {
        assert!(!Stale::Gone.blocks_start());
        assert!(Stale::Zombie.blocks_start());
        assert!(Stale::OtherProgram("bash".into()).blocks_start());
    }

    #[test]
    fn the_reason_is_the_last_fatal_line_without_its_prefix() {
        let log = "2026-12-02 12:00:00.000 UTC [7] LOG:  starting PostgreSQL 15\n\
                   2026-12-02 12:00:00.001 UTC [7] FATAL:  pre-existing shared memory block (key 5432001, ID 65538) is still in use\n\
                   2026-12-02 12:00:00.001 UTC [7] HINT:  Terminate any old server processes.\n";
        let reason = failure_reason(log).expect("a reason");
        assert_eq!(
            reason,
            "pre-existing shared memory block (key 5432001, ID 65538) is still in use"
        );
        assert!(is_transient(&reason));
    }

    #[test]
    fn without_a_fatal_line_the_last_line_is_the_reason() {
        assert_eq!(
            failure_reason("pg_ctl: could not start server\nExamine the log output.\n\n"),
            Some("Examine the log output.".into())
        );
        assert_eq!(failure_reason("\n \n"), None);
        assert!(!is_transient(
            "data directory \"/x\" has invalid permissions"
        ));
    }
}

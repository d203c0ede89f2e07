//! A real SMTP server for mail tests: aiosmtpd (Debian's `python3-aiosmtpd`) storing every
//! message it accepts in a Maildir, started on a free port and stopped on drop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running aiosmtpd.
pub struct SmtpServer {
    /// Where it listens.
    pub addr: SocketAddr,
    maildir: tempfile::TempDir,
    child: Child,
}

impl SmtpServer {
    /// Starts aiosmtpd with the Maildir handler and waits until it accepts connections.
    pub fn start() -> Self {
        let port = crate::free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let maildir = tempfile::tempdir().expect("maildir");
        let box_path = maildir.path().join("box");
        // Debian's interpreter, where python3-aiosmtpd is installed (not a pyenv one on PATH).
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&box_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd: apt-get install python3-aiosmtpd");
        crate::wait_until_listening(addr, "aiosmtpd");
        Self {
            addr,
            maildir,
            child,
        }
    }

    /// The URL to configure Chatterly with.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message received so far, raw.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let new: PathBuf = self.maildir.path().join("box").join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|p| std::fs::read(p).ok())
            .collect()
    }

    /// Waits until at least `count` messages arrived (or `timeout` passes) and returns them.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let started = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= count || started.elapsed() > timeout {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

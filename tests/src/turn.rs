//! A real TURN server for room tests: coturn (Debian's `coturn`) on a free loopback port with one
//! long-term user, relaying between loopback peers, stopped on drop.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

/// The TURN user name tests configure.
pub const USER: &str = "chatterly";
/// Its password.
pub const PASSWORD: &str = "turn-secret";

/// A running coturn.
pub struct TurnServer {
    /// Where it listens (UDP and TCP).
    pub addr: SocketAddr,
    child: Child,
}

impl TurnServer {
    /// Starts coturn and waits until it listens.
    pub fn start() -> Self {
        let port = crate::free_port();
        let relay_base = 40_000 + (port % 20_000);
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = Command::new("turnserver")
            .args([
                "-n",
                "--no-cli",
                "--no-tls",
                "--no-dtls",
                "--lt-cred-mech",
                "--allow-loopback-peers",
            ])
            .args(["--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1"])
            .args(["--listening-port", &port.to_string()])
            .args([
                "--min-port",
                &relay_base.to_string(),
                "--max-port",
                &(relay_base + 200).to_string(),
            ])
            .args([
                "--realm",
                "chatterly.test",
                "--user",
                &format!("{USER}:{PASSWORD}"),
            ])
            .args(["--log-file", "stdout", "--simple-log"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start turnserver: apt-get install coturn");
        crate::wait_until_listening(addr, "coturn");
        Self { addr, child }
    }

    /// The URL to configure Chatterly with.
    pub fn url(&self) -> String {
        format!("turn:{}?transport=udp", self.addr)
    }
}

impl Drop for TurnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Several `chatterly serve` processes on one test database, sharing live events over a private
//! `nats-server` (never the machine's shared one): for the multi-node tests
//! (`tests/tests/suite/nodes_*.rs`). Each node is a real child process, so a test can kill it
//! with SIGKILL, stop it with SIGTERM, or stop and continue the NATS server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::TestApp;

/// A private NATS server on a free loopback port.
pub struct NatsServer {
    child: Option<Child>,
    /// Its port (kept across restarts, so nodes reconnect to the same URL).
    pub port: u16,
}

/// Where Debian's `nats-server` package puts the binary (or the `PATH`).
fn nats_server_bin() -> PathBuf {
    ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("nats-server"))
}

impl NatsServer {
    /// Starts a private NATS server and waits until it listens.
    pub fn start() -> Self {
        let mut server = Self {
            child: None,
            port: crate::free_port(),
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let child = Command::new(nats_server_bin())
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server (scripts/test installs the nats-server package)");
        self.child = Some(child);
        crate::wait_until_listening(SocketAddr::from(([127, 0, 0, 1], self.port)), "nats-server");
    }

    /// The server's process id (for CPU figures).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The URL nodes connect to.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn signal(&self, signal: &str) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(child.id().to_string())
                .status();
        }
    }

    /// Freezes the server (SIGSTOP): connections stay open but nothing moves.
    pub fn pause(&self) {
        self.signal("STOP");
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("CONT");
    }

    /// Kills the server (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.resume();
        self.kill();
    }
}

/// One `chatterly serve` process; [`Node::app`] drives it with the usual test helpers.
pub struct Node {
    child: Child,
    /// The helpers of [`TestApp`], pointed at this process.
    pub app: TestApp,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// The URL of the test's database, for a child process.
pub fn database_url(db: &PgPool) -> String {
    let options = db.connect_options();
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("postgres")
    )
}

impl Node {
    /// Starts a node on `db` with the bus at `nats` (and the extra environment `env`), and waits
    /// until it is ready.
    pub async fn start(
        db: &PgPool,
        nats: &NatsServer,
        subject: &str,
        env: &[(&str, &str)],
    ) -> Self {
        let dir = tempfile::tempdir().expect("node directory");
        let addr = SocketAddr::from(([127, 0, 0, 1], crate::free_port()));
        let log = dir.path().join("node.log");
        let mut command =
            Command::new(crate::server_process::chatterly_bin().expect("chatterly binary"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url(db))
            .env("CHATTERLY_DATA_DIR", dir.path().join("data"))
            .env("CHATTERLY_BIND", addr.to_string())
            .env("CHATTERLY_NATS_URL", nats.url())
            .env("CHATTERLY_NATS_SUBJECT", subject)
            .env("CHATTERLY_MAILER_ENABLED", "false")
            .env("CHATTERLY_MOOD_JOB_ENABLED", "false")
            .env("CHATTERLY_MESSAGES_PER_SECOND", "10000")
            .env("CHATTERLY_PRESENCE_GRACE_MS", "200")
            .env("CHATTERLY_LOGIN_RATE_PER_IP", "10000")
            .env("RUST_LOG", "info")
            .env("CHATTERLY_LOG_FORMAT", "json");
        let file = std::fs::File::create(&log).expect("log file");
        command
            .stdout(file.try_clone().expect("log file"))
            .stderr(file);
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("start chatterly");
        let mut node = Self {
            child,
            app: TestApp::external(addr, db.clone()),
            log,
            _dir: dir,
        };
        crate::private_server::wait_ready(
            &mut node.child,
            addr,
            &node.log,
            Duration::from_secs(60),
        )
        .await;
        node
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.app.addr
    }

    /// What it logged so far (for failure messages).
    pub fn log(&self) -> String {
        read_log(&self.log)
    }

    /// Kills it with SIGKILL (no shutdown of any kind) and waits for it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM (as an orchestrator does) without waiting.
    pub fn terminate(&self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
    }

    /// Waits for the process to exit, at most `wait`; whether it did.
    pub fn wait_exit(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if self.child.try_wait().is_ok_and(|s| s.is_some()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill9();
    }
}

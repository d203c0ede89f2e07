//! The `chatterly` binary as a child process serving with no DATABASE_URL (its own private
//! PostgreSQL), for tests that must kill it, restart it or run it as another user.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::PASSWORD;

/// How a test starts the server.
pub enum Launch {
    /// The build's binary, as the test's own user.
    Build,
    /// The given binary, as another user and group (the test runs as root).
    As(&'static str, &'static str, PathBuf),
}

/// The `chatterly` binary serving on the data directory with no DATABASE_URL.
pub struct Server {
    /// The server process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    log: PathBuf,
}

impl Server {
    /// Starts the build's binary on `data_dir`, its stderr going to `log`, and waits until ready.
    pub async fn start(data_dir: &Path, log: PathBuf) -> Self {
        Self::start_as(&Launch::Build, data_dir, log).await
    }

    /// Starts the server as `launch` says, and waits until it is ready.
    pub async fn start_as(launch: &Launch, data_dir: &Path, log: PathBuf) -> Self {
        let addr = SocketAddr::from(([127, 0, 0, 1], crate::free_port()));
        let stderr = std::fs::File::create(&log).expect("log file");
        let mut command = match launch {
            Launch::Build => {
                Command::new(crate::server_process::chatterly_bin().expect("chatterly binary"))
            }
            Launch::As(user, group, bin) => {
                // setpriv execs the server (no process in between), so signals reach it.
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={user}"))
                    .arg(format!("--regid={group}"))
                    .args(["--clear-groups", "--"])
                    .arg(bin);
                c
            }
        };
        let child = command
            .arg("serve")
            .current_dir(data_dir.parent().expect("parent"))
            .env_remove("DATABASE_URL")
            .env_remove("CHATTERLY_DATABASE_URL")
            .env("CHATTERLY_DATA_DIR", data_dir)
            .env("CHATTERLY_BIND", addr.to_string())
            .env("CHATTERLY_MAILER_ENABLED", "false")
            .env("CHATTERLY_MOOD_JOB_ENABLED", "false")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start chatterly");
        let mut server = Self { child, addr, log };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        wait_ready(
            &mut self.child,
            self.addr,
            &self.log,
            Duration::from_secs(90),
        )
        .await;
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POSTs JSON (with a bearer token if given), asserting success; returns the JSON answer.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        let mut request = reqwest::Client::new().post(self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("json")
    }

    /// Signs up `email` and returns its user id and a bearer token.
    pub async fn user(&self, email: &str) -> (String, String) {
        let body = json!({ "email": email, "password": PASSWORD, "display_name": email });
        let created = self.post("/api/v1/auth/signup", None, body).await;
        let id = created["user"]["id"].as_str().expect("id").to_owned();
        (id, self.token(email).await)
    }

    /// A bearer token for `email`.
    pub async fn token(&self, email: &str) -> String {
        let login = json!({ "email": email, "password": PASSWORD });
        let token = self.post("/api/v1/auth/tokens", None, login).await;
        token["token"].as_str().expect("token").to_owned()
    }
}

impl Server {
    /// Stops the server as Ctrl-C does and waits for it.
    pub fn stop(&mut self) {
        if self.child.try_wait().is_ok_and(|exited| exited.is_some()) {
            return;
        }
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits until the `chatterly` child at `addr` answers `/readyz`, failing with its log (`log`)
/// if it exits first or takes longer than `limit`.
pub(crate) async fn wait_ready(child: &mut Child, addr: SocketAddr, log: &Path, limit: Duration) {
    let started = Instant::now();
    let log_text = || std::fs::read_to_string(log).unwrap_or_default();
    loop {
        let exited = child.try_wait().expect("child status");
        assert!(
            exited.is_none(),
            "chatterly exited ({exited:?}):\n{}",
            log_text()
        );
        if let Ok(r) = reqwest::get(format!("http://{addr}/readyz")).await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "chatterly did not become ready:\n{}",
            log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

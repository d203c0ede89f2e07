//! Shared harness for Chatterly's end-to-end tests: spawns the real server on a random port
//! against the test's own fresh database (from `#[sqlx::test]`), and gives HTTP clients with
//! their own cookie jars, as separate browsers or devices would have.

pub mod browser;

use std::net::SocketAddr;

use api::Application;
use api::config::Config;
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The password every test account uses.
pub const PASSWORD: &str = "correct horse battery";

/// A running Chatterly server.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its database.
    pub db: PgPool,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestApp {
    /// Starts a server with the default test configuration.
    pub async fn spawn(db: PgPool) -> Self {
        Self::spawn_with(db, |_| {}).await
    }

    /// Starts a server after letting the test adjust its configuration.
    pub async fn spawn_with(db: PgPool, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: Some("(test pool)".into()),
            ..Config::default()
        };
        adjust(&mut config);
        let app = Application::with_pool(config, db.clone())
            .await
            .expect("build app");
        let addr = app.local_addr();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            app.run_until(shutdown).await.expect("server ran");
        });
        Self {
            addr,
            db,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A new client with its own cookie jar: a separate browser or device.
    pub fn device(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .user_agent("Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36")
            .build()
            .expect("client")
    }

    /// Signs up `email` on `device` and returns the response JSON (asserting 201).
    pub async fn signup(&self, device: &reqwest::Client, email: &str, name: &str) -> Value {
        let response = device
            .post(self.url("/api/v1/auth/signup"))
            .json(&json!({ "email": email, "password": PASSWORD, "display_name": name, "time_zone": "Europe/London" }))
            .send()
            .await
            .expect("signup request");
        assert_eq!(
            response.status(),
            201,
            "signup of {email} failed: {}",
            response.text().await.unwrap_or_default()
        );
        response.json().await.expect("signup json")
    }

    /// Logs `email` in on `device` (asserting 200).
    pub async fn login(&self, device: &reqwest::Client, email: &str) -> Value {
        let response = device
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), 200, "login of {email} failed");
        response.json().await.expect("login json")
    }

    /// Stops the server and waits until it has shut down.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Asserts the error shape `{ "error": { "code", "message" } }` with the given status and code.
pub async fn assert_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    let body: Value = response.json().await.expect("error body is JSON");
    assert_eq!(
        body["error"]["code"], code,
        "unexpected error code in {body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error message missing in {body}"
    );
    body
}

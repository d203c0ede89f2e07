//! Shared harness for Chatterly's end-to-end tests: spawns the real server on a random port
//! against the test's own fresh database (from `#[sqlx::test]`), and gives HTTP clients with
//! their own cookie jars, as separate browsers or devices would have.

pub mod browser;
pub mod chat;
pub mod consultations;
pub mod conversations;
pub mod mood;
pub mod nodes;
pub mod private_server;
pub mod rooms;
pub mod rtc;
pub mod server_process;
pub mod smtp;
pub mod turn;
pub mod ws;

use std::net::SocketAddr;

use api::Application;
use api::config::Config;
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A free TCP port on loopback, for a server a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Waits (up to 20 s) until something accepts TCP connections at `addr`; `what` names it.
pub fn wait_until_listening(addr: SocketAddr, what: &str) {
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{what} did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

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
    /// The server's own files (recordings, mail), removed with the app.
    _data: tempfile::TempDir,
}

impl TestApp {
    /// Starts a server with the default test configuration.
    pub async fn spawn(db: PgPool) -> Self {
        Self::spawn_with(db, |_| {}).await
    }

    /// Starts a server after letting the test adjust its configuration.
    pub async fn spawn_with(db: PgPool, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on(db, models::clock::Clock::system(), adjust).await
    }

    /// Starts a server whose background jobs (mailer, mood windows) run on `clock`, so the test
    /// moves time forward instead of sleeping until something falls due.
    pub async fn spawn_on(
        db: PgPool,
        clock: models::clock::Clock,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let data = tempfile::tempdir().expect("data directory");
        let mut config = Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: Some("(test pool)".into()),
            data_dir: data.path().to_owned(),
            // Tests that look at email turn the mailer on with their own SMTP server.
            mailer_enabled: false,
            // EmoBank lives beside the workspace; a checkout elsewhere names it with EMOBANK_CSV.
            mood_emobank_csv: std::env::var_os("EMOBANK_CSV")
                .map_or_else(|| api::config::DEFAULT_EMOBANK_CSV.into(), Into::into),
            ..Config::default()
        };
        adjust(&mut config);
        let app = Application::with_pool(config, db.clone(), clock)
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
            _data: data,
        }
    }

    /// The helpers of a test app for a server that runs elsewhere (another process at `addr`
    /// on the same database `db`); stopping it is the caller's business.
    pub fn external(addr: SocketAddr, db: PgPool) -> Self {
        Self {
            addr,
            db,
            stop: None,
            task: None,
            _data: tempfile::tempdir().expect("data directory"),
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

    /// Signs up `email` and returns its user id and a bearer token (an API-client device).
    pub async fn user_with_token(&self, email: &str, name: &str) -> (uuid::Uuid, String) {
        let created = self.signup(&self.device(), email, name).await;
        let id = created["user"]["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("user id");
        (id, self.token(email).await)
    }

    /// Logs `email` in as an API client and returns the bearer token.
    pub async fn token(&self, email: &str) -> String {
        let response = reqwest::Client::new()
            .post(self.url("/api/v1/auth/tokens"))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), 201, "token for {email}");
        let body: Value = response.json().await.expect("token json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// The id of the device session `token` belongs to (the one `/me/sessions` marks current).
    pub async fn current_session(&self, token: &str) -> String {
        let (_, sessions) = self.get_json(token, "/api/v1/me/sessions").await;
        sessions
            .as_array()
            .and_then(|all| all.iter().find(|s| s["current"] == true))
            .and_then(|s| s["id"].as_str())
            .expect("the current session")
            .to_owned()
    }

    /// Makes `user` a lecturer, as the admin holding `admin_token` (asserting success).
    pub async fn promote_to_lecturer(&self, admin_token: &str, user: uuid::Uuid) {
        let response = reqwest::Client::new()
            .put(self.url(&format!("/api/v1/admin/users/{user}/role")))
            .bearer_auth(admin_token)
            .json(&json!({ "role": "lecturer" }))
            .send()
            .await
            .expect("role request");
        assert_eq!(response.status(), 200, "promote {user}");
    }

    /// Publishes availability for the lecturer holding `token`: every day 08:00-20:00 in London,
    /// 30-minute slots, then the fields in `overrides` (asserting success).
    pub async fn publish_hours(&self, token: &str, overrides: Value) {
        let mut body = json!({
            "time_zone": "Europe/London",
            "slot_minutes": 30,
            "buffer_minutes": 0,
            "min_notice_minutes": 0,
            "horizon_days": 30,
            "weekly": (1..=7).map(|d| json!({ "weekday": d, "start": "08:00", "end": "20:00" })).collect::<Vec<_>>(),
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), overrides.as_object()) {
            for (k, v) in extra {
                body.insert(k.clone(), v.clone());
            }
        }
        let response = reqwest::Client::new()
            .put(self.url("/api/v1/me/availability"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("availability request");
        let status = response.status();
        assert_eq!(
            status,
            200,
            "publish availability: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// A GET with a bearer token, returning status and JSON body.
    pub async fn get_json(&self, token: &str, path: &str) -> (u16, Value) {
        let response = reqwest::Client::new()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
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

/// A second connection pool to the test's database, as a second server process would have.
pub async fn own_pool(db: &PgPool) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .connect_with((*db.connect_options()).clone())
        .await
        .expect("a second pool")
}

/// Sends `request` and decodes its JSON body (panicking on transport or JSON errors).
pub async fn json_of<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON body")
}

/// A POST of the JSON `body` to `path` on `app` with the bearer `token`, not yet sent.
pub fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
}

/// Sends `request` and asserts it is refused with `status` and `code` (see [`assert_error`]).
pub async fn assert_refused(request: reqwest::RequestBuilder, status: u16, code: &str) -> Value {
    assert_error(request.send().await.expect("request"), status, code).await
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

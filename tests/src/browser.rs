//! Real headless Chromium for browser tests, driven over WebDriver (chromedriver, started here
//! on a free port and stopped when the [`Browser`] is dropped).

use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use tokio::process::{Child, Command};

/// A chromedriver process and one WebDriver session on it.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
}

/// Where Debian installs Chromium and its driver (override with `CHROMIUM` / `CHROMEDRIVER`).
fn paths() -> (String, String) {
    (
        std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
    )
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a fresh profile.
    /// `extra_args` adds Chromium flags (e.g. fake media devices).
    pub async fn start(extra_args: &[&str]) -> anyhow::Result<Self> {
        // reqwest and fantoccini both bring rustls; pick its crypto provider once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (chromium, chromedriver) = paths();
        anyhow::ensure!(
            std::path::Path::new(&chromedriver).exists()
                && std::path::Path::new(&chromium).exists(),
            "Chromium or chromedriver missing ({chromium}, {chromedriver}): run `apt-get install chromium chromium-driver` \
             (the README's test command does this)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let profile = tempfile::tempdir()?;
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.extend(extra_args.iter().map(|a| (*a).to_owned()));
        let caps = json!({ "goog:chromeOptions": { "binary": chromium, "args": args } });
        let serde_json::Value::Object(caps) = caps else {
            anyhow::bail!("capabilities are an object")
        };

        let url = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let client = loop {
            match ClientBuilder::rustls()?
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if tokio::time::Instant::now() < deadline => {
                    tracing_free_wait(&e).await;
                }
                Err(e) => return Err(e.into()),
            }
        };
        Ok(Self {
            client,
            _driver: driver,
            _profile: profile,
        })
    }
}

async fn tracing_free_wait(_last_error: &fantoccini::error::NewSessionError) {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

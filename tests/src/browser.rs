//! Real headless Chromium for browser tests, driven over WebDriver (chromedriver, started here
//! on a free port and stopped when the [`Browser`] is dropped).

use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::process::{Child, Command};

/// A chromedriver process and one WebDriver session on it. Dropping it stops chromedriver and
/// every Chromium process it started (they share chromedriver's process group), so a test
/// leaves nothing running, even when it fails half-way.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(pid) = self.driver.id() {
            // The whole group: chromedriver and the browser processes below it.
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
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
            // Its own process group, so the browser it starts can be stopped with it.
            .process_group(0)
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
            driver,
            _profile: profile,
        })
    }
}

async fn tracing_free_wait(_last_error: &fantoccini::error::NewSessionError) {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// How long a browser test waits for the page to show something.
pub const WAIT: Duration = Duration::from_secs(10);

/// Polls until `css` matches an element.
pub async fn wait_for(client: &Client, css: &str) -> Element {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            return element;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{css} never appeared"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The visible text of `css`, if it exists.
pub async fn text_of(client: &Client, css: &str) -> Option<String> {
    client.find(Locator::Css(css)).await.ok()?.text().await.ok()
}

/// Polls until the visible text of `css` contains `needle`.
pub async fn wait_for_text(client: &Client, css: &str, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let text = text_of(client, css).await;
        if let Some(text) = &text
            && text.contains(needle)
        {
            return text.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{css} never showed {needle:?} (last: {text:?})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks `css`, retrying while it is missing or being re-rendered.
pub async fn click(client: &Client, css: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let clicked = match client.find(Locator::Css(css)).await {
            Ok(element) => element.click().await,
            Err(e) => Err(e),
        };
        match clicked {
            Ok(()) => return,
            Err(e) => assert!(
                tokio::time::Instant::now() < deadline,
                "could not click {css}: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Types `text` into the element matching `css` once it exists.
pub async fn type_into(client: &Client, css: &str, text: &str) {
    wait_for(client, css)
        .await
        .send_keys(text)
        .await
        .expect("type");
}

/// Signs up through the signup page (so the session cookie lives in this browser).
pub async fn sign_up(client: &Client, app: &crate::TestApp, name: &str, email: &str) {
    client
        .goto(&app.url("/#/signup"))
        .await
        .expect("open the signup page");
    for (field, value) in [
        ("display_name", name),
        ("email", email),
        ("password", crate::PASSWORD),
    ] {
        type_into(client, &format!("#signup-form [name={field}]"), value).await;
    }
    click(client, "#signup-form [type=submit]").await;
    wait_for_text(client, "#home-page", &format!("Welcome, {name}")).await;
}

/// Logs in through the login page (so the session cookie lives in this browser).
pub async fn log_in(client: &Client, app: &crate::TestApp, email: &str) {
    client
        .goto(&app.url("/#/login"))
        .await
        .expect("open the login page");
    type_into(client, "#login-form [name=email]", email).await;
    type_into(client, "#login-form [name=password]", crate::PASSWORD).await;
    click(client, "#login-form [type=submit]").await;
    wait_for(client, "#home-page").await;
}

/// Opens a page of the app by its hash route and waits for `css` on it.
pub async fn open_page(client: &Client, route: &str, css: &str) -> Element {
    client
        .execute(&format!("window.location.hash = '#{route}';"), vec![])
        .await
        .expect("navigate");
    wait_for(client, css).await
}

//! Password reset by email through a real SMTP server: the same answer for known and unknown
//! addresses, a link that works once and within the hour, every device signed out after.

use std::time::Duration;

use mail_parser::MessageParser;
use serde_json::json;
use sqlx::PgPool;
use tests::smtp::SmtpServer;
use tests::{PASSWORD, TestApp, assert_error};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// The reset token in an emailed link.
fn token_in(raw: &[u8]) -> String {
    let mail = MessageParser::default().parse(raw).expect("an email");
    let text = mail.body_text(0).expect("a text body").into_owned();
    let (_, rest) = text.split_once("token=").expect("a reset link");
    rest.split_whitespace()
        .next()
        .expect("the token")
        .to_owned()
}

async fn ask(app: &TestApp, email: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/password-reset"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .expect("ask for a link")
}

async fn confirm(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/password-reset/confirm"))
        .json(&json!({ "token": token, "new_password": password }))
        .send()
        .await
        .expect("confirm")
}

async fn login_status(app: &TestApp, password: &str) -> u16 {
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "ada@uni.ac.uk", "password": password }))
        .send()
        .await
        .expect("log in")
        .status()
        .as_u16()
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_reset_link_sets_a_new_password_once_and_signs_everyone_out(db: PgPool) {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(db, move |config| {
        config.mailer_enabled = true;
        config.smtp_url = Some(url);
        config.mail_poll_ms = 100;
        config.login_rate_per_account = 100;
        config.login_rate_per_ip = 1000;
    })
    .await;
    let (_, signed_in) = app.user_with_token("ada@uni.ac.uk", "Ada").await;

    // Known and unknown addresses get the same answer; only the known one gets mail.
    let known = ask(&app, "Ada@Uni.ac.uk").await;
    assert_eq!(known.status(), 202);
    let known: serde_json::Value = known.json().await.expect("json");
    let unknown = ask(&app, "nobody@uni.ac.uk").await;
    assert_eq!(unknown.status(), 202);
    let unknown: serde_json::Value = unknown.json().await.expect("json");
    assert_eq!(known, unknown);
    let mails = smtp.wait_for(1, Duration::from_secs(20)).await;
    let token = token_in(&mails[0]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1, "nothing for the unknown address");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM password_resets")
        .fetch_one(&app.db)
        .await
        .expect("the reset row");
    assert_ne!(stored, token.as_bytes(), "only a hash is stored");

    // A bad new password loses nothing; the good one works once and signs every device out.
    assert_error(
        confirm(&app, &token, "short").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(confirm(&app, &token, NEW_PASSWORD).await.status(), 204);
    assert_error(
        confirm(&app, &token, NEW_PASSWORD).await,
        409,
        "invalid_token",
    )
    .await;
    assert_error(
        confirm(&app, "made-up", NEW_PASSWORD).await,
        409,
        "invalid_token",
    )
    .await;
    let (status, _) = app.get_json(&signed_in, "/api/v1/me").await;
    assert_eq!(status, 401, "the old session is signed out");
    assert_eq!(login_status(&app, PASSWORD).await, 401);
    assert_eq!(login_status(&app, NEW_PASSWORD).await, 200);

    // An expired link does not work.
    assert_eq!(ask(&app, "ada@uni.ac.uk").await.status(), 202);
    let mails = smtp.wait_for(2, Duration::from_secs(20)).await;
    let late = token_in(&mails[1]);
    sqlx::query("UPDATE password_resets SET expires_at = now() - interval '1 minute'")
        .execute(&app.db)
        .await
        .expect("expire");
    assert_error(
        confirm(&app, &late, "yet another passphrase").await,
        409,
        "invalid_token",
    )
    .await;

    // At most three links an hour reach one inbox.
    for _ in 0..3 {
        assert_eq!(ask(&app, "ada@uni.ac.uk").await.status(), 202);
    }
    smtp.wait_for(3, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        smtp.messages().len(),
        3,
        "two resets this hour, plus one more, then no more"
    );
}

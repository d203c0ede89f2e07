//! Changing the password: the current one is checked, the new one validated, and every other
//! device (cookie or bearer token, open chat socket included) is signed out at once.

use serde_json::json;
use sqlx::PgPool;
use tests::ws::WsClient;
use tests::{PASSWORD, TestApp, assert_error};

const NEW_PASSWORD: &str = "a much longer passphrase";

async fn change(
    app: &TestApp,
    browser: &reqwest::Client,
    current: &str,
    new: &str,
) -> reqwest::Response {
    browser
        .post(app.url("/api/v1/me/password"))
        .json(&json!({ "current_password": current, "new_password": new }))
        .send()
        .await
        .expect("send")
}

async fn login_status(app: &TestApp, password: &str) -> u16 {
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/tokens"))
        .json(&json!({ "email": "ada@uni.ac.uk", "password": password }))
        .send()
        .await
        .expect("send")
        .status()
        .as_u16()
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn changing_the_password_signs_out_every_other_device(db: PgPool) {
    // Logins and password attempts share the account's limit; this test makes several.
    let app = TestApp::spawn_with(db, |c| c.login_rate_per_account = 100).await;
    let browser = app.device();
    app.signup(&browser, "ada@uni.ac.uk", "Ada").await;
    let phone = app.token("ada@uni.ac.uk").await;
    let mut phone_socket = WsClient::connect(app.addr, &phone).await.expect("connect");

    // A wrong current password or a too-short new one changes nothing.
    let wrong = change(&app, &browser, "not my password", NEW_PASSWORD).await;
    assert_error(wrong, 403, "wrong_password").await;
    let short = change(&app, &browser, PASSWORD, "short").await;
    assert_error(short, 422, "validation_failed").await;
    assert_eq!(
        app.get_json(&phone, "/api/v1/me").await.0,
        200,
        "still signed in"
    );
    assert_eq!(login_status(&app, PASSWORD).await, 201);

    let changed = change(&app, &browser, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(changed.status(), 204);
    // The phone is signed out, its socket closed; this browser stays signed in.
    let closed = phone_socket.next_of("__closed").await.expect("closed");
    assert_eq!(closed["code"], 4001);
    assert_eq!(app.get_json(&phone, "/api/v1/me").await.0, 401);
    let me = browser
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("send");
    assert_eq!(me.status(), 200);
    // Only the new password logs in.
    assert_eq!(login_status(&app, PASSWORD).await, 401);
    assert_eq!(login_status(&app, NEW_PASSWORD).await, 201);
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn guessing_the_current_password_is_limited(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| c.login_rate_per_account = 3).await;
    let browser = app.device();
    app.signup(&browser, "ada@uni.ac.uk", "Ada").await;
    for guess in 0..3 {
        let wrong = change(&app, &browser, &format!("guess {guess}"), NEW_PASSWORD).await;
        assert_error(wrong, 403, "wrong_password").await;
    }
    let limited = change(&app, &browser, PASSWORD, NEW_PASSWORD).await;
    assert_error(limited, 429, "rate_limited").await;
    app.stop().await;
}

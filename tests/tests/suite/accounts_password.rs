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

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_session_left_unused_for_a_week_is_signed_out(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let (_, kept) = app.user_with_token("ada@uni.ac.uk", "Ada").await;
    let idle = app.token("ada@uni.ac.uk").await;
    // Found through the other device, so the idle token is not used (nor cached) before.
    let (_, sessions) = app.get_json(&kept, "/api/v1/me/sessions").await;
    let idle_session: uuid::Uuid = sessions
        .as_array()
        .and_then(|all| all.iter().find(|s| s["current"] == false))
        .and_then(|s| s["id"].as_str())
        .and_then(|id| id.parse().ok())
        .expect("the other session");
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '8 days' WHERE id = $1")
        .bind(idle_session)
        .execute(&app.db)
        .await
        .expect("age the session");

    let (status, _) = app.get_json(&idle, "/api/v1/me").await;
    assert_eq!(status, 401, "the idle session is refused");
    let revoked: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT revoked_at FROM sessions WHERE id = $1")
            .bind(idle_session)
            .fetch_one(&app.db)
            .await
            .expect("read the session");
    assert!(
        revoked.is_some(),
        "and revoked, so it leaves the device list"
    );
    let (status, _) = app.get_json(&kept, "/api/v1/me").await;
    assert_eq!(status, 200, "a session in use stays");
}

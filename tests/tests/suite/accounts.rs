//! Signing up, logging in and out, device sessions and their revocation.

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::{PASSWORD, TestApp, assert_error};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn signup_logs_in_and_first_account_is_admin(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let laptop = app.device();
    let created = app
        .signup(&laptop, " Ada@Uni.AC.uk ", "Ada  Lovelace")
        .await;
    assert_eq!(created["user"]["email"], "ada@uni.ac.uk");
    assert_eq!(created["user"]["display_name"], "Ada Lovelace");
    assert_eq!(created["user"]["initials"], "AL");
    assert_eq!(
        created["user"]["role"], "admin",
        "the first account administers the system"
    );

    let me: Value = tests::json_of(laptop.get(app.url("/api/v1/me"))).await;
    assert_eq!(me["email"], "ada@uni.ac.uk");
    assert_eq!(me["time_zone"], "Europe/London");

    let second = app
        .signup(&app.device(), "grace@uni.ac.uk", "Grace Hopper")
        .await;
    assert_eq!(
        second["user"]["role"], "student",
        "later accounts start as students"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn session_cookie_is_httponly_and_samesite(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "email": "ada@uni.ac.uk", "password": PASSWORD, "display_name": "Ada" }))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("cookie set")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("chatterly_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    let body: Value = response.json().await.unwrap();
    assert!(
        body.get("token").is_none(),
        "browser logins never see the token"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn login_logout_and_wrong_password(db: PgPool) {
    let app = TestApp::spawn(db).await;
    app.signup(&app.device(), "ada@uni.ac.uk", "Ada").await;

    let phone = app.device();
    let wrong = phone
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "ada@uni.ac.uk", "password": "not the password" }))
        .send()
        .await
        .unwrap();
    assert_error(wrong, 401, "invalid_credentials").await;
    let unknown = phone
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "nobody@uni.ac.uk", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_error(unknown, 401, "invalid_credentials").await;
    assert_error(
        phone.get(app.url("/api/v1/me")).send().await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;

    app.login(&phone, "ADA@uni.ac.uk").await;
    assert_eq!(
        phone
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let out = phone
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_error(
        phone.get(app.url("/api/v1/me")).send().await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn duplicate_email_is_a_conflict(db: PgPool) {
    let app = TestApp::spawn(db).await;
    app.signup(&app.device(), "ada@uni.ac.uk", "Ada").await;
    let again = app
        .device()
        .post(app.url("/api/v1/auth/signup"))
        .json(
            &json!({ "email": "ADA@uni.ac.uk", "password": PASSWORD, "display_name": "Other Ada" }),
        )
        .send()
        .await
        .unwrap();
    assert_error(again, 409, "email_taken").await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn two_devices_list_and_revoke_sessions(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let laptop = app.device();
    let phone = app.device();
    app.signup(&laptop, "ada@uni.ac.uk", "Ada").await;
    let phone_login = app.login(&phone, "ada@uni.ac.uk").await;
    let phone_session = phone_login["session_id"].as_str().unwrap().to_owned();

    let sessions: Vec<Value> = tests::json_of(laptop.get(app.url("/api/v1/me/sessions"))).await;
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(sessions.iter().all(|s| s["device"] == "Chrome on Linux"));
    assert!(
        sessions
            .iter()
            .any(|s| s["id"] == phone_session.as_str() && s["current"] == false)
    );

    // The phone is in use (so its session is cached) when the laptop logs it out.
    assert_eq!(
        phone
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let revoke = laptop
        .delete(app.url(&format!("/api/v1/me/sessions/{phone_session}")))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    assert_error(
        phone.get(app.url("/api/v1/me")).send().await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(
        laptop
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "the laptop stays in"
    );

    let remaining: Vec<Value> = tests::json_of(laptop.get(app.url("/api/v1/me/sessions"))).await;
    assert_eq!(remaining.len(), 1);
    let again = laptop
        .delete(app.url(&format!("/api/v1/me/sessions/{phone_session}")))
        .send()
        .await
        .unwrap();
    assert_error(again, 404, "not_found").await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn nobody_can_revoke_another_users_session(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let ada = app.device();
    let grace = app.device();
    app.signup(&ada, "ada@uni.ac.uk", "Ada").await;
    let grace_login = app.signup(&grace, "grace@uni.ac.uk", "Grace").await;
    let grace_session = grace_login["session_id"].as_str().unwrap();

    let attempt = ada
        .delete(app.url(&format!("/api/v1/me/sessions/{grace_session}")))
        .send()
        .await
        .unwrap();
    assert_error(attempt, 404, "not_found").await;
    assert_eq!(
        grace
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn bearer_tokens_work_and_are_revocable(db: PgPool) {
    let app = TestApp::spawn(db).await;
    app.signup(&app.device(), "ada@uni.ac.uk", "Ada").await;
    let client = reqwest::Client::new();
    let issued = client
        .post(app.url("/api/v1/auth/tokens"))
        .json(&json!({ "email": "ada@uni.ac.uk", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), 201);
    assert!(
        issued.headers().get("set-cookie").is_none(),
        "API clients get no cookie"
    );
    let issued: Value = issued.json().await.unwrap();
    let token = issued["token"].as_str().unwrap();

    let me = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let bogus = client
        .get(app.url("/api/v1/me"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_error(bogus, 401, "unauthenticated").await;

    let out = client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_error(after, 401, "unauthenticated").await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn revocation_reaches_every_server_process(db: PgPool) {
    // Two servers on one database, as behind a load balancer.
    let node_a = TestApp::spawn(db.clone()).await;
    let node_b = TestApp::spawn(db).await;
    node_a
        .signup(&node_a.device(), "ada@uni.ac.uk", "Ada")
        .await;
    let client = reqwest::Client::new();
    let issued: Value = client
        .post(node_a.url("/api/v1/auth/tokens"))
        .json(&json!({ "email": "ada@uni.ac.uk", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = issued["token"].as_str().unwrap();
    // Node B resolves (and caches) the session.
    assert_eq!(
        client
            .get(node_b.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let out = client
        .post(node_a.url("/api/v1/auth/logout"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);

    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        let status = client
            .get(node_b.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status();
        if status == 401 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node B still accepts a revoked session"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

//! Bad input gets precise errors and never a 500; login and signup are rate-limited.

use serde_json::json;
use sqlx::PgPool;
use tests::{PASSWORD, TestApp, assert_error};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn malformed_and_invalid_signups_are_rejected_precisely(db: PgPool) {
    let app = TestApp::spawn(db).await;
    bodies_that_are_not_a_signup_are_refused(&app).await;
    invalid_fields_are_named(&app).await;
    a_huge_body_is_refused_and_nothing_was_created(&app).await;

    let client = reqwest::Client::new();
    assert_error(
        client
            .get(app.url("/api/v1/no-such-thing"))
            .send()
            .await
            .expect("send the request"),
        404,
        "not_found",
    )
    .await;
    assert_error(
        client
            .delete(app.url("/api/v1/me"))
            .send()
            .await
            .expect("send the request"),
        405,
        "method_not_allowed",
    )
    .await;
}

/// Broken JSON, another media type, wrong types, unknown and missing fields.
async fn bodies_that_are_not_a_signup_are_refused(app: &TestApp) {
    let client = reqwest::Client::new();
    let signup = app.url("/api/v1/auth/signup");
    let syntax = client
        .post(&signup)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send the request");
    assert_error(syntax, 400, "malformed_json").await;

    let not_json = client
        .post(&signup)
        .body("email=a")
        .send()
        .await
        .expect("send the request");
    assert_error(not_json, 415, "unsupported_media_type").await;

    let wrong_type = client
        .post(&signup)
        .json(&json!({ "email": 42, "password": PASSWORD, "display_name": "Ada" }))
        .send()
        .await
        .expect("send the request");
    assert_error(wrong_type, 422, "invalid_body").await;

    let unknown_field = client
        .post(&signup)
        .json(&json!({ "email": "a@uni.ac.uk", "password": PASSWORD, "display_name": "Ada", "role": "admin" }))
        .send()
        .await
        .expect("send the request");
    assert_error(unknown_field, 422, "invalid_body").await;

    let missing = client
        .post(&signup)
        .json(&json!({ "email": "a@uni.ac.uk" }))
        .send()
        .await
        .expect("send the request");
    assert_error(missing, 422, "invalid_body").await;
}

/// Each invalid field is refused with a message that starts with its name.
async fn invalid_fields_are_named(app: &TestApp) {
    let client = reqwest::Client::new();
    let signup = app.url("/api/v1/auth/signup");
    for (body, needle) in [
        (
            json!({ "email": "not-an-email", "password": PASSWORD, "display_name": "Ada" }),
            "email",
        ),
        (
            json!({ "email": "a@uni.ac.uk", "password": "short", "display_name": "Ada" }),
            "password",
        ),
        (
            json!({ "email": "a@uni.ac.uk", "password": PASSWORD, "display_name": "" }),
            "display_name",
        ),
        (
            json!({ "email": "a@uni.ac.uk", "password": PASSWORD, "display_name": "Ada", "time_zone": "Nowhere/City" }),
            "time_zone",
        ),
    ] {
        let response = client
            .post(&signup)
            .json(&body)
            .send()
            .await
            .expect("send the request");
        let error = assert_error(response, 422, "validation_failed").await;
        let message = error["error"]["message"].as_str().expect("a message");
        assert!(
            message.starts_with(needle),
            "message {message:?} should name {needle}"
        );
    }
}

/// A 100 kB signup is refused; after all the refusals, no user exists.
async fn a_huge_body_is_refused_and_nothing_was_created(app: &TestApp) {
    let huge = reqwest::Client::new()
        .post(app.url("/api/v1/auth/signup"))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"email":"a@uni.ac.uk","password":"{}","display_name":"Ada"}}"#,
            "x".repeat(100_000)
        ))
        .send()
        .await
        .expect("send the request");
    assert_error(huge, 413, "payload_too_large").await;

    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db)
        .await
        .expect("count the users");
    assert_eq!(count, 0, "no rejected signup created anything");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn login_attempts_are_limited_per_account(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| {
        c.login_rate_per_account = 3;
        c.trust_proxy = true;
    })
    .await;
    app.signup(&app.device(), "ada@uni.ac.uk", "Ada").await;
    let client = reqwest::Client::new();
    let from = |address: &'static str, password: &'static str| {
        client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", address)
            .json(&json!({ "email": "ada@uni.ac.uk", "password": password }))
            .send()
    };
    let attempt = |password: &'static str| from("10.0.0.66", password);
    for _ in 0..3 {
        assert_error(
            attempt("guess guess guess").await.unwrap(),
            401,
            "invalid_credentials",
        )
        .await;
    }
    let limited = attempt(PASSWORD).await.unwrap();
    assert!(
        limited.headers().get("retry-after").is_some(),
        "429 says when to retry"
    );
    assert_error(limited, 429, "rate_limited").await;
    // The guesser's address is held back; Ada, from her own, is not locked out.
    assert_eq!(from("10.0.0.7", PASSWORD).await.unwrap().status(), 200);

    // Another account from the same address is not locked out by Ada's limit.
    app.signup(&app.device(), "grace@uni.ac.uk", "Grace").await;
    let other = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "grace@uni.ac.uk", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn signups_and_logins_are_limited_per_address(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| c.login_rate_per_ip = 4).await;
    let client = reqwest::Client::new();
    for i in 0..4 {
        app.signup(&client, &format!("user{i}@uni.ac.uk"), "Someone")
            .await;
    }
    let fifth = client
        .post(app.url("/api/v1/auth/signup"))
        .json(
            &json!({ "email": "user5@uni.ac.uk", "password": PASSWORD, "display_name": "Someone" }),
        )
        .send()
        .await
        .unwrap();
    assert_error(fifth, 429, "rate_limited").await;
    let login = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "user0@uni.ac.uk", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_error(login, 429, "rate_limited").await;
}

/// Found by schemathesis: a NUL character reached PostgreSQL (which cannot store it) and the
/// search answered 500. Every request carrying one is now refused precisely.
#[sqlx::test(migrator = "models::MIGRATOR")]
async fn nul_characters_are_refused_not_a_server_error(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let (_, token) = app.user_with_token("ada@uni.ac.uk", "Ada").await;
    let (status, body) = app.get_json(&token, "/api/v1/search?q=a%00b").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "validation_failed");
    let renamed = reqwest::Client::new()
        .patch(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"display_name":"Ada\u0000Lovelace"}"#)
        .send()
        .await
        .unwrap();
    assert_error(renamed, 422, "validation_failed").await;
    let (_, me) = app.get_json(&token, "/api/v1/me").await;
    assert_eq!(me["display_name"], "Ada", "nothing changed");
}

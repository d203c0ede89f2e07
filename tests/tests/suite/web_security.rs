//! Requests from other sites: a change sent with the session cookie from another site's page
//! (form post, fetch, WebSocket) is refused and changes nothing; our own pages, API clients with
//! a bearer token and non-browser clients pass; every response carries the security headers;
//! a dataset upload must say it is CSV or TSV.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::ws::WsClient;
use tests::{TestApp, assert_error, json_of};

const EVIL: &str = "https://evil.example";

/// A browser session for Ada (cookie) and a bearer token of hers; the cookie header's value.
async fn ada(app: &TestApp) -> (reqwest::Client, String, String) {
    let browser = app.device();
    app.signup(&browser, "ada@uni.ac.uk", "Ada").await;
    let token = app.token("ada@uni.ac.uk").await;
    let cookie = format!("chatterly_session={token}");
    (browser, token, cookie)
}

async fn rename(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = client
        .patch(app.url("/api/v1/me"))
        .json(&json!({ "display_name": name }));
    for (header, value) in headers {
        request = request.header(*header, *value);
    }
    request.send().await.expect("send")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn another_sites_page_cannot_change_anything_with_the_cookie(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let (browser, token, _) = ada(&app).await;
    for evidence in [("origin", EVIL), ("sec-fetch-site", "cross-site")] {
        let refused = rename(&app, &browser, "Pwned", &[evidence]).await;
        let body = assert_error(refused, 403, "cross_site").await;
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("another site"))
        );
    }
    let (_, me) = app.get_json(&token, "/api/v1/me").await;
    assert_eq!(me["display_name"], "Ada", "nothing changed");

    // Our own page, a client that is no browser, and a bearer token all pass.
    let own = format!("http://{}", app.addr);
    let from_our_page = rename(&app, &browser, "Ada L", &[("origin", &own)]).await;
    assert_eq!(from_our_page.status(), StatusCode::OK);
    let same_origin = [("sec-fetch-site", "same-origin")];
    assert_eq!(
        rename(&app, &browser, "Ada M", &same_origin).await.status(),
        200
    );
    assert_eq!(rename(&app, &browser, "Ada N", &[]).await.status(), 200);
    let api_client = reqwest::Client::new();
    let bearer = format!("Bearer {token}");
    let with_token = [("authorization", bearer.as_str()), ("origin", EVIL)];
    assert_eq!(
        rename(&app, &api_client, "Ada O", &with_token)
            .await
            .status(),
        200
    );
    // Reading is not a change: another site's GET gets the answer it could not read anyway.
    let read = browser
        .get(app.url("/api/v1/me"))
        .header("origin", EVIL)
        .send()
        .await
        .expect("send");
    assert_eq!(read.status(), 200);
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn another_sites_page_cannot_open_the_chat_socket_with_the_cookie(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let (_, _, cookie) = ada(&app).await;
    let hijack = WsClient::try_connect(app.addr, &[("cookie", &cookie), ("origin", EVIL)]).await;
    assert_eq!(hijack.err(), Some(403));
    let own = format!("http://{}", app.addr);
    let ours = WsClient::try_connect(app.addr, &[("cookie", &cookie), ("origin", &own)]).await;
    assert!(ours.is_ok(), "our own page connects");
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn every_response_carries_the_security_headers(db: PgPool) {
    let app = TestApp::spawn(db.clone()).await;
    for path in ["/", "/app.js", "/api/v1/me", "/api/v1/nowhere", "/healthz"] {
        let response = reqwest::get(app.url(path)).await.expect("get");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let csp = header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(
            header("strict-transport-security"),
            "",
            "{path}: plain HTTP"
        );
    }
    app.stop().await;
    let https = TestApp::spawn_with(tests::own_pool(&db).await, |c| {
        c.public_url = Some("https://chat.uni.example".into());
    })
    .await;
    let response = reqwest::get(https.url("/")).await.expect("get");
    let hsts = response.headers().get("strict-transport-security");
    assert_eq!(hsts.and_then(|v| v.to_str().ok()), Some("max-age=31536000"));
    https.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_dataset_upload_must_say_it_is_csv_or_tsv(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let upload = |content_type: &'static str, name: &str| {
        let body = if content_type.contains("tab-separated") {
            "text\temotion\tintensity\nI am fine\thappy\t\n"
        } else {
            "text,emotion,intensity\nI am fine,happy,\n"
        };
        reqwest::Client::new()
            .post(app.url(&format!("/api/v1/admin/mood/datasets?name={name}")))
            .bearer_auth(&admin)
            .header("content-type", content_type)
            .body(body)
    };
    for wrong in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data",
    ] {
        let refused = upload(wrong, "extra").send().await.expect("send");
        let body = assert_error(refused, 415, "unsupported_media_type").await;
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("text/csv")),
            "{body}"
        );
    }
    let (_, listed) = app.get_json(&admin, "/api/v1/admin/mood/datasets").await;
    assert_eq!(listed, json!([]), "nothing stored");
    let types = [
        "text/csv",
        "text/csv; charset=utf-8",
        "text/tab-separated-values",
    ];
    for (n, right) in types.into_iter().enumerate() {
        let stored: Value = json_of(upload(right, &format!("extra{n}"))).await;
        assert_eq!(stored["rows"], 1, "{right}: {stored}");
    }
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_forged_forwarded_for_does_not_escape_the_address_limit(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| {
        c.trust_proxy = true;
        c.login_rate_per_ip = 2;
    })
    .await;
    // The proxy appends the real client (203.0.113.7) after whatever the client claimed.
    let attempt = |n: u8| {
        reqwest::Client::new()
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("6.6.6.{n}, 203.0.113.7"))
            .json(&json!({ "email": format!("nobody{n}@uni.ac.uk"), "password": "wrong password" }))
            .send()
    };
    for n in 0..2 {
        assert_eq!(attempt(n).await.expect("send").status(), 401);
    }
    assert_error(attempt(2).await.expect("send"), 429, "rate_limited").await;
    // Another client behind the same proxy has its own allowance.
    let other = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "198.51.100.9")
        .json(&json!({ "email": "nobody@uni.ac.uk", "password": "wrong password" }))
        .send()
        .await
        .expect("send");
    assert_eq!(other.status(), 401);
    app.stop().await;
}

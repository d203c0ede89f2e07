//! Health, readiness, metrics and the OpenAPI document.

use serde_json::Value;
use sqlx::PgPool;
use tests::TestApp;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn metrics_can_require_a_token(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| c.metrics_token = Some("scrape-secret".into())).await;
    let client = reqwest::Client::new();
    let metrics = |token: Option<&'static str>| {
        let request = client.get(app.url("/metrics"));
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
    };
    for wrong in [None, Some("guess"), Some("scrape-secre")] {
        let refused = metrics(wrong).send().await.expect("send");
        tests::assert_error(refused, 401, "unauthenticated").await;
    }
    let scraped = metrics(Some("scrape-secret")).send().await.expect("send");
    assert_eq!(scraped.status(), 200);
    let text = scraped.text().await.expect("text");
    assert!(text.contains("http_requests_total"), "{text}");
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn health_readiness_and_metrics(db: PgPool) {
    let app = TestApp::spawn(db.clone()).await;
    let client = reqwest::Client::new();
    let health = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    let metrics = client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains(r#"route="/readyz""#), "{metrics}");

    // With the database gone, the process is alive but not ready.
    db.close().await;
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
}

async fn openapi_document(app: &TestApp) -> Value {
    reqwest::get(app.url("/api/openapi.json"))
        .await
        .expect("GET /api/openapi.json")
        .json()
        .await
        .expect("the document is JSON")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn openapi_document_lists_the_api(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let doc = openapi_document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'));
    for path in [
        "/api/v1/auth/signup",
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/me/sessions/{id}",
        "/api/v1/users",
        "/api/v1/admin/users/{id}/role",
        "/api/v1/me/mood",
        "/api/v1/users/{id}/mood/history",
        "/api/v1/admin/mood/models/{id}/activate",
        "/api/v1/admin/mood/datasets",
        "/api/v1/consultations/{id}/room",
        "/api/v1/consultations/{id}/room/ws",
        "/api/v1/consultations/{id}/room/open",
        "/api/v1/consultations/{id}/room/close",
        "/api/v1/consultations/{id}/room/recording",
        "/api/v1/consultations/{id}/recordings",
        "/api/v1/consultations/{id}/recordings/{recording}/{file}",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
}

/// Every operation of the document answers from its handler, not from the router's fallbacks
/// (`404 endpoint not found`, `405 method_not_allowed`): what is documented is routed. Routes
/// come from the handlers' annotations, so nothing is routed undocumented either.
#[sqlx::test(migrator = "models::MIGRATOR")]
async fn every_documented_operation_is_routed(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let doc = openapi_document(&app).await;
    let paths = doc["paths"].as_object().expect("paths");
    assert!(
        paths.len() > 40,
        "the whole API is documented: {}",
        paths.len()
    );
    let client = reqwest::Client::new();
    let mut operations = 0;
    for (path, item) in paths {
        let concrete: String = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "0190f0f0-0000-7000-8000-000000000000"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().expect("path item").keys() {
            let Ok(method) = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            operations += 1;
            let response = client
                .request(method.clone(), app.url(&concrete))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            assert_ne!(status, 405, "{method} {path} is documented but not routed");
            assert!(
                !(status == 404 && body.contains("endpoint not found")),
                "{method} {path} is documented but not routed"
            );
        }
    }
    assert!(operations >= 59, "{operations} operations checked");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn web_ui_is_served(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let index = reqwest::get(app.url("/")).await.unwrap();
    assert_eq!(index.status(), 200);
    assert!(
        index.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(index.text().await.unwrap().contains("Chatterly"));
    let script = reqwest::get(app.url("/app.js")).await.unwrap();
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(
        reqwest::get(app.url("/nope.js")).await.unwrap().status(),
        404
    );
}

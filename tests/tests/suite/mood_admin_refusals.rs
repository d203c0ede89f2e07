//! What mood administration refuses: everyone but admins, and bad uploads and bad training
//! requests, each with a precise error and changing nothing.

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::mood::{trained, upload};
use tests::{TestApp, assert_error, assert_refused, json_of, post};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn only_admins_administer_mood(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let (_, _admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let (_, student) = app.user_with_token("sam@uni.ac.uk", "Sam").await;
    let client = reqwest::Client::new();
    for request in [
        client.get(app.url("/api/v1/admin/mood/models")),
        client.get(app.url("/api/v1/admin/mood/models/1")),
        client.get(app.url("/api/v1/admin/mood/datasets")),
        client.get(app.url("/api/v1/admin/mood/corrections")),
        client
            .post(app.url("/api/v1/admin/mood/models"))
            .json(&json!({ "name": "x" })),
        client.post(app.url("/api/v1/admin/mood/models/1/activate")),
        client.post(app.url("/api/v1/admin/mood/rollback")),
        client
            .post(app.url("/api/v1/admin/mood/classify"))
            .json(&json!({ "text": "hi" })),
        client
            .post(app.url("/api/v1/admin/mood/corrections/1/review"))
            .json(&json!({ "approve": true })),
        upload(&app, &student, "x", "text,emotion,intensity\nhi,sad,\n"),
    ] {
        assert_refused(request.bearer_auth(&student), 403, "forbidden").await;
    }
    assert_refused(
        client.get(app.url("/api/v1/admin/mood/models")),
        401,
        "unauthenticated",
    )
    .await;
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn bad_uploads_and_training_requests_change_nothing(db: PgPool) {
    let app = TestApp::spawn_with(db.clone(), |c| {
        c.mood_upload_max_bytes = 4096;
        c.mood_upload_max_rows = 20;
    })
    .await;
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    bad_uploads_are_refused_and_store_nothing(&app, &db, &admin).await;
    let tiny = quoted_csv_and_tsv_both_work(&app, &db, &admin).await;
    bad_training_requests_are_refused(&app, &admin, &tiny).await;
    too_little_data_fails_and_cannot_be_activated(&app, &admin, &tiny).await;
    assert_refused(
        post(&app, &admin, "/api/v1/admin/mood/rollback", json!({})),
        409,
        "nothing_to_roll_back",
    )
    .await;
    assert_refused(
        post(
            &app,
            &admin,
            "/api/v1/admin/mood/classify",
            json!({ "text": "" }),
        ),
        422,
        "validation_failed",
    )
    .await;
    let active: i64 = sqlx::query_scalar("SELECT count(*) FROM mood_models WHERE active")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(active, 1, "the built-in model stays active");
    app.stop().await;
}

/// Each malformed dataset (the server takes at most 20 rows and 4096 bytes) is refused with an
/// error naming what is wrong, and none of them is stored.
async fn bad_uploads_are_refused_and_store_nothing(app: &TestApp, db: &PgPool, admin: &str) {
    let many_rows: String = std::iter::once("text,emotion,intensity\n".to_owned())
        .chain((0..21).map(|i| format!("row {i},sad,\n")))
        .collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "wrong columns",
            b"text,feeling\nhi,sad\n".to_vec(),
            "emotion",
        ),
        (
            "unknown label",
            b"text,emotion,intensity\nfine,happy,\nhello,gloomy,\n".to_vec(),
            "gloomy",
        ),
        (
            "empty text",
            b"text,emotion,intensity\nfine,happy,\n ,sad,\n".to_vec(),
            "3",
        ),
        (
            "no labels",
            b"text,emotion,intensity\nhello,,\n".to_vec(),
            "2",
        ),
        ("too many rows", many_rows.into_bytes(), "20"),
        (
            "not UTF-8",
            b"text,emotion,intensity\n\xff\xfe,sad,\n".to_vec(),
            "UTF-8",
        ),
        ("empty", Vec::new(), ""),
        ("header only", b"text,emotion,intensity\n".to_vec(), ""),
    ];
    for (what, body, named) in cases {
        let refused = assert_error(
            upload(app, admin, "bad", body)
                .send()
                .await
                .expect("send the request"),
            422,
            "invalid_dataset",
        )
        .await;
        let message = refused["error"]["message"].as_str().expect("a string");
        assert!(
            message.contains(named),
            "{what}: {message:?} should name {named:?}"
        );
    }
    let huge = format!(
        "text,emotion,intensity\n{}",
        "a very long sad line,sad,\n".repeat(400)
    );
    assert_refused(upload(app, admin, "huge", huge), 413, "payload_too_large").await;
    assert_refused(
        reqwest::Client::new()
            .post(app.url("/api/v1/admin/mood/datasets"))
            .bearer_auth(admin)
            .body("text,emotion,intensity\nhi,sad,\n"),
        400,
        "invalid_query",
    )
    .await;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM mood_examples")
        .fetch_one(db)
        .await
        .expect("query the database");
    assert_eq!(stored, 0, "no refused upload stored anything");
    assert!(
        app.get_json(admin, "/api/v1/admin/mood/datasets")
            .await
            .1
            .as_array()
            .expect("an array")
            .is_empty()
    );
}

/// Quoted CSV and TSV both work; returns the one-row quoted dataset.
async fn quoted_csv_and_tsv_both_work(app: &TestApp, db: &PgPool, admin: &str) -> Value {
    let csv = upload(
        app,
        admin,
        "quoted",
        "Text,Intensity,Emotion\n\"Hello, \"\"world\"\"\nagain\",excited,Happy\n",
    )
    .send()
    .await
    .expect("send the request");
    assert_eq!(csv.status(), 201);
    let tiny: Value = csv.json().await.expect("a JSON body");
    assert_eq!(
        (tiny["rows"].as_i64(), tiny["intensity_labels"].as_i64()),
        (Some(1), Some(1))
    );
    let tsv = upload(
        app,
        admin,
        "tabs",
        "text\temotion\tintensity\nall good\tneutral\t\n",
    )
    .send()
    .await
    .expect("send the request");
    assert_eq!(tsv.status(), 201);
    let text: String = sqlx::query_scalar("SELECT text FROM mood_examples ORDER BY id LIMIT 1")
        .fetch_one(db)
        .await
        .expect("query the database");
    assert_eq!(text, "Hello, \"world\"\nagain");
    tiny
}

/// Training requests without data, with unknown datasets or with a bad body are refused.
async fn bad_training_requests_are_refused(app: &TestApp, admin: &str, tiny: &Value) {
    let train = |body: Value| post(app, admin, "/api/v1/admin/mood/models", body);
    assert_refused(
        train(json!({ "name": "none", "include_builtin": false })),
        422,
        "no_training_data",
    )
    .await;
    assert_refused(
        train(json!({ "name": "ghost", "datasets": [999] })),
        422,
        "validation_failed",
    )
    .await;
    assert_refused(
        train(json!({ "name": "" , "datasets": [tiny["id"]] })),
        422,
        "validation_failed",
    )
    .await;
    assert_refused(
        train(json!({ "name": "x", "datasets": "all" })),
        422,
        "invalid_body",
    )
    .await;
}

/// Training on the `tiny` dataset alone.
async fn too_little_data_fails_and_cannot_be_activated(app: &TestApp, admin: &str, tiny: &Value) {
    let train = |body: Value| post(app, admin, "/api/v1/admin/mood/models", body);
    // Too little data fails in the background with the reason, and cannot be activated.
    let started: Value = json_of(train(
        json!({ "name": "tiny", "datasets": [tiny["id"]], "include_builtin": false }),
    ))
    .await;
    let failed = trained(app, admin, started["id"].as_i64().expect("a number")).await;
    assert_eq!(failed["status"], "failed");
    assert!(
        !failed["error"].as_str().unwrap_or_default().is_empty(),
        "{failed}"
    );
    assert_refused(
        train(json!({ "name": "tiny", "datasets": [tiny["id"]] })),
        409,
        "name_taken",
    )
    .await;
    let activate = |id: &Value| {
        post(
            app,
            admin,
            &format!("/api/v1/admin/mood/models/{id}/activate"),
            json!({}),
        )
    };
    assert_refused(activate(&started["id"]), 409, "model_not_ready").await;
    assert_refused(activate(&json!(424242)), 404, "not_found").await;
}

//! Mood corrections: the writer and their lecturer (only they) correct a measured mood, admins
//! (only they) review the corrections, seeing the text only when its author agreed to share it,
//! and training "with corrections" uses the approved ones.

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::mood::{Cast, SAD, cast, mood_shown_about, send_all, spawn};
use tests::ws::WsClient;
use tests::{TestApp, assert_refused, json_of};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn corrections_are_reviewed_by_admins(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    let mut lecturer_ws = WsClient::connect(app.addr, &c.lecturer.1).await.unwrap();
    send_all(&app, &c.alice.1, c.direct, &SAD).await;
    mood_shown_about(&mut lecturer_ws, c.alice.0).await;
    let mine = app.get_json(&c.alice.1, "/api/v1/me/mood").await.1;
    let reading = mine["readings"][0]["id"].as_i64().unwrap();

    let by_lecturer = only_the_writer_and_their_lecturer_correct(&app, &c, reading).await;
    only_admins_review_corrections(&app, &c, reading, &by_lecturer).await;
    training_with_corrections_uses_the_approved_one(&app, &db, &c).await;
    app.stop().await;
}

/// A correction of a mood reading by the holder of `token`, not yet sent.
fn correct(app: &TestApp, token: &str, body: Value) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(app.url("/api/v1/mood/corrections"))
        .bearer_auth(token)
        .json(&body)
}

/// Corrections of alice's `reading`; returns the lecturer's.
async fn only_the_writer_and_their_lecturer_correct(
    app: &TestApp,
    c: &Cast,
    reading: i64,
) -> Value {
    // Strangers and fellow students cannot correct alice's mood; unknown labels are named.
    for token in [&c.carl.1, &c.bea.1] {
        assert_refused(
            correct(app, token, json!({ "reading": reading, "emotion": "sad" })),
            404,
            "not_found",
        )
        .await;
    }
    let refused = assert_refused(
        correct(
            app,
            &c.alice.1,
            json!({ "reading": reading, "emotion": "gloomy" }),
        ),
        422,
        "unknown_label",
    )
    .await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .expect("a string")
            .contains("gloomy")
    );
    assert_refused(
        correct(app, &c.alice.1, json!({ "reading": reading })),
        422,
        "validation_failed",
    )
    .await;

    // Alice and her lecturer may.
    let created = correct(
        app,
        &c.alice.1,
        json!({ "reading": reading, "emotion": "very_sad", "intensity": "muted", "share_text": true }),
    )
    .send()
    .await
    .expect("send the request");
    assert_eq!(created.status(), 201);
    json_of(correct(
        app,
        &c.lecturer.1,
        json!({ "reading": reading, "intensity": "very_muted" }),
    ))
    .await
}

/// The admin approves alice's correction of `reading` and rejects `by_lecturer`.
async fn only_admins_review_corrections(
    app: &TestApp,
    c: &Cast,
    reading: i64,
    by_lecturer: &Value,
) {
    // Admins review; only admins.
    assert_refused(
        reqwest::Client::new()
            .get(app.url("/api/v1/admin/mood/corrections"))
            .bearer_auth(&c.lecturer.1),
        403,
        "forbidden",
    )
    .await;
    let pending = app
        .get_json(&c.admin, "/api/v1/admin/mood/corrections")
        .await
        .1;
    let pending = pending.as_array().expect("an array");
    assert_eq!(pending.len(), 2);
    assert!(
        pending[0]["text"]
            .as_str()
            .expect("a string")
            .contains("I failed the exam")
    );
    let review = |id: i64, approve: bool| {
        reqwest::Client::new()
            .post(app.url(&format!("/api/v1/admin/mood/corrections/{id}/review")))
            .bearer_auth(&c.admin)
            .json(&json!({ "approve": approve }))
    };
    let first = pending[0]["id"].as_i64().expect("a number");
    assert_eq!(
        review(first, true)
            .send()
            .await
            .expect("send the request")
            .status(),
        204
    );
    assert_eq!(
        review(by_lecturer["id"].as_i64().expect("a number"), false)
            .send()
            .await
            .expect("send the request")
            .status(),
        204
    );
    assert_refused(review(first, false), 404, "not_found").await;
    let approved = app
        .get_json(&c.admin, "/api/v1/admin/mood/corrections?status=approved")
        .await
        .1;
    assert_eq!(approved.as_array().expect("an array").len(), 1);
    assert_eq!(approved[0]["emotion"], "very_sad");
    // A reviewed correction cannot be changed by its author.
    assert_refused(
        correct(
            app,
            &c.alice.1,
            json!({ "reading": reading, "emotion": "happy" }),
        ),
        409,
        "already_reviewed",
    )
    .await;
}

/// Training "with corrections" after one approval.
async fn training_with_corrections_uses_the_approved_one(app: &TestApp, db: &PgPool, c: &Cast) {
    // Training "with corrections" snapshots the approved one (only) as a labelled dataset of the
    // version; one example is too little to train on, so that version fails with the reason.
    let started: Value = json_of(
        reqwest::Client::new()
            .post(app.url("/api/v1/admin/mood/models"))
            .bearer_auth(&c.admin)
            .json(&json!({ "name": "from-corrections", "include_builtin": false, "include_corrections": true })),
    )
    .await;
    let datasets = app
        .get_json(&c.admin, "/api/v1/admin/mood/datasets")
        .await
        .1;
    assert_eq!(datasets.as_array().expect("an array").len(), 1);
    assert_eq!(datasets[0]["source"], "corrections");
    assert_eq!(
        (
            datasets[0]["rows"].as_i64(),
            datasets[0]["emotion_labels"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(started["datasets"], json!([datasets[0]["id"]]));
    let (text, emotion): (String, Option<i16>) =
        sqlx::query_as("SELECT text, emotion FROM mood_examples")
            .fetch_one(db)
            .await
            .expect("query the database");
    assert!(
        text.contains("I failed the exam") && text.contains("everything is terrible"),
        "{text}"
    );
    assert_eq!(emotion, Some(0), "very_sad");
}

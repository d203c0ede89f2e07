//! Admin retraining on the built-in data: intensity from EmoBank's human arousal ratings (read from
//! `../shared`, never copied), the new figures in the report and the sources recorded with the model;
//! a server that cannot read EmoBank refuses built-in training with a clear error.

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::mood::trained;
use tests::{TestApp, post};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn training_on_the_builtin_data_learns_intensity_from_emobank(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let started = post(
        &app,
        &admin,
        "/api/v1/admin/mood/models",
        json!({ "name": "builtin-retrained", "include_builtin": true }),
    )
    .send()
    .await
    .expect("send the training request");
    assert_eq!(started.status(), 202);
    let started: Value = started.json().await.expect("a JSON body");
    let version = trained(&app, &admin, started["id"].as_i64().expect("an id")).await;
    assert_eq!(version["status"], "ready", "{version}");
    let report = &version["report"];
    let names: Vec<&str> = report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["vader-sentences", "emobank"]);
    assert_eq!(
        report["sources"][0]["intensity_labels"], 0,
        "no rule-made intensity labels"
    );
    let intensity = &report["intensity"];
    assert_eq!(intensity["test"], 1000, "EmoBank's own test split");
    assert_eq!(intensity["arousal"]["n"], 1000);
    let r = intensity["arousal"]["model_r"].as_f64().expect("Pearson r");
    let lexicon_r = intensity["arousal"]["lexicon_r"]
        .as_f64()
        .expect("lexicon r");
    assert!(r > lexicon_r, "model r {r} vs lexicon {lexicon_r}");
    assert_eq!(
        intensity["calibration"]["validation"], 1000,
        "fitted on EmoBank's dev split"
    );
    let emotion = &report["emotion"];
    assert_eq!(
        emotion["test"], 4742,
        "the same VADER held-out split as before"
    );
    assert!(emotion["model"]["accuracy"].as_f64().expect("accuracy") > 0.55);
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn without_emobank_builtin_training_is_refused_clearly(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| {
        c.mood_emobank_csv = "/nonexistent/emobank.csv".into();
    })
    .await;
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    tests::assert_refused(
        post(
            &app,
            &admin,
            "/api/v1/admin/mood/models",
            json!({ "name": "no-emobank", "include_builtin": true }),
        ),
        422,
        "builtin_data_unavailable",
    )
    .await;
    let (status, versions) = app.get_json(&admin, "/api/v1/admin/mood/models").await;
    assert_eq!(status, 200);
    assert!(
        !versions.to_string().contains("no-emobank"),
        "no version is recorded: {versions}"
    );
}

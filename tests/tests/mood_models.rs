//! Mood model administration end to end: upload labelled data, train in the background, compare
//! without activating, then activate and roll back with predictions (and the job, in every
//! server process) switching at once.

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::mood::{trained, upload};
use tests::ws::WsClient;
use tests::{TestApp, json_of, post};

const EMOTION_WORDS: [&str; 5] = ["glumbo", "drabbit", "plinthy", "sunnek", "zorblax"];

const INTENSITY_WORDS: [&str; 5] = ["hushy", "mellowk", "steady", "zippen", "blazzo"];

const EMOTIONS: [&str; 5] = ["very_sad", "sad", "neutral", "happy", "very_happy"];

const INTENSITIES: [&str; 5] = ["very_muted", "muted", "neutral", "excited", "very_excited"];

const FILLER: [&str; 6] = [
    "today",
    "the lab",
    "this week",
    "my essay",
    "again",
    "the bus",
];

/// 300 rows of an invented language: one word decides the emotion, another the intensity.
fn invented_language_csv() -> String {
    let mut csv = String::from("text,emotion,intensity\n");
    let mut n = 0;
    for (e, ew) in EMOTION_WORDS.iter().enumerate() {
        for (i, iw) in INTENSITY_WORDS.iter().enumerate() {
            for k in 0..12 {
                let filler = FILLER[(n + k) % FILLER.len()];
                csv.push_str(&format!(
                    "\"{ew} {filler}, {iw}\",{},{}\n",
                    EMOTIONS[e], INTENSITIES[i]
                ));
                n += 1;
            }
        }
    }
    csv
}

async fn classify(app: &TestApp, token: &str, text: &str) -> Value {
    json_of(post(
        app,
        token,
        "/api/v1/admin/mood/classify",
        json!({ "text": text }),
    ))
    .await
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn upload_train_activate_and_roll_back_switch_predictions(db: PgPool) {
    let app = TestApp::spawn_with(db.clone(), |c| {
        c.mood_window_seconds = 1;
        c.mood_grace_ms = 200;
    })
    .await;
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let (lecturer_id, lecturer) = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer_id).await;
    let (alice_id, alice) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let direct = app.open_direct(&lecturer, alice_id).await;

    // The built-in model is installed and active from the start.
    let versions = app.get_json(&admin, "/api/v1/admin/mood/models").await.1;
    assert_eq!(versions.as_array().unwrap().len(), 1);
    let builtin = versions[0].clone();
    assert_eq!(builtin["active"], true);
    assert_eq!(builtin["status"], "ready");
    let probe = "zorblax blazzo";
    let before = classify(&app, &admin, probe).await;
    assert_eq!(before["model"], builtin["id"]);
    assert!(
        !(before["emotion"] == "very_happy" && before["intensity"] == "very_excited"),
        "the built-in model knows nothing of the invented words: {before}"
    );

    // Upload, then train on the upload alone.
    let response = upload(&app, &admin, "invented", invented_language_csv())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let dataset: Value = response.json().await.unwrap();
    assert_eq!(dataset["rows"], 300);
    assert_eq!(dataset["emotion_labels"], 300);
    let started = post(
        &app,
        &admin,
        "/api/v1/admin/mood/models",
        json!({ "name": "invented-1", "datasets": [dataset["id"]], "include_builtin": false }),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(started.status(), 202);
    let started: Value = started.json().await.unwrap();
    assert_eq!(started["status"], "training");
    let version = trained(&app, &admin, started["id"].as_i64().unwrap()).await;
    assert_eq!(version["status"], "ready", "{version}");
    assert_eq!(version["datasets"], json!([dataset["id"]]));
    assert_eq!(version["active"], false, "training does not activate");
    let emotion = &version["report"]["emotion"]["model"];
    assert!(
        emotion["accuracy"].as_f64().unwrap() > 0.9,
        "the invented language is easy: {emotion}"
    );
    assert_eq!(emotion["confusion"].as_array().unwrap().len(), 5);

    // Comparing without activating: the new version answers, the active one is unchanged.
    let preview: Value = json_of(post(
        &app,
        &admin,
        "/api/v1/admin/mood/classify",
        json!({ "text": probe, "model": version["id"] }),
    ))
    .await;
    assert_eq!(preview["emotion"], "very_happy");
    assert_eq!(classify(&app, &admin, probe).await["model"], builtin["id"]);

    // Activate: predictions switch, and so does the job.
    let activated: Value = json_of(post(
        &app,
        &admin,
        &format!("/api/v1/admin/mood/models/{}/activate", version["id"]),
        json!({}),
    ))
    .await;
    assert_eq!(activated["active"], true);
    let after = classify(&app, &admin, probe).await;
    assert_eq!(
        (after["emotion"].as_str(), after["intensity"].as_str()),
        (Some("very_happy"), Some("very_excited"))
    );
    // A second server process (its own pool, never told directly) switches too, without a restart.
    let other = TestApp::spawn(tests::own_pool(&db).await).await;
    assert_eq!(
        classify(&other, &admin, probe).await["model"],
        version["id"]
    );
    let mut lecturer_ws = WsClient::connect(app.addr, &lecturer).await.unwrap();
    let mut alice_ws = WsClient::connect(app.addr, &alice).await.unwrap();
    alice_ws
        .send_message(direct, "inv-1", "glumbo hushy the lab")
        .await
        .unwrap();
    alice_ws.next_of("ack").await.unwrap();
    let frame = lecturer_ws.next_of("mood").await.unwrap();
    assert_eq!(frame["mood"]["emotion"], "very_sad", "{frame}");
    assert_eq!(frame["mood"]["model"], "invented-1");

    // Roll back: the built-in model is active again.
    let rolled: Value = json_of(post(&app, &admin, "/api/v1/admin/mood/rollback", json!({}))).await;
    assert_eq!(rolled["id"], builtin["id"]);
    let again = classify(&app, &admin, probe).await;
    assert_eq!(again["emotion"], before["emotion"]);
    assert_eq!(again["model"], builtin["id"]);
    assert_eq!(
        classify(&other, &admin, probe).await["model"],
        builtin["id"]
    );
    other.stop().await;
    let versions = app.get_json(&admin, "/api/v1/admin/mood/models").await.1;
    let active: Vec<&Value> = versions
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["active"] == true)
        .collect();
    assert_eq!(active.len(), 1);
    app.stop().await;
}

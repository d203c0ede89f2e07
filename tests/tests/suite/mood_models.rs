//! Mood model administration end to end: upload labelled data, train in the background, compare
//! without activating, then activate and roll back with predictions (and the job, in every
//! server process) switching at once.

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::mood::{trained, upload};
use tests::ws::WsClient;
use tests::{TestApp, json_of, post};
use uuid::Uuid;

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
    let direct = app.open_accepted_direct(&lecturer, alice_id, &alice).await;
    tests::mood::share(&app, &alice, true, false).await;

    let (builtin, before) = the_builtin_model_is_active_from_the_start(&app, &admin).await;
    let version = a_version_trained_on_the_invented_language(&app, &admin).await;

    // Comparing without activating: the new version answers, the active one is unchanged.
    let preview: Value = json_of(post(
        &app,
        &admin,
        "/api/v1/admin/mood/classify",
        json!({ "text": PROBE, "model": version["id"] }),
    ))
    .await;
    assert_eq!(preview["emotion"], "very_happy");
    assert_eq!(classify(&app, &admin, PROBE).await["model"], builtin["id"]);

    activating_switches_predictions(&app, &admin, &version).await;
    // A second server process (its own pool, never told directly) switches too, without a restart.
    let other = TestApp::spawn(tests::own_pool(&db).await).await;
    assert_eq!(
        classify(&other, &admin, PROBE).await["model"],
        version["id"]
    );
    the_job_measures_with_the_active_model(&app, &lecturer, &alice, direct).await;
    rolling_back_reactivates_the_builtin_model(&app, other, &admin, &builtin, &before).await;
    app.stop().await;
}

/// Words of the invented language: very happy, very excited.
const PROBE: &str = "zorblax blazzo";

/// Returns the built-in version and its prediction for [`PROBE`].
async fn the_builtin_model_is_active_from_the_start(app: &TestApp, admin: &str) -> (Value, Value) {
    // The built-in model is installed and active from the start.
    let versions = app.get_json(admin, "/api/v1/admin/mood/models").await.1;
    assert_eq!(versions.as_array().expect("an array").len(), 1);
    let builtin = versions[0].clone();
    assert_eq!(builtin["active"], true);
    assert_eq!(builtin["status"], "ready");
    let before = classify(app, admin, PROBE).await;
    assert_eq!(before["model"], builtin["id"]);
    assert!(
        !(before["emotion"] == "very_happy" && before["intensity"] == "very_excited"),
        "the built-in model knows nothing of the invented words: {before}"
    );
    (builtin, before)
}

/// Upload, then train on the upload alone; returns the trained (inactive) version.
async fn a_version_trained_on_the_invented_language(app: &TestApp, admin: &str) -> Value {
    let response = upload(app, admin, "invented", invented_language_csv())
        .send()
        .await
        .expect("send the upload");
    assert_eq!(response.status(), 201);
    let dataset: Value = response.json().await.expect("a JSON body");
    assert_eq!(dataset["rows"], 300);
    assert_eq!(dataset["emotion_labels"], 300);
    let started = post(
        app,
        admin,
        "/api/v1/admin/mood/models",
        json!({ "name": "invented-1", "datasets": [dataset["id"]], "include_builtin": false }),
    )
    .send()
    .await
    .expect("send the training request");
    assert_eq!(started.status(), 202);
    let started: Value = started.json().await.expect("a JSON body");
    assert_eq!(started["status"], "training");
    let version = trained(app, admin, started["id"].as_i64().expect("a version id")).await;
    assert_eq!(version["status"], "ready", "{version}");
    assert_eq!(version["datasets"], json!([dataset["id"]]));
    assert_eq!(version["active"], false, "training does not activate");
    let emotion = &version["report"]["emotion"]["model"];
    assert!(
        emotion["accuracy"].as_f64().expect("an accuracy") > 0.9,
        "the invented language is easy: {emotion}"
    );
    assert_eq!(
        emotion["confusion"]
            .as_array()
            .expect("a confusion matrix")
            .len(),
        5
    );
    version
}

/// Activate: predictions switch.
async fn activating_switches_predictions(app: &TestApp, admin: &str, version: &Value) {
    let activated: Value = json_of(post(
        app,
        admin,
        &format!("/api/v1/admin/mood/models/{}/activate", version["id"]),
        json!({}),
    ))
    .await;
    assert_eq!(activated["active"], true);
    let after = classify(app, admin, PROBE).await;
    assert_eq!(
        (after["emotion"].as_str(), after["intensity"].as_str()),
        (Some("very_happy"), Some("very_excited"))
    );
}

/// And so does the job: alice's message in `direct` reaches her lecturer as the new model's mood.
async fn the_job_measures_with_the_active_model(
    app: &TestApp,
    lecturer: &str,
    alice: &str,
    direct: Uuid,
) {
    let mut lecturer_ws = WsClient::connect(app.addr, lecturer)
        .await
        .expect("connect the lecturer");
    let mut alice_ws = WsClient::connect(app.addr, alice)
        .await
        .expect("connect alice");
    alice_ws
        .send_message(direct, "inv-1", "glumbo hushy the lab")
        .await
        .expect("send the message");
    alice_ws.next_of("ack").await.expect("the ack");
    let frame = lecturer_ws.next_of("mood").await.expect("a mood frame");
    assert_eq!(frame["mood"]["emotion"], "very_sad", "{frame}");
    assert_eq!(frame["mood"]["model"], "invented-1");
}

/// Roll back: the built-in model is active again, in `app` and in the `other` server process.
async fn rolling_back_reactivates_the_builtin_model(
    app: &TestApp,
    other: TestApp,
    admin: &str,
    builtin: &Value,
    before: &Value,
) {
    let rolled: Value = json_of(post(app, admin, "/api/v1/admin/mood/rollback", json!({}))).await;
    assert_eq!(rolled["id"], builtin["id"]);
    let again = classify(app, admin, PROBE).await;
    assert_eq!(again["emotion"], before["emotion"]);
    assert_eq!(again["model"], builtin["id"]);
    assert_eq!(classify(&other, admin, PROBE).await["model"], builtin["id"]);
    other.stop().await;
    let versions = app.get_json(admin, "/api/v1/admin/mood/models").await.1;
    let active: Vec<&Value> = versions
        .as_array()
        .expect("an array")
        .iter()
        .filter(|v| v["active"] == true)
        .collect();
    assert_eq!(active.len(), 1);
}

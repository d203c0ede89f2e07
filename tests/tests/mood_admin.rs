//! Mood administration end to end: upload labelled data, train in the background, activate and
//! roll back with predictions (and the job) switching at once; only admins; bad uploads and
//! bad training requests get a precise error and change nothing.

use std::time::Duration as StdDuration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::ws::WsClient;
use tests::{TestApp, assert_error, assert_refused, json_of};

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

fn upload(
    app: &TestApp,
    token: &str,
    name: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(app.url(&format!("/api/v1/admin/mood/datasets?name={name}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body)
}

fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
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

/// Polls a version until training ends (ready or failed).
async fn trained(app: &TestApp, token: &str, id: i64) -> Value {
    for _ in 0..600 {
        let (_, version) = app
            .get_json(token, &format!("/api/v1/admin/mood/models/{id}"))
            .await;
        if version["status"] != "training" {
            return version;
        }
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    panic!("training did not finish in 2 minutes");
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
            upload(&app, &admin, "bad", body).send().await.unwrap(),
            422,
            "invalid_dataset",
        )
        .await;
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(named),
            "{what}: {message:?} should name {named:?}"
        );
    }
    let huge = format!(
        "text,emotion,intensity\n{}",
        "a very long sad line,sad,\n".repeat(400)
    );
    assert_refused(upload(&app, &admin, "huge", huge), 413, "payload_too_large").await;
    assert_refused(
        reqwest::Client::new()
            .post(app.url("/api/v1/admin/mood/datasets"))
            .bearer_auth(&admin)
            .body("text,emotion,intensity\nhi,sad,\n"),
        400,
        "invalid_query",
    )
    .await;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM mood_examples")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(stored, 0, "no refused upload stored anything");
    assert!(
        app.get_json(&admin, "/api/v1/admin/mood/datasets")
            .await
            .1
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Quoted CSV and TSV both work.
    let csv = upload(
        &app,
        &admin,
        "quoted",
        "Text,Intensity,Emotion\n\"Hello, \"\"world\"\"\nagain\",excited,Happy\n",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(csv.status(), 201);
    let tiny: Value = csv.json().await.unwrap();
    assert_eq!(
        (tiny["rows"].as_i64(), tiny["intensity_labels"].as_i64()),
        (Some(1), Some(1))
    );
    let tsv = upload(
        &app,
        &admin,
        "tabs",
        "text\temotion\tintensity\nall good\tneutral\t\n",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(tsv.status(), 201);
    let text: String = sqlx::query_scalar("SELECT text FROM mood_examples ORDER BY id LIMIT 1")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(text, "Hello, \"world\"\nagain");

    // Training requests.
    let train = |body: Value| post(&app, &admin, "/api/v1/admin/mood/models", body);
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
    // Too little data fails in the background with the reason, and cannot be activated.
    let started: Value = json_of(train(
        json!({ "name": "tiny", "datasets": [tiny["id"]], "include_builtin": false }),
    ))
    .await;
    let failed = trained(&app, &admin, started["id"].as_i64().unwrap()).await;
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
            &app,
            &admin,
            &format!("/api/v1/admin/mood/models/{id}/activate"),
            json!({}),
        )
    };
    assert_refused(activate(&started["id"]), 409, "model_not_ready").await;
    assert_refused(activate(&json!(424242)), 404, "not_found").await;
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

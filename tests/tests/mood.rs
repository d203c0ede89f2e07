//! Mood end to end: messages sent over the WebSocket become a stored mood after the job's
//! window and reach the writer's contacts (only them) as a `mood` frame; opting out hides and
//! stops it; each window is processed exactly once with two processes and after a crashed run;
//! corrections are reviewed by admins.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::ws::WsClient;
use tests::{TestApp, assert_refused, json_of};
use uuid::Uuid;

/// A server whose mood windows last one second.
async fn spawn(db: PgPool) -> TestApp {
    TestApp::spawn_with(db, fast_windows).await
}

fn fast_windows(config: &mut api::config::Config) {
    config.mood_window_seconds = 1;
    config.mood_grace_ms = 200;
}

/// Admin, a lecturer and two students; the lecturer and `alice` share a direct conversation,
/// `bea` shares a group with alice, `carl` shares nothing with her.
struct Cast {
    admin: String,
    lecturer: (Uuid, String),
    alice: (Uuid, String),
    bea: (Uuid, String),
    carl: (Uuid, String),
    direct: Uuid,
}

async fn cast(app: &TestApp) -> Cast {
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let lecturer = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer.0).await;
    let alice = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let bea = app.user_with_token("bea@uni.ac.uk", "Bea").await;
    let carl = app.user_with_token("carl@uni.ac.uk", "Carl").await;
    let direct = app.open_direct(&lecturer.1, alice.0).await;
    app.create_group(&bea.1, "Study group", &[alice.0]).await;
    app.open_direct(&carl.1, bea.0).await;
    Cast {
        admin,
        lecturer,
        alice,
        bea,
        carl,
        direct,
    }
}

async fn send_all(app: &TestApp, token: &str, conversation: Uuid, bodies: &[&str]) {
    let mut ws = WsClient::connect(app.addr, token)
        .await
        .expect("connect the writer");
    for (i, body) in bodies.iter().enumerate() {
        ws.send_message(conversation, &format!("m-{}-{i}", Uuid::new_v4()), body)
            .await
            .expect("send");
        ws.next_of("ack").await.expect("ack");
    }
    ws.close().await;
}

/// The next `mood` frame about `user`.
async fn mood_frame_about(ws: &mut WsClient, user: Uuid) -> Value {
    loop {
        let frame = ws.next_of("mood").await.expect("a mood frame");
        if frame["user"] == json!(user) {
            return frame;
        }
    }
}

fn about(frames: &[Value], user: Uuid) -> usize {
    frames.iter().filter(|f| f["user"] == json!(user)).count()
}

const SAD: [&str; 3] = [
    "I failed the exam and I feel awful",
    "honestly I am so sad and hopeless about this course",
    "I cried all night, everything is terrible",
];

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn messages_become_a_mood_pushed_to_contacts_only(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    let mut lecturer_ws = WsClient::connect(app.addr, &c.lecturer.1).await.unwrap();
    let mut carl_ws = WsClient::connect(app.addr, &c.carl.1).await.unwrap();
    let mut alice_other_device = WsClient::connect(app.addr, &c.alice.1).await.unwrap();

    send_all(&app, &c.alice.1, c.direct, &SAD).await;

    let frame = mood_frame_about(&mut lecturer_ws, c.alice.0).await;
    let mood = &frame["mood"];
    assert!(
        ["very_sad", "sad"].contains(&mood["emotion"].as_str().unwrap()),
        "sad messages give a sad mood: {frame}"
    );
    assert!(mood["label"].as_str().unwrap().contains(", "), "{mood}");
    let p: f64 = mood["emotion_probabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["p"].as_f64().unwrap())
        .sum();
    assert!((p - 1.0).abs() < 1e-6, "probabilities sum to one: {p}");
    assert!(mood["measured_at"].is_string() && mood["model"].is_string());
    // The writer's own devices hear it too; a stranger does not.
    mood_frame_about(&mut alice_other_device, c.alice.0).await;
    let strangers = carl_ws
        .all_of_for("mood", StdDuration::from_millis(1500))
        .await;
    assert_eq!(
        about(&strangers, c.alice.0),
        0,
        "carl is not alice's contact"
    );

    // Stored: every message counted once, in readings of the direct conversation.
    let counted: i64 = sqlx::query_scalar(
        "SELECT COALESCE(sum(message_count), 0) FROM mood_readings WHERE user_id = $1 AND conversation_id = $2",
    )
    .bind(c.alice.0)
    .bind(c.direct)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(counted, 3);

    // Contacts see it in their contact list; strangers cannot ask for it.
    let contacts: Value = json_of(
        reqwest::Client::new()
            .get(app.url("/api/v1/contacts"))
            .bearer_auth(&c.lecturer.1),
    )
    .await;
    let alice_row = contacts["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == json!(c.alice.0))
        .unwrap()
        .clone();
    assert_eq!(alice_row["mood"]["emotion"], mood["emotion"]);
    let path = format!("/api/v1/users/{}/mood", c.alice.0);
    assert_eq!(
        app.get_json(&c.bea.1, &path).await.1["mood"]["emotion"],
        mood["emotion"]
    );
    assert_refused(
        reqwest::Client::new()
            .get(app.url(&path))
            .bearer_auth(&c.carl.1),
        404,
        "not_found",
    )
    .await;

    // History: lecturers see the chart data (without conversation ids), students may not.
    let history = format!("/api/v1/users/{}/mood/history?days=7", c.alice.0);
    let (status, body) = app.get_json(&c.lecturer.1, &history).await;
    assert_eq!(status, 200);
    let readings = body["readings"].as_array().unwrap();
    assert!(!readings.is_empty());
    assert!(readings.iter().all(|r| r.get("conversation").is_none()));
    assert_refused(
        reqwest::Client::new()
            .get(app.url(&history))
            .bearer_auth(&c.bea.1),
        403,
        "forbidden",
    )
    .await;
    assert_refused(
        reqwest::Client::new()
            .get(app.url(&format!("/api/v1/users/{}/mood/history?days=0", c.alice.0)))
            .bearer_auth(&c.lecturer.1),
        422,
        "validation_failed",
    )
    .await;
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn opting_out_hides_the_mood_and_stops_measuring(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    let mut lecturer_ws = WsClient::connect(app.addr, &c.lecturer.1).await.unwrap();
    send_all(&app, &c.alice.1, c.direct, &SAD).await;
    mood_frame_about(&mut lecturer_ws, c.alice.0).await;

    let off: Value = json_of(
        reqwest::Client::new()
            .put(app.url("/api/v1/me/mood/sharing"))
            .bearer_auth(&c.alice.1)
            .json(&json!({ "enabled": false })),
    )
    .await;
    assert_eq!(off["sharing"], false);
    assert!(off["current"].is_null() && off["readings"].as_array().unwrap().is_empty());
    // Contacts' screens clear at once.
    let cleared = mood_frame_about(&mut lecturer_ws, c.alice.0).await;
    assert!(cleared["mood"].is_null(), "{cleared}");
    let path = format!("/api/v1/users/{}/mood", c.alice.0);
    assert!(app.get_json(&c.lecturer.1, &path).await.1["mood"].is_null());
    let history = format!("/api/v1/users/{}/mood/history", c.alice.0);
    assert!(
        app.get_json(&c.lecturer.1, &history).await.1["readings"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // New messages are not measured while sharing is off.
    let before: i64 = readings_of(&db, c.alice.0).await;
    send_all(&app, &c.alice.1, c.direct, &["I am miserable today"]).await;
    let pushed = lecturer_ws
        .all_of_for("mood", StdDuration::from_millis(2500))
        .await;
    assert_eq!(
        about(&pushed, c.alice.0),
        0,
        "nothing pushed while opted out"
    );
    assert_eq!(readings_of(&db, c.alice.0).await, before);

    // Turning it back on shows the last shared mood again.
    reqwest::Client::new()
        .put(app.url("/api/v1/me/mood/sharing"))
        .bearer_auth(&c.alice.1)
        .json(&json!({ "enabled": true }))
        .send()
        .await
        .unwrap();
    let back = mood_frame_about(&mut lecturer_ws, c.alice.0).await;
    assert!(back["mood"]["emotion"].is_string(), "{back}");
    assert_refused(
        reqwest::Client::new()
            .put(app.url("/api/v1/me/mood/sharing"))
            .bearer_auth(&c.alice.1)
            .json(&json!({ "enabled": "no" })),
        422,
        "invalid_body",
    )
    .await;
    app.stop().await;
}

async fn readings_of(db: &PgPool, user: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM mood_readings WHERE user_id = $1")
        .bind(user)
        .fetch_one(db)
        .await
        .expect("count readings")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn two_processes_count_every_message_exactly_once(db: PgPool) {
    // Two processes: each with its own connection pool, as separate servers would have.
    let first = spawn(db.clone()).await;
    let second = spawn(tests::own_pool(&db).await).await;
    let c = cast(&first).await;
    // Messages spread over several windows, half through each server.
    for round in 0..6 {
        let app = if round % 2 == 0 { &first } else { &second };
        send_all(
            app,
            &c.alice.1,
            c.direct,
            &["still stuck on the assignment", "sigh"],
        )
        .await;
        tokio::time::sleep(StdDuration::from_millis(400)).await;
    }
    // Let the last window close and be processed.
    tokio::time::sleep(StdDuration::from_millis(2500)).await;
    let (readings, counted, distinct): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), COALESCE(sum(message_count), 0)::bigint,
                count(DISTINCT (user_id, conversation_id, window_start))
         FROM mood_readings WHERE user_id = $1",
    )
    .bind(c.alice.0)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(counted, 12, "each of the 12 messages counted exactly once");
    assert_eq!(
        readings, distinct,
        "one reading per user, conversation and window"
    );
    // Windows processed by both processes leave no gap between them.
    let gaps: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT window_start, lag(window_end) OVER (ORDER BY window_start) AS prev
                               FROM mood_runs) w
         WHERE prev IS NOT NULL AND prev <> window_start",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(gaps, 0);
    first.stop().await;
    second.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_crashed_run_leaves_its_window_to_be_processed_again(db: PgPool) {
    // The job is off: this test drives the windows itself.
    let app = TestApp::spawn_with(db.clone(), |c| c.mood_job_enabled = false).await;
    let c = cast(&app).await;
    let start = Utc::now() - Duration::seconds(1);
    send_all(&app, &c.alice.1, c.direct, &SAD).await;
    let end = Utc::now() + Duration::seconds(1);
    let registry = api::mood::registry::ModelRegistry::default();

    // A run claims the window and dies before committing.
    let mut crashed = db.begin().await.unwrap();
    sqlx::query("INSERT INTO mood_runs (window_start, window_end, readings) VALUES ($1, $2, 0)")
        .bind(start)
        .bind(end)
        .execute(&mut *crashed)
        .await
        .unwrap();
    let db2 = db.clone();
    let waiting = tokio::spawn(async move {
        let registry = api::mood::registry::ModelRegistry::default();
        api::mood::job::process_window(&db2, &registry, (start, end)).await
    });
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the second run waits for the first");
    drop(crashed); // rolled back: the crash leaves nothing behind
    let stored = waiting.await.unwrap().unwrap();
    assert_eq!(stored, Some(1), "the window is processed after the crash");
    // Processing it again does nothing: no double counting.
    let again = api::mood::job::process_window(&db, &registry, (start, end))
        .await
        .unwrap();
    assert_eq!(again, None);
    assert_eq!(readings_of(&db, c.alice.0).await, 1);
    let mine: Value = app.get_json(&c.alice.1, "/api/v1/me/mood").await.1;
    assert_eq!(mine["sharing"], true);
    assert_eq!(mine["current"]["message_count"], 3);
    assert_eq!(mine["readings"][0]["conversation"], json!(c.direct));
    app.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn corrections_are_reviewed_by_admins(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    let mut lecturer_ws = WsClient::connect(app.addr, &c.lecturer.1).await.unwrap();
    send_all(&app, &c.alice.1, c.direct, &SAD).await;
    mood_frame_about(&mut lecturer_ws, c.alice.0).await;
    let mine = app.get_json(&c.alice.1, "/api/v1/me/mood").await.1;
    let reading = mine["readings"][0]["id"].as_i64().unwrap();
    let correct = |token: &str, body: Value| {
        reqwest::Client::new()
            .post(app.url("/api/v1/mood/corrections"))
            .bearer_auth(token)
            .json(&body)
    };

    // Strangers and fellow students cannot correct alice's mood; unknown labels are named.
    for token in [&c.carl.1, &c.bea.1] {
        assert_refused(
            correct(token, json!({ "reading": reading, "emotion": "sad" })),
            404,
            "not_found",
        )
        .await;
    }
    let refused = assert_refused(
        correct(
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
            .unwrap()
            .contains("gloomy")
    );
    assert_refused(
        correct(&c.alice.1, json!({ "reading": reading })),
        422,
        "validation_failed",
    )
    .await;

    // Alice and her lecturer may.
    let created = correct(
        &c.alice.1,
        json!({ "reading": reading, "emotion": "very_sad", "intensity": "muted" }),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let by_lecturer: Value = json_of(correct(
        &c.lecturer.1,
        json!({ "reading": reading, "intensity": "very_muted" }),
    ))
    .await;

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
    let pending = pending.as_array().unwrap();
    assert_eq!(pending.len(), 2);
    assert!(
        pending[0]["text"]
            .as_str()
            .unwrap()
            .contains("I failed the exam")
    );
    let review = |id: i64, approve: bool| {
        reqwest::Client::new()
            .post(app.url(&format!("/api/v1/admin/mood/corrections/{id}/review")))
            .bearer_auth(&c.admin)
            .json(&json!({ "approve": approve }))
    };
    let first = pending[0]["id"].as_i64().unwrap();
    assert_eq!(review(first, true).send().await.unwrap().status(), 204);
    assert_eq!(
        review(by_lecturer["id"].as_i64().unwrap(), false)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_refused(review(first, false), 404, "not_found").await;
    let approved = app
        .get_json(&c.admin, "/api/v1/admin/mood/corrections?status=approved")
        .await
        .1;
    assert_eq!(approved.as_array().unwrap().len(), 1);
    assert_eq!(approved[0]["emotion"], "very_sad");
    // A reviewed correction cannot be changed by its author.
    assert_refused(
        correct(
            &c.alice.1,
            json!({ "reading": reading, "emotion": "happy" }),
        ),
        409,
        "already_reviewed",
    )
    .await;

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
    assert_eq!(datasets.as_array().unwrap().len(), 1);
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
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(
        text.contains("I failed the exam") && text.contains("everything is terrible"),
        "{text}"
    );
    assert_eq!(emotion, Some(0), "very_sad");
    app.stop().await;
}

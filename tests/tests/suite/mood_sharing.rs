//! Mood sharing end to end: messages sent over the WebSocket become a stored mood after the
//! job's window and reach, as a `mood` frame, the writer's contacts in that conversation (only
//! them); sharing with nobody hides it and stops measuring, sharing again shows it.

use std::time::Duration as StdDuration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::mood::{
    Cast, SAD, cast, mood_frame_about, mood_shown_about, moods_shown_about, readings_of, send_all,
    share, spawn,
};
use tests::ws::WsClient;
use tests::{TestApp, assert_refused, json_of};
use uuid::Uuid;

fn about(frames: &[Value], user: Uuid) -> usize {
    frames.iter().filter(|f| f["user"] == json!(user)).count()
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn messages_become_a_mood_pushed_to_contacts_only(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    let mut lecturer_ws = WsClient::connect(app.addr, &c.lecturer.1).await.unwrap();
    let mut carl_ws = WsClient::connect(app.addr, &c.carl.1).await.unwrap();
    let mut bea_ws = WsClient::connect(app.addr, &c.bea.1).await.unwrap();
    let mut alice_other_device = WsClient::connect(app.addr, &c.alice.1).await.unwrap();

    send_all(&app, &c.alice.1, c.direct, &SAD).await;

    let frame = mood_shown_about(&mut lecturer_ws, c.alice.0).await;
    let mood = &frame["mood"];
    assert_a_sad_mood(&frame);
    // The writer's own devices hear it too; a stranger does not.
    mood_shown_about(&mut alice_other_device, c.alice.0).await;
    let strangers = carl_ws
        .all_of_for("mood", StdDuration::from_millis(1500))
        .await;
    assert_eq!(
        about(&strangers, c.alice.0),
        0,
        "carl is not alice's contact"
    );
    let fellow = moods_shown_about(&mut bea_ws, c.alice.0, StdDuration::from_millis(500)).await;
    assert_eq!(
        fellow.len(),
        0,
        "bea is a contact, but alice wrote only in a conversation bea is not in"
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

    contacts_see_the_mood_and_strangers_cannot_ask(&app, &c, mood).await;
    only_lecturers_see_the_history(&app, &c).await;
    app.stop().await;
}

/// The `mood` of `frame` is a sad one, labelled, with emotion probabilities summing to one.
fn assert_a_sad_mood(frame: &Value) {
    let mood = &frame["mood"];
    assert!(
        ["very_sad", "sad"].contains(&mood["emotion"].as_str().expect("an emotion")),
        "sad messages give a sad mood: {frame}"
    );
    assert!(
        mood["label"].as_str().expect("a label").contains(", "),
        "{mood}"
    );
    let p: f64 = mood["emotion_probabilities"]
        .as_array()
        .expect("emotion probabilities")
        .iter()
        .map(|c| c["p"].as_f64().expect("a probability"))
        .sum();
    assert!((p - 1.0).abs() < 1e-6, "probabilities sum to one: {p}");
    assert!(mood["measured_at"].is_string() && mood["model"].is_string());
}

/// The lecturer sees alice's `mood` in the contact list; bea, a contact who shares only a group
/// with her, sees none (alice wrote only to the lecturer); strangers cannot ask for it.
async fn contacts_see_the_mood_and_strangers_cannot_ask(app: &TestApp, c: &Cast, mood: &Value) {
    let contacts: Value = json_of(
        reqwest::Client::new()
            .get(app.url("/api/v1/contacts"))
            .bearer_auth(&c.lecturer.1),
    )
    .await;
    let alice_row = contacts["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .find(|x| x["id"] == json!(c.alice.0))
        .expect("alice among the contacts")
        .clone();
    assert_eq!(alice_row["mood"]["emotion"], mood["emotion"]);
    let path = format!("/api/v1/users/{}/mood", c.alice.0);
    assert_eq!(
        app.get_json(&c.lecturer.1, &path).await.1["mood"]["emotion"],
        mood["emotion"]
    );
    let (status, seen_by_bea) = app.get_json(&c.bea.1, &path).await;
    assert_eq!(status, 200);
    assert!(seen_by_bea["mood"].is_null(), "{seen_by_bea}");
    assert_refused(
        reqwest::Client::new()
            .get(app.url(&path))
            .bearer_auth(&c.carl.1),
        404,
        "not_found",
    )
    .await;
}

/// History: lecturers see the chart data (without conversation ids), students may not.
async fn only_lecturers_see_the_history(app: &TestApp, c: &Cast) {
    let history = format!("/api/v1/users/{}/mood/history?days=7", c.alice.0);
    let (status, body) = app.get_json(&c.lecturer.1, &history).await;
    assert_eq!(status, 200);
    let readings = body["readings"].as_array().expect("readings");
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
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn opting_out_hides_the_mood_and_stops_measuring(db: PgPool) {
    let app = spawn(db.clone()).await;
    let c = cast(&app).await;
    let mut lecturer_ws = WsClient::connect(app.addr, &c.lecturer.1).await.unwrap();
    send_all(&app, &c.alice.1, c.direct, &SAD).await;
    mood_shown_about(&mut lecturer_ws, c.alice.0).await;

    let off = share(&app, &c.alice.1, false, false).await;
    assert_eq!(
        (off["lecturers"].clone(), off["students"].clone()),
        (json!(false), json!(false))
    );
    assert_eq!(off["chosen"], true);
    // Alice still sees what was measured about her (until she deletes it).
    assert!(!off["readings"].as_array().unwrap().is_empty());
    // Contacts' screens clear at once (a frame of a window stored just before may come first).
    while !mood_frame_about(&mut lecturer_ws, c.alice.0).await["mood"].is_null() {}
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

    // Sharing with lecturers again shows the last mood measured with this lecturer again.
    share(&app, &c.alice.1, true, false).await;
    let back = mood_shown_about(&mut lecturer_ws, c.alice.0).await;
    assert!(back["mood"]["emotion"].is_string(), "{back}");
    // The old shape, a missing choice and a wrong type are refused in the error shape.
    for body in [
        json!({ "enabled": true }),
        json!({ "lecturers": true }),
        json!({ "lecturers": true, "students": "no" }),
        json!({ "lecturers": true, "students": false, "admins": true }),
    ] {
        assert_refused(
            reqwest::Client::new()
                .put(app.url("/api/v1/me/mood/sharing"))
                .bearer_auth(&c.alice.1)
                .json(&body),
            422,
            "invalid_body",
        )
        .await;
    }
    app.stop().await;
}

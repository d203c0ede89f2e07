//! Helpers for the mood tests (`tests/tests/suite/mood_*.rs`): a server with one-second mood windows,
//! the people and conversations the moods travel between, sending messages and waiting for
//! `mood` frames; and, for mood administration, dataset uploads and waiting for training.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::TestApp;
use crate::ws::WsClient;

/// A server whose mood windows last one second.
pub async fn spawn(db: PgPool) -> TestApp {
    TestApp::spawn_with(db, fast_windows).await
}

/// A server whose one-second mood windows fall due on `clock`.
pub async fn spawn_on(db: PgPool, clock: models::clock::Clock) -> TestApp {
    TestApp::spawn_on(db, clock, fast_windows).await
}

fn fast_windows(config: &mut api::config::Config) {
    config.mood_window_seconds = 1;
    config.mood_grace_ms = 200;
}

/// Admin, a lecturer and three students; the lecturer and `alice` share a direct conversation,
/// `bea` shares a group with alice, `carl` shares nothing with her (every request and invitation
/// accepted, so they are contacts). Alice shares her mood with lecturers and fellow students.
pub struct Cast {
    /// The admin's bearer token.
    pub admin: String,
    /// The lecturer's id and token.
    pub lecturer: (Uuid, String),
    /// The student whose mood the tests follow.
    pub alice: (Uuid, String),
    /// A student in a group with alice.
    pub bea: (Uuid, String),
    /// A student who shares no conversation with alice (only a direct one with bea).
    pub carl: (Uuid, String),
    /// The direct conversation of the lecturer and alice.
    pub direct: Uuid,
    /// The group of bea (its owner) and alice.
    pub group: Uuid,
}

/// Signs up the [`Cast`] and makes its conversations.
pub async fn cast(app: &TestApp) -> Cast {
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let lecturer = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer.0).await;
    let alice = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let bea = app.user_with_token("bea@uni.ac.uk", "Bea").await;
    let carl = app.user_with_token("carl@uni.ac.uk", "Carl").await;
    let direct = app
        .open_accepted_direct(&lecturer.1, alice.0, &alice.1)
        .await;
    let group = app
        .create_accepted_group(&bea.1, "Study group", &[(alice.0, &alice.1)])
        .await;
    app.open_accepted_direct(&carl.1, bea.0, &bea.1).await;
    share(app, &alice.1, true, true).await;
    Cast {
        admin,
        lecturer,
        alice,
        bea,
        carl,
        direct,
        group,
    }
}

/// Chooses, as the holder of `token`, whom they show their mood to
/// (`PUT /api/v1/me/mood/sharing`); returns their `GET /api/v1/me/mood` view.
pub async fn share(app: &TestApp, token: &str, lecturers: bool, students: bool) -> Value {
    let response = reqwest::Client::new()
        .put(app.url("/api/v1/me/mood/sharing"))
        .bearer_auth(token)
        .json(&json!({ "lecturers": lecturers, "students": students }))
        .send()
        .await
        .expect("choose mood sharing");
    assert_eq!(response.status(), 200, "choose mood sharing");
    response.json().await.expect("the mood view")
}

/// Waits (at most 20 s) until `user` has at least `n` stored readings: the window was processed
/// (a control before checking that someone did *not* hear about it).
pub async fn wait_for_readings(db: &PgPool, user: Uuid, n: i64) {
    for _ in 0..200 {
        if readings_of(db, user).await >= n {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("{user} did not get {n} mood readings");
}

/// The `mood` frames about `user` that arrive on `ws` within `wait`.
pub async fn mood_frames_about(ws: &mut WsClient, user: Uuid, wait: StdDuration) -> Vec<Value> {
    ws.all_of_for("mood", wait)
        .await
        .into_iter()
        .filter(|f| f["user"] == json!(user))
        .collect()
}

/// The `mood` frames about `user` that arrive on `ws` within `wait` and show a mood (a `null`
/// one only says there is nothing to show).
pub async fn moods_shown_about(ws: &mut WsClient, user: Uuid, wait: StdDuration) -> Vec<Value> {
    let mut frames = mood_frames_about(ws, user, wait).await;
    frames.retain(|f| !f["mood"].is_null());
    frames
}

/// The next `mood` frame about `user` that shows a mood (skipping `null` ones).
pub async fn mood_shown_about(ws: &mut WsClient, user: Uuid) -> Value {
    loop {
        let frame = mood_frame_about(ws, user).await;
        if !frame["mood"].is_null() {
            return frame;
        }
    }
}

/// Sends `bodies` to `conversation` over a new WebSocket of the holder of `token`, waiting for
/// each ack, then disconnects.
pub async fn send_all(app: &TestApp, token: &str, conversation: Uuid, bodies: &[&str]) {
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
pub async fn mood_frame_about(ws: &mut WsClient, user: Uuid) -> Value {
    loop {
        let frame = ws.next_of("mood").await.expect("a mood frame");
        if frame["user"] == json!(user) {
            return frame;
        }
    }
}

/// Three clearly sad messages.
pub const SAD: [&str; 3] = [
    "I failed the exam and I feel awful",
    "honestly I am so sad and hopeless about this course",
    "I cried all night, everything is terrible",
];

/// How many mood readings `user` has stored.
pub async fn readings_of(db: &PgPool, user: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM mood_readings WHERE user_id = $1")
        .bind(user)
        .fetch_one(db)
        .await
        .expect("count readings")
}

/// An upload of a labelled dataset named `name` by the holder of `token`, sent as CSV.
pub fn upload(
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

/// Polls a version until training ends (ready or failed).
pub async fn trained(app: &TestApp, token: &str, id: i64) -> Value {
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

/// Waits (at most 20 s) until the processed mood windows reach past the newest message: a
/// control before checking that nothing was measured or pushed.
pub async fn windows_cover_every_message(db: &PgPool) {
    for _ in 0..200 {
        let (covered, newest): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT (SELECT max(window_end) FROM mood_runs), (SELECT max(created_at) FROM messages)",
        )
        .fetch_one(db)
        .await
        .expect("read the windows");
        if covered.is_some() && covered > newest {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("the mood windows did not reach the last message");
}

/// The readings of the holder of `token` as they list them (`GET /api/v1/me/mood/readings`), newest first.
pub async fn own_readings(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, page) = app.get_json(token, "/api/v1/me/mood/readings").await;
    assert_eq!(status, 200, "{page}");
    page["readings"].as_array().cloned().unwrap_or_default()
}

/// A message the built-in model reads as Very Sad or Sad.
pub const SAD_MESSAGE: &str = "I failed the exam and I feel awful, so sad and hopeless";
/// A message the built-in model reads as Happy or Very Happy.
pub const HAPPY_MESSAGE: &str = "thank you so much, I love this course, it is wonderful";

/// The people of the lecturer's overview: a lecturer with a direct conversation with each of
/// three students. Alice and Carl share their mood with lecturers; Bea shares only with fellow
/// students, so the lecturer may not see hers.
pub struct OverviewCast {
    /// The lecturer's id and token.
    pub lecturer: (Uuid, String),
    /// Shares with lecturers; the tests make her sad window after window.
    pub alice: (Uuid, String, Uuid),
    /// Shares only with students; sad too, but invisible to the lecturer.
    pub bea: (Uuid, String, Uuid),
    /// Shares with lecturers; sad once, then happy.
    pub carl: (Uuid, String, Uuid),
}

/// Signs up the [`OverviewCast`] (each student's third field is their direct conversation).
pub async fn overview_cast(app: &TestApp) -> OverviewCast {
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let lecturer = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer.0).await;
    let mut students = Vec::new();
    for (email, name, lecturers, fellows) in [
        ("alice@uni.ac.uk", "Alice", true, false),
        ("bea@uni.ac.uk", "Bea", false, true),
        ("carl@uni.ac.uk", "Carl", true, false),
    ] {
        let (id, token) = app.user_with_token(email, name).await;
        let direct = app.open_accepted_direct(&lecturer.1, id, &token).await;
        share(app, &token, lecturers, fellows).await;
        students.push((id, token, direct));
    }
    let carl = students.pop().expect("carl");
    let bea = students.pop().expect("bea");
    let alice = students.pop().expect("alice");
    OverviewCast {
        lecturer,
        alice,
        bea,
        carl,
    }
}

/// One measured window: each of `writers` (token, conversation, body) sends one message, then the
/// test waits until each has `round` readings (their window was processed, so the next message
/// falls into a later window).
pub async fn one_window(
    app: &TestApp,
    db: &PgPool,
    writers: &[(&(Uuid, String, Uuid), &str)],
    round: i64,
) {
    for ((_, token, conversation), body) in writers.iter().map(|(w, b)| (*w, *b)) {
        send_all(app, token, *conversation, &[body]).await;
    }
    for ((id, _, _), _) in writers {
        wait_for_readings(db, *id, round).await;
    }
}

//! Helpers for the mood tests (`tests/tests/suite/mood_*.rs`): a server with one-second mood windows,
//! the people and conversations the moods travel between, sending messages and waiting for
//! `mood` frames; and, for mood administration, dataset uploads and waiting for training.

use std::time::Duration as StdDuration;

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

/// Admin, a lecturer and two students; the lecturer and `alice` share a direct conversation,
/// `bea` shares a group with alice, `carl` shares nothing with her.
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
    app.create_accepted_group(&bea.1, "Study group", &[(alice.0, &alice.1)])
        .await;
    app.open_accepted_direct(&carl.1, bea.0, &bea.1).await;
    Cast {
        admin,
        lecturer,
        alice,
        bea,
        carl,
        direct,
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

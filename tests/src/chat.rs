//! Helpers for the live chat tests (`tests/tests/suite/chat_*.rs`): a server without rate limits in
//! the way, WebSocket devices that follow conversations, and readers for frame fields.

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::TestApp;
use crate::ws::WsClient;

/// A server whose rate limit does not get in the way of tests that send in bursts.
pub async fn spawn_fast(db: PgPool) -> TestApp {
    TestApp::spawn_with(db, |c| {
        c.messages_per_second = 10_000;
        c.presence_grace_ms = 200;
    })
    .await
}

/// Connects a device and follows every conversation from its current position.
pub async fn online(app: &TestApp, token: &str) -> WsClient {
    let mut ws = WsClient::connect(app.addr, token).await.expect("connect");
    ws.sync(&[]).await.expect("sync");
    ws
}

/// Connects a device that follows `conversation` from `seq`, and waits for it to be synced.
pub async fn online_from(app: &TestApp, token: &str, conversation: Uuid, seq: i64) -> WsClient {
    let mut ws = WsClient::connect(app.addr, token).await.expect("connect");
    ws.sync(&[(conversation, seq)]).await.expect("sync");
    ws
}

/// The `seq` field of a frame or message.
pub fn seq_of(frame: &Value) -> i64 {
    frame["seq"].as_i64().expect("seq")
}

/// A JSON string holding a UUID, parsed.
pub fn uuid_of(value: &Value) -> Uuid {
    value.as_str().and_then(|s| s.parse().ok()).expect("uuid")
}

/// Waits for the `synced` frame of `conversation` and returns the seq it is synced to.
pub async fn synced(ws: &mut WsClient, conversation: Uuid) -> i64 {
    loop {
        let frame = ws.next_of("synced").await.expect("synced");
        if uuid_of(&frame["conversation"]) == conversation {
            return seq_of(&frame);
        }
    }
}

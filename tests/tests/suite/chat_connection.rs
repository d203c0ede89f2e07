//! The chat WebSocket connection itself: the upgrade checks the session and origin, revoking the
//! session closes the socket, bad frames get a precise error without dropping the connection,
//! and sending too fast is refused with a retry time.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::TestApp;
use tests::chat::{online, seq_of, spawn_fast};
use tests::ws::WsClient;
use uuid::Uuid;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn bad_frames_get_a_precise_error_and_the_connection_stays_open(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (carol, carol_token) = app.user_with_token("carol@uni.ac.uk", "Carol").await;
    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
    let not_mine = app
        .open_accepted_direct(&bob_token, carol, &carol_token)
        .await;
    let mut a = online(&app, &alice_token).await;

    for (frame, code) in bad_frames(direct, not_mine) {
        a.send(frame.clone()).await.unwrap();
        let error = a.next_of("error").await.unwrap();
        assert_eq!(error["code"], code, "for {frame:.80}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    a.send_raw("{not json").await.unwrap();
    assert_eq!(a.next_of("error").await.unwrap()["code"], "malformed_frame");
    a.send(json!({ "type": "sync", "cursors": { not_mine.to_string(): 0 } }))
        .await
        .unwrap();
    assert_eq!(a.next_of("error").await.unwrap()["code"], "not_a_member");

    still_open_and_nothing_refused_was_stored(&app, &mut a, direct, not_mine, &bob_token).await;
}

/// Frames Alice (a member of `direct`, not of `not_mine`) may not send, each with the error
/// code it gets.
fn bad_frames(direct: Uuid, not_mine: Uuid) -> Vec<(Value, &'static str)> {
    vec![
        (
            json!({ "type": "send", "conversation": not_mine, "client_id": "x1", "body": "sneaky" }),
            "not_a_member",
        ),
        (
            json!({ "type": "send", "conversation": Uuid::new_v4(), "client_id": "x2", "body": "nowhere" }),
            "not_a_member",
        ),
        (
            json!({ "type": "send", "conversation": direct, "client_id": "x3", "body": "a".repeat(100_001) }),
            "body_too_long",
        ),
        (
            json!({ "type": "send", "conversation": direct, "client_id": "x4", "body": "" }),
            "body_empty",
        ),
        (
            json!({ "type": "send", "conversation": direct, "client_id": "", "body": "hi" }),
            "invalid_client_id",
        ),
        (
            json!({ "type": "send", "conversation": direct, "client_id": "k".repeat(65), "body": "hi" }),
            "invalid_client_id",
        ),
        (
            json!({ "type": "send", "conversation": "not-a-uuid", "client_id": "x5", "body": "hi" }),
            "malformed_frame",
        ),
        (json!({ "type": "launch_rockets" }), "malformed_frame"),
        (
            json!({ "type": "read", "conversation": not_mine, "seq": 1 }),
            "not_a_member",
        ),
        (
            json!({ "type": "typing", "conversation": not_mine, "active": true }),
            "not_a_member",
        ),
        (
            json!({ "type": "read", "conversation": direct, "seq": -1 }),
            "malformed_frame",
        ),
    ]
}

/// After the refusals Alice's connection `a` still works, and nothing refused was stored.
async fn still_open_and_nothing_refused_was_stored(
    app: &TestApp,
    a: &mut WsClient,
    direct: Uuid,
    not_mine: Uuid,
    bob_token: &str,
) {
    // Still open and working: the largest allowed message (in characters, not bytes) is stored.
    a.send(json!({ "type": "ping" }))
        .await
        .expect("send a ping");
    a.next_of("pong").await.expect("a pong");
    let longest = "€".repeat(100_000);
    a.send_message(direct, "longest", &longest)
        .await
        .expect("send the message");
    assert_eq!(seq_of(&a.next_of("ack").await.expect("the ack")), 1);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&app.db)
        .await
        .expect("count the messages");
    assert_eq!(stored, 1, "nothing refused was stored");
    let (_, list) = app
        .get_json(bob_token, &format!("/api/v1/conversations/{not_mine}"))
        .await;
    assert!(
        list["last_message"].is_null(),
        "no message leaked into someone else's conversation"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_upgrade_checks_session_and_origin_and_revocation_closes_the_socket(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let other_device = app.token("alice@uni.ac.uk").await;
    let bearer = format!("Bearer {token}");

    assert_eq!(WsClient::try_connect(app.addr, &[]).await.err(), Some(401));
    assert_eq!(
        WsClient::try_connect(app.addr, &[("authorization", "Bearer not-a-token")])
            .await
            .err(),
        Some(401)
    );
    let cross_site = [
        ("authorization", bearer.as_str()),
        ("origin", "https://evil.example"),
    ];
    assert_eq!(
        WsClient::try_connect(app.addr, &cross_site).await.err(),
        Some(403)
    );
    let same_origin = format!("http://{}", app.addr);
    let ok = [
        ("authorization", bearer.as_str()),
        ("origin", same_origin.as_str()),
    ];
    assert!(WsClient::try_connect(app.addr, &ok).await.is_ok());

    let mut ws = WsClient::connect(app.addr, &token).await.unwrap();
    let session = app.current_session(&token).await;
    let revoke = reqwest::Client::new()
        .delete(app.url(&format!("/api/v1/me/sessions/{session}")))
        .bearer_auth(&other_device)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    let closed = ws.next_of("__closed").await.unwrap();
    assert_eq!(closed["code"], 4001);
    assert_eq!(
        WsClient::try_connect(app.addr, &[("authorization", bearer.as_str())])
            .await
            .err(),
        Some(401)
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn sending_too_fast_is_refused_with_a_retry_time(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| c.messages_per_second = 2).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
    let mut a = online(&app, &alice_token).await;
    for i in 0..10 {
        a.send_message(direct, &format!("f{i}"), "flood")
            .await
            .unwrap();
    }
    let acks = a.all_of_for("ack", Duration::from_millis(800)).await;
    let errors = a.all_of_for("error", Duration::from_millis(50)).await;
    assert_eq!(acks.len(), 4, "the burst (twice the rate) goes through");
    assert_eq!(errors.len(), 6);
    assert!(
        errors.iter().all(|e| e["code"] == "rate_limited"
            && e["retry_after_ms"].as_u64().is_some_and(|ms| ms > 0))
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    a.send_message(direct, "later", "calm again").await.unwrap();
    a.next_of("ack").await.unwrap();
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn one_user_holds_at_most_the_allowed_connections(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| c.ws_connections_per_user = 2).await;
    let (_, token) = app.user_with_token("ada@uni.ac.uk", "Ada").await;
    let (_, other) = app.user_with_token("bo@uni.ac.uk", "Bo").await;
    let bearer = format!("Bearer {token}");
    let first = WsClient::connect(app.addr, &token)
        .await
        .expect("first tab");
    let _second = WsClient::connect(app.addr, &token)
        .await
        .expect("second tab");
    let third = WsClient::try_connect(app.addr, &[("authorization", bearer.as_str())]).await;
    assert_eq!(third.err(), Some(429), "a third connection is refused");
    // Someone else is not affected, and closing a tab frees its place.
    WsClient::connect(app.addr, &other)
        .await
        .expect("another user");
    first.close().await;
    let mut again = None;
    for _ in 0..50 {
        if let Ok(client) = WsClient::connect(app.addr, &token).await {
            again = Some(client);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "the closed tab's place is free again");
    app.stop().await;
}

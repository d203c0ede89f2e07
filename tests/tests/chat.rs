//! Live chat end to end: real WebSocket clients against the real server and database.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::ws::WsClient;
use tests::{TestApp, assert_error};
use uuid::Uuid;

/// A server whose rate limit does not get in the way of tests that send in bursts.
async fn spawn_fast(db: PgPool) -> TestApp {
    TestApp::spawn_with(db, |c| {
        c.messages_per_second = 10_000;
        c.presence_grace_ms = 200;
    })
    .await
}

/// Connects a device and follows every conversation from its current position.
async fn online(app: &TestApp, token: &str) -> WsClient {
    let mut ws = WsClient::connect(app.addr, token).await.expect("connect");
    ws.sync(&[]).await.expect("sync");
    ws
}

/// Connects a device that follows `conversation` from `seq`, and waits for it to be synced.
async fn online_from(app: &TestApp, token: &str, conversation: Uuid, seq: i64) -> WsClient {
    let mut ws = WsClient::connect(app.addr, token).await.expect("connect");
    ws.sync(&[(conversation, seq)]).await.expect("sync");
    ws
}

fn seq_of(frame: &Value) -> i64 {
    frame["seq"].as_i64().expect("seq")
}

fn uuid_of(value: &Value) -> Uuid {
    value.as_str().and_then(|s| s.parse().ok()).expect("uuid")
}

async fn synced(ws: &mut WsClient, conversation: Uuid) -> i64 {
    loop {
        let frame = ws.next_of("synced").await.expect("synced");
        if uuid_of(&frame["conversation"]) == conversation {
            return seq_of(&frame);
        }
    }
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn direct_and_group_messages_reach_every_member_and_nobody_else(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (carol, carol_token) = app.user_with_token("carol@uni.ac.uk", "Carol").await;

    let direct = app.open_direct(&alice_token, bob).await;
    let group = app
        .create_group(&alice_token, "Algorithms", &[bob, carol])
        .await;

    let mut a = online(&app, &alice_token).await;
    let mut b = online(&app, &bob_token).await;
    let mut c = online(&app, &carol_token).await;
    synced(&mut b, direct).await;
    synced(&mut c, group).await;

    a.send_message(direct, "d-1", "hi Bob").await.unwrap();
    let ack = a.next_of("ack").await.unwrap();
    assert_eq!(ack["client_id"], "d-1");
    assert_eq!(seq_of(&ack), 1);
    assert!(
        ack["id"].is_string() && ack["created_at"].is_string(),
        "ack carries id and time: {ack}"
    );

    let got = b.next_of("message").await.unwrap();
    assert_eq!(got["body"], "hi Bob");
    assert_eq!(uuid_of(&got["sender"]), alice);
    assert_eq!(uuid_of(&got["conversation"]), direct);
    assert_eq!(got["id"], ack["id"]);

    a.send_message(group, "g-1", "hello group").await.unwrap();
    assert_eq!(seq_of(&a.next_of("ack").await.unwrap()), 1);
    for ws in [&mut b, &mut c] {
        let got = ws.next_of("message").await.unwrap();
        assert_eq!(got["body"], "hello group");
        assert_eq!(uuid_of(&got["conversation"]), group);
    }
    let carol_saw = c.all_of_for("message", Duration::from_millis(300)).await;
    assert!(
        carol_saw.is_empty(),
        "Carol must not see the direct message: {carol_saw:?}"
    );

    // Over REST the list shows the last message and unread counts.
    let (status, list) = app.get_json(&bob_token, "/api/v1/conversations").await;
    assert_eq!(status, 200);
    let conversations = list["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 2);
    for view in conversations {
        assert_eq!(view["unread_count"], 1, "{view}");
        assert!(view["last_message"]["body"].is_string());
    }
    let (_, carol_list) = app.get_json(&carol_token, "/api/v1/conversations").await;
    assert_eq!(carol_list["conversations"].as_array().unwrap().len(), 1);
    let (status, _) = app
        .get_json(&carol_token, &format!("/api/v1/conversations/{direct}"))
        .await;
    assert_eq!(status, 404, "a non-member cannot read a conversation");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_senders_other_device_gets_its_own_message(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, alice_phone) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let alice_laptop = app.token("alice@uni.ac.uk").await;
    let (bob, _) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app.open_direct(&alice_phone, bob).await;

    let mut phone = online(&app, &alice_phone).await;
    let mut laptop = online(&app, &alice_laptop).await;
    synced(&mut laptop, direct).await;
    phone
        .send_message(direct, "m-1", "sent from my phone")
        .await
        .unwrap();
    let ack = phone.next_of("ack").await.unwrap();
    let on_laptop = laptop.next_of("message").await.unwrap();
    assert_eq!(on_laptop["body"], "sent from my phone");
    assert_eq!(on_laptop["client_id"], "m-1");
    assert_eq!(on_laptop["seq"], ack["seq"]);
    // The sending device gets the message too (after the ack), exactly once.
    let on_phone = phone
        .all_of_for("message", Duration::from_millis(400))
        .await;
    assert_eq!(on_phone.len(), 1);
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_member_offline_during_50_messages_gets_all_of_them_in_order(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app.open_direct(&alice_token, bob).await;
    let mut a = online(&app, &alice_token).await;

    // Bob sees message 1, then goes offline.
    let mut b = online_from(&app, &bob_token, direct, 0).await;
    a.send_message(direct, "first", "before you left")
        .await
        .unwrap();
    let first = b.next_of("message").await.unwrap();
    assert_eq!(seq_of(&first), 1);
    b.close().await;

    for i in 0..50 {
        a.send_message(direct, &format!("missed-{i}"), &format!("missed {i}"))
            .await
            .unwrap();
    }
    for _ in 0..50 {
        a.next_of("ack").await.unwrap();
    }

    // Reconnecting from seq 1 brings exactly 2..=51, in order, then live messages.
    let mut b = online_from(&app, &bob_token, direct, 1).await;
    let mut caught_up = Vec::new();
    loop {
        let frame = b.next().await.unwrap();
        match frame["type"].as_str() {
            Some("message") => caught_up.push(frame),
            Some("synced") => {
                assert_eq!(seq_of(&frame), 51);
                break;
            }
            _ => {}
        }
    }
    let seqs: Vec<i64> = caught_up.iter().map(seq_of).collect();
    assert_eq!(seqs, (2..=51).collect::<Vec<_>>());
    let bodies: Vec<&str> = caught_up
        .iter()
        .filter_map(|f| f["body"].as_str())
        .collect();
    assert_eq!(bodies.first(), Some(&"missed 0"));
    assert_eq!(bodies.last(), Some(&"missed 49"));

    a.send_message(direct, "live", "welcome back")
        .await
        .unwrap();
    let live = b.next_of("message").await.unwrap();
    assert_eq!(seq_of(&live), 52);
    assert!(
        b.all_of_for("message", Duration::from_millis(300))
            .await
            .is_empty(),
        "no duplicates"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_retried_client_id_stores_one_message_and_acks_the_same_seq(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app.open_direct(&alice_token, bob).await;
    let mut a = online(&app, &alice_token).await;
    let mut b = online_from(&app, &bob_token, direct, 0).await;
    synced(&mut b, direct).await;

    a.send_message(direct, "retry-me", "only once please")
        .await
        .unwrap();
    let first = a.next_of("ack").await.unwrap();
    // A retry from another connection of the same user (the first one "dropped").
    let mut again = online(&app, &alice_token).await;
    again
        .send_message(direct, "retry-me", "only once please")
        .await
        .unwrap();
    let second = again.next_of("ack").await.unwrap();
    assert_eq!(first["seq"], second["seq"]);
    assert_eq!(first["id"], second["id"]);

    let delivered = b.all_of_for("message", Duration::from_millis(500)).await;
    assert_eq!(delivered.len(), 1, "the retry is not delivered again");
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE client_id = 'retry-me'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, 1);

    // Reusing a client_id for a different message is refused, not silently acked.
    again
        .send_message(direct, "retry-me", "something else")
        .await
        .unwrap();
    let error = again.next_of("error").await.unwrap();
    assert_eq!(error["code"], "invalid_client_id");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn concurrent_senders_get_gap_free_increasing_seqs(db: PgPool) {
    let app = spawn_fast(db).await;
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    for i in 0..5 {
        let (id, token) = app
            .user_with_token(&format!("user{i}@uni.ac.uk"), &format!("User {i}"))
            .await;
        ids.push(id);
        tokens.push(token);
    }
    let group = app
        .create_conversation(
            &tokens[0],
            json!({ "kind": "group", "name": "Race", "member_ids": &ids[1..] }),
        )
        .await;
    let observer_token = app.token("user0@uni.ac.uk").await;
    let mut observer = online_from(&app, &observer_token, group, 0).await;
    synced(&mut observer, group).await;

    let per_sender = 20;
    let mut senders = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let mut ws = online(&app, token).await;
        senders.push(tokio::spawn(async move {
            for n in 0..per_sender {
                ws.send_message(group, &format!("u{i}-{n}"), &format!("from {i}: {n}"))
                    .await
                    .unwrap();
            }
            let mut seqs = Vec::new();
            for _ in 0..per_sender {
                seqs.push(seq_of(&ws.next_of("ack").await.unwrap()));
            }
            seqs
        }));
    }
    let mut all = Vec::new();
    for sender in senders {
        let seqs = sender.await.unwrap();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "one sender's seqs increase: {seqs:?}"
        );
        all.extend(seqs);
    }
    let total = 5 * per_sender;
    let unique: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "no seq assigned twice");
    assert_eq!(unique, (1..=total).collect::<BTreeSet<_>>(), "no gaps");

    let stored: Vec<i64> =
        sqlx::query_scalar("SELECT seq FROM messages WHERE conversation_id = $1 ORDER BY seq")
            .bind(group)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, (1..=total).collect::<Vec<_>>());

    let mut observed = Vec::new();
    while observed.len() < usize::try_from(total).unwrap() {
        observed.push(seq_of(&observer.next_of("message").await.unwrap()));
    }
    assert_eq!(
        observed,
        (1..=total).collect::<Vec<_>>(),
        "a member receives them in seq order"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn bad_frames_get_a_precise_error_and_the_connection_stays_open(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (carol, _) = app.user_with_token("carol@uni.ac.uk", "Carol").await;
    let direct = app.open_direct(&alice_token, bob).await;
    let not_mine = app.open_direct(&bob_token, carol).await;
    let mut a = online(&app, &alice_token).await;

    let cases: Vec<(Value, &str)> = vec![
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
    ];
    for (frame, code) in cases {
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

    // Still open and working: the largest allowed message (in characters, not bytes) is stored.
    a.send(json!({ "type": "ping" })).await.unwrap();
    a.next_of("pong").await.unwrap();
    let longest = "€".repeat(100_000);
    a.send_message(direct, "longest", &longest).await.unwrap();
    assert_eq!(seq_of(&a.next_of("ack").await.unwrap()), 1);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1, "nothing refused was stored");
    let (_, list) = app
        .get_json(&bob_token, &format!("/api/v1/conversations/{not_mine}"))
        .await;
    assert!(
        list["last_message"].is_null(),
        "no message leaked into someone else's conversation"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn receipts_reach_the_sender_and_read_state_follows_the_readers_devices(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_phone_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let bob_laptop_token = app.token("bob@uni.ac.uk").await;
    let direct = app.open_direct(&alice_token, bob).await;
    let mut a = online(&app, &alice_token).await;
    let mut phone = online_from(&app, &bob_phone_token, direct, 0).await;
    let mut laptop = online_from(&app, &bob_laptop_token, direct, 0).await;
    synced(&mut laptop, direct).await;

    for i in 1..=3 {
        a.send_message(direct, &format!("r{i}"), &format!("question {i}"))
            .await
            .unwrap();
    }
    for _ in 0..3 {
        phone.next_of("message").await.unwrap();
    }
    phone
        .send(json!({ "type": "delivered", "conversation": direct, "seq": 3 }))
        .await
        .unwrap();
    let receipt = wait_receipt(&mut a, bob, |r| r["delivered_seq"] == 3).await;
    assert_eq!(receipt["read_seq"], 0, "delivered is not read");

    phone
        .send(json!({ "type": "read", "conversation": direct, "seq": 2 }))
        .await
        .unwrap();
    wait_receipt(&mut a, bob, |r| r["read_seq"] == 2).await;
    // Bob's laptop learns his read position too, so it can clear its unread badge.
    wait_receipt(&mut laptop, bob, |r| r["read_seq"] == 2).await;

    let (_, view) = app
        .get_json(
            &bob_laptop_token,
            &format!("/api/v1/conversations/{direct}"),
        )
        .await;
    assert_eq!(view["read_seq"], 2);
    assert_eq!(view["unread_count"], 1);
    let (_, alice_view) = app
        .get_json(&alice_token, &format!("/api/v1/conversations/{direct}"))
        .await;
    let bob_member = alice_view["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| uuid_of(&m["id"]) == bob)
        .cloned()
        .unwrap();
    assert_eq!(bob_member["delivered_seq"], 3);
    assert_eq!(bob_member["read_seq"], 2);
    assert_eq!(
        alice_view["unread_count"], 0,
        "your own messages are never unread"
    );

    // Positions never go backwards, and reading past the end is clamped.
    laptop
        .send(json!({ "type": "read", "conversation": direct, "seq": 1 }))
        .await
        .unwrap();
    laptop
        .send(json!({ "type": "read", "conversation": direct, "seq": 999 }))
        .await
        .unwrap();
    wait_receipt(&mut a, bob, |r| r["read_seq"] == 3).await;
    let (_, view) = app
        .get_json(&bob_phone_token, &format!("/api/v1/conversations/{direct}"))
        .await;
    assert_eq!(view["unread_count"], 0);
    assert_eq!(view["read_seq"], 3);
    let _ = alice;
}

async fn wait_receipt(ws: &mut WsClient, user: Uuid, done: impl Fn(&Value) -> bool) -> Value {
    loop {
        let receipt = ws.next_of("receipt").await.expect("receipt");
        if uuid_of(&receipt["user"]) == user && done(&receipt) {
            return receipt;
        }
    }
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn contacts_see_presence_changes_and_strangers_do_not(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (_, stranger_token) = app.user_with_token("eve@uni.ac.uk", "Eve").await;
    app.open_direct(&alice_token, bob).await;
    let mut a = online(&app, &alice_token).await;
    let mut stranger = online(&app, &stranger_token).await;

    let b = online(&app, &bob_token).await;
    let came = a.next_of("presence").await.unwrap();
    assert_eq!(uuid_of(&came["user"]), bob);
    assert_eq!(came["online"], true);
    let (_, contacts) = app.get_json(&alice_token, "/api/v1/contacts").await;
    assert_eq!(contacts["contacts"][0]["online"], true);

    b.close().await;
    let went = a.next_of("presence").await.unwrap();
    assert_eq!(uuid_of(&went["user"]), bob);
    assert_eq!(went["online"], false);
    assert!(
        went["last_seen_at"].is_string(),
        "offline carries last seen: {went}"
    );
    let (_, contacts) = app.get_json(&alice_token, "/api/v1/contacts").await;
    assert_eq!(contacts["contacts"][0]["online"], false);
    assert!(contacts["contacts"][0]["last_seen_at"].is_string());

    let leaked = stranger
        .all_of_for("presence", Duration::from_millis(300))
        .await;
    assert!(
        leaked.is_empty(),
        "presence is only for contacts: {leaked:?}"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_flapping_connection_does_not_spam_presence(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| c.presence_grace_ms = 1500).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    app.open_direct(&alice_token, bob).await;
    let mut a = online(&app, &alice_token).await;
    let b = online(&app, &bob_token).await;
    a.next_of("presence").await.unwrap();
    b.close().await;
    for _ in 0..5 {
        let again = online(&app, &bob_token).await;
        again.close().await;
    }
    let _stay = online(&app, &bob_token).await;
    let flaps = a.all_of_for("presence", Duration::from_millis(2500)).await;
    assert!(
        flaps.is_empty(),
        "reconnects inside the grace period are silent: {flaps:?}"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn typing_reaches_the_other_members_and_expires(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app.open_direct(&alice_token, bob).await;
    let mut a = online(&app, &alice_token).await;
    let mut b = online(&app, &bob_token).await;

    a.send(json!({ "type": "typing", "conversation": direct, "active": true }))
        .await
        .unwrap();
    let typing = b.next_of("typing").await.unwrap();
    assert_eq!(uuid_of(&typing["user"]), alice);
    assert_eq!(typing["active"], true);
    assert!(
        typing["expires_in_ms"]
            .as_u64()
            .is_some_and(|ms| ms > 0 && ms <= 10_000)
    );
    a.send(json!({ "type": "typing", "conversation": direct, "active": false }))
        .await
        .unwrap();
    assert_eq!(b.next_of("typing").await.unwrap()["active"], false);
    assert!(
        a.all_of_for("typing", Duration::from_millis(300))
            .await
            .is_empty(),
        "not echoed to the typist"
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
    let (_, me) = app.get_json(&token, "/api/v1/me/sessions").await;
    let session = me
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .and_then(|s| s["id"].as_str())
        .unwrap()
        .to_owned();
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
async fn history_pages_backwards_and_forwards_and_search_stays_inside_your_conversations(
    db: PgPool,
) {
    let app = spawn_fast(db).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (carol, carol_token) = app.user_with_token("carol@uni.ac.uk", "Carol").await;
    let direct = app.open_direct(&alice_token, bob).await;
    let private = app.open_direct(&bob_token, carol).await;
    let mut a = online(&app, &alice_token).await;
    for i in 1..=120 {
        let body = if i == 42 {
            "Where is the recursion lecture?".to_owned()
        } else {
            format!("note {i}")
        };
        a.send_message(direct, &format!("h{i}"), &body)
            .await
            .unwrap();
    }
    for _ in 0..120 {
        a.next_of("ack").await.unwrap();
    }
    let mut c = online(&app, &carol_token).await;
    c.send_message(private, "secret", "recursion secrets between Carol and Bob")
        .await
        .unwrap();
    c.next_of("ack").await.unwrap();

    let path = |q: &str| format!("/api/v1/conversations/{direct}/messages{q}");
    let (status, latest) = app.get_json(&bob_token, &path("")).await;
    assert_eq!(status, 200);
    let seqs: Vec<i64> = latest["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(seq_of)
        .collect();
    assert_eq!(
        seqs,
        (71..=120).collect::<Vec<_>>(),
        "the latest 50, oldest first"
    );
    assert_eq!(latest["has_more"], true);
    let (_, older) = app
        .get_json(&bob_token, &path("?before=71&limit=100"))
        .await;
    let seqs: Vec<i64> = older["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(seq_of)
        .collect();
    assert_eq!(seqs, (1..=70).collect::<Vec<_>>());
    assert_eq!(older["has_more"], false);
    let (_, newer) = app.get_json(&bob_token, &path("?after=100&limit=10")).await;
    let seqs: Vec<i64> = newer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(seq_of)
        .collect();
    assert_eq!(seqs, (101..=110).collect::<Vec<_>>());
    assert_eq!(newer["has_more"], true);

    for bad in [
        "?limit=0",
        "?limit=101",
        "?before=abc",
        "?after=1&before=5",
        "?color=red",
    ] {
        let response = reqwest::Client::new()
            .get(app.url(&path(bad)))
            .bearer_auth(&bob_token)
            .send()
            .await
            .unwrap();
        assert!(
            matches!(response.status().as_u16(), 400 | 422),
            "{bad}: {}",
            response.status()
        );
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{bad}: {body}");
    }
    let (status, _) = app.get_json(&carol_token, &path("")).await;
    assert_eq!(status, 404, "history is for members only");

    let (status, found) = app
        .get_json(&alice_token, "/api/v1/search?q=recursion")
        .await;
    assert_eq!(status, 200);
    let hits = found["results"].as_array().unwrap();
    assert_eq!(
        hits.len(),
        1,
        "only Alice's own conversations are searched: {found}"
    );
    assert_eq!(hits[0]["seq"], 42);
    assert!(
        hits[0]["snippet"]
            .as_str()
            .is_some_and(|s| s.contains("recursion")),
        "{found}"
    );
    let (_, stemmed) = app
        .get_json(&alice_token, "/api/v1/search?q=lectures")
        .await;
    assert_eq!(
        stemmed["results"].as_array().unwrap().len(),
        1,
        "English stemming: lectures ~ lecture"
    );
    let (_, bobs) = app.get_json(&bob_token, "/api/v1/search?q=recursion").await;
    assert_eq!(bobs["results"].as_array().unwrap().len(), 2);
    let (_, paged) = app
        .get_json(&bob_token, "/api/v1/search?q=recursion&limit=1&offset=1")
        .await;
    assert_eq!(paged["results"].as_array().unwrap().len(), 1);
    let empty = reqwest::Client::new()
        .get(app.url("/api/v1/search?q="))
        .bearer_auth(&bob_token)
        .send()
        .await
        .unwrap();
    assert_error(empty, 422, "validation_failed").await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn owners_manage_group_members_and_the_gateway_follows(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, owner_token) = app.user_with_token("owner@uni.ac.uk", "Olive Owner").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (carol, carol_token) = app.user_with_token("carol@uni.ac.uk", "Carol").await;
    let (dave, dave_token) = app.user_with_token("dave@uni.ac.uk", "Dave").await;
    let group = app
        .create_group(&owner_token, "Tutorial", &[bob, carol])
        .await;
    let mut owner = online(&app, &owner_token).await;
    owner
        .send_message(group, "before-dave", "before Dave joined")
        .await
        .unwrap();
    owner.next_of("ack").await.unwrap();
    let mut d = online(&app, &dave_token).await;

    let client = reqwest::Client::new();
    let add = |token: &str, user: Uuid| {
        client
            .post(app.url(&format!("/api/v1/conversations/{group}/members")))
            .bearer_auth(token.to_owned())
            .json(&json!({ "user_id": user }))
            .send()
    };
    assert_error(add(&bob_token, dave).await.unwrap(), 403, "forbidden").await;
    assert_eq!(add(&owner_token, dave).await.unwrap().status(), 200);
    assert_error(
        add(&owner_token, dave).await.unwrap(),
        409,
        "already_member",
    )
    .await;

    let joined = d.next_of("conversation").await.unwrap();
    assert_eq!(uuid_of(&joined["conversation"]["id"]), group);
    owner
        .send_message(group, "after-dave", "welcome Dave")
        .await
        .unwrap();
    let live = d.next_of("message").await.unwrap();
    assert_eq!(
        live["body"], "welcome Dave",
        "the new member follows live from now"
    );

    // Carol leaves by herself; Bob is removed by the owner; neither hears more.
    let mut c = online(&app, &carol_token).await;
    let leave = client
        .delete(app.url(&format!("/api/v1/conversations/{group}/members/{carol}")))
        .bearer_auth(&carol_token)
        .send()
        .await
        .unwrap();
    assert_eq!(leave.status(), 204);
    assert_eq!(
        uuid_of(&c.next_of("removed").await.unwrap()["conversation"]),
        group
    );
    let not_yours = client
        .delete(app.url(&format!("/api/v1/conversations/{group}/members/{dave}")))
        .bearer_auth(&bob_token)
        .send()
        .await
        .unwrap();
    assert_error(not_yours, 403, "forbidden").await;
    let kick = client
        .delete(app.url(&format!("/api/v1/conversations/{group}/members/{bob}")))
        .bearer_auth(&owner_token)
        .send()
        .await
        .unwrap();
    assert_eq!(kick.status(), 204);
    owner
        .send_message(group, "after-leave", "just us")
        .await
        .unwrap();
    owner.next_of("ack").await.unwrap();
    assert!(
        c.all_of_for("message", Duration::from_millis(300))
            .await
            .is_empty()
    );
    let (status, _) = app
        .get_json(
            &carol_token,
            &format!("/api/v1/conversations/{group}/messages"),
        )
        .await;
    assert_eq!(status, 404, "a former member cannot read on");
    let mut c2 = online(&app, &carol_token).await;
    c2.send_message(group, "sneak", "can I still post?")
        .await
        .unwrap();
    assert_eq!(c2.next_of("error").await.unwrap()["code"], "not_a_member");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn conversations_are_validated(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let client = reqwest::Client::new();
    let create = |body: Value| {
        client
            .post(app.url("/api/v1/conversations"))
            .bearer_auth(&alice_token)
            .json(&body)
            .send()
    };

    let first = create(json!({ "kind": "direct", "user_id": bob }))
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    // One direct conversation per pair, whoever opens it.
    let again = client
        .post(app.url("/api/v1/conversations"))
        .bearer_auth(&bob_token)
        .json(&json!({ "kind": "direct", "user_id": alice }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);

    assert_error(
        create(json!({ "kind": "direct", "user_id": alice }))
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_error(
        create(json!({ "kind": "direct", "user_id": Uuid::new_v4() }))
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_error(
        create(json!({ "kind": "group", "name": "  ", "member_ids": [bob] }))
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_error(
        create(json!({ "kind": "group", "name": "Solo", "member_ids": [] }))
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    let crowd: Vec<Uuid> = (0..100).map(|_| Uuid::new_v4()).collect();
    assert_error(
        create(json!({ "kind": "group", "name": "Crowd", "member_ids": crowd }))
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    let unknown = create(json!({ "kind": "channel", "name": "x" }))
        .await
        .unwrap();
    assert!(matches!(unknown.status().as_u16(), 400 | 422));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM conversations")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1, "refused requests create nothing");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn sending_too_fast_is_refused_with_a_retry_time(db: PgPool) {
    let app = TestApp::spawn_with(db, |c| c.messages_per_second = 2).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, _) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app.open_direct(&alice_token, bob).await;
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
async fn a_write_batch_stores_gap_free_seqs_and_skips_refused_and_retried_messages(db: PgPool) {
    use models::message::{Outgoing, SendError, send_batch};
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, _) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (carol, _) = app.user_with_token("carol@uni.ac.uk", "Carol").await;
    let direct = app.open_direct(&alice_token, bob).await;
    let group = app.create_group(&alice_token, "G", &[bob, carol]).await;
    let out = |conversation: Uuid, sender: Uuid, key: &str, body: &str| Outgoing {
        conversation_id: conversation,
        sender_id: sender,
        client_id: key.into(),
        body: body.into(),
    };
    let first = send_batch(
        &app.db,
        &[
            out(direct, alice, "k1", "one"),
            out(group, bob, "k2", "two"),
        ],
    )
    .await;
    assert!(first.iter().all(Result::is_ok));

    let batch = [
        out(direct, alice, "k1", "one"),  // retry of a stored message
        out(direct, carol, "k3", "nope"), // Carol is not in the direct conversation
        out(direct, bob, "k4", "four"),
        out(group, carol, "k5", "five"),
        out(direct, alice, "k6", ""), // empty
        out(direct, alice, "k7", "seven"),
        out(direct, alice, "k7", "seven"), // retried within the batch
        out(group, alice, "k8", "eight"),
    ];
    let results = send_batch(&app.db, &batch).await;
    let seq = |i: usize| {
        results[i]
            .as_ref()
            .map(|s| (s.message.seq, s.duplicate))
            .ok()
    };
    assert_eq!(seq(0), Some((1, true)));
    assert!(matches!(results[1], Err(SendError::NotMember)));
    assert_eq!(seq(2), Some((2, false)));
    assert_eq!(seq(3), Some((2, false)));
    assert!(matches!(results[4], Err(SendError::BodyEmpty)));
    assert_eq!(seq(5), Some((3, false)));
    assert_eq!(seq(6), Some((3, true)));
    assert_eq!(seq(7), Some((3, false)));

    for (conversation, expected) in [(direct, vec![1, 2, 3]), (group, vec![1, 2, 3])] {
        let seqs: Vec<i64> =
            sqlx::query_scalar("SELECT seq FROM messages WHERE conversation_id = $1 ORDER BY seq")
                .bind(conversation)
                .fetch_all(&app.db)
                .await
                .unwrap();
        assert_eq!(seqs, expected);
        let last: i64 = sqlx::query_scalar("SELECT last_seq FROM conversations WHERE id = $1")
            .bind(conversation)
            .fetch_one(&app.db)
            .await
            .unwrap();
        assert_eq!(last, 3, "the conversation's counter matches its messages");
    }
}

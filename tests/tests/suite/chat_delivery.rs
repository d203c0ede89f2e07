//! Live chat delivery end to end, with real WebSocket clients: direct and group messages reach
//! every member (and the sender's other devices) and nobody else, a member who was offline
//! catches up on everything in order, and a retried message is stored and delivered once.

use std::time::Duration;

use sqlx::PgPool;
use tests::chat::{online, online_from, seq_of, spawn_fast, synced, uuid_of};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn direct_and_group_messages_reach_every_member_and_nobody_else(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (carol, carol_token) = app.user_with_token("carol@uni.ac.uk", "Carol").await;

    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
    let group = app
        .create_accepted_group(
            &alice_token,
            "Algorithms",
            &[(bob, &bob_token), (carol, &carol_token)],
        )
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
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app
        .open_accepted_direct(&alice_phone, bob, &bob_token)
        .await;

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
    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
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
    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
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

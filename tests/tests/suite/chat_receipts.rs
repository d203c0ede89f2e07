//! Chat delivery and read receipts: they reach the sender, the reader's other devices follow
//! the read position, and positions never go backwards.

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::chat::{online, online_from, spawn_fast, synced, uuid_of};
use tests::ws::WsClient;
use uuid::Uuid;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn receipts_reach_the_sender_and_read_state_follows_the_readers_devices(db: PgPool) {
    let app = spawn_fast(db).await;
    let (alice, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_phone_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let bob_laptop_token = app.token("bob@uni.ac.uk").await;
    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_phone_token)
        .await;
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

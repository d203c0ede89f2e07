//! Frames cannot be used to push others around (issue 16, point 3): every inbound frame draws
//! from the connection's budget, typing reaches the others at most about once a second however
//! fast it is sent, and the flooded member stays connected and keeps getting messages.

use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;
use tests::TestApp;
use tests::chat::online;

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_typing_flood_is_throttled_and_disconnects_nobody(db: PgPool) {
    // The default rates (spawn_fast raises them out of the way).
    let app = TestApp::spawn_with(db, |c| c.presence_grace_ms = 200).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
    let mut a = online(&app, &alice_token).await;
    let mut b = online(&app, &bob_token).await;

    for i in 0..300 {
        let frame = json!({ "type": "typing", "conversation": direct, "active": i % 2 == 0 });
        a.send(frame).await.expect("send typing");
    }
    let refused = a.all_of_for("error", Duration::from_millis(1500)).await;
    assert!(
        refused.len() >= 200 && refused.iter().all(|e| e["code"] == "rate_limited"),
        "frames past the budget are refused: {} errors",
        refused.len()
    );
    assert!(refused[0]["retry_after_ms"].as_u64().is_some());
    let relayed = b.all_of_for("typing", Duration::from_millis(200)).await;
    assert!(
        (1..=3).contains(&relayed.len()),
        "Bob saw {} typing frames for 300 sent in about a second",
        relayed.len()
    );

    // Bob is still connected and gets Alice's next message once her budget has refilled.
    tokio::time::sleep(Duration::from_secs(2)).await;
    a.send_message(direct, "after-flood", "sorry about that")
        .await
        .expect("send");
    a.next_of("ack").await.expect("ack");
    let message = b.next_of("message").await.expect("Bob is still here");
    assert_eq!(message["body"], "sorry about that");
}

//! Chat presence and typing indicators: contacts (only they) see someone come online and go
//! offline, a flapping connection stays silent within the grace period, and typing reaches the
//! other members and expires.

use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;
use tests::TestApp;
use tests::chat::{online, spawn_fast, uuid_of};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn contacts_see_presence_changes_and_strangers_do_not(db: PgPool) {
    let app = spawn_fast(db).await;
    let (_, alice_token) = app.user_with_token("alice@uni.ac.uk", "Alice").await;
    let (bob, bob_token) = app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (_, stranger_token) = app.user_with_token("eve@uni.ac.uk", "Eve").await;
    app.open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
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
    app.open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
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
    let direct = app
        .open_accepted_direct(&alice_token, bob, &bob_token)
        .await;
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

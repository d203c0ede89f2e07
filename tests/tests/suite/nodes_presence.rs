//! Presence across nodes: a user is online while any device is connected to any node; when a
//! node is killed (SIGKILL), a survivor marks its users offline within the lease TTL, with last
//! seen = the dead node's last heartbeat, and their reconnect elsewhere catches up exactly.

use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::PgPool;
use tests::chat::{online, online_from, uuid_of};
use tests::nodes::NatsServer;
use tests::ws::WsClient;
use uuid::Uuid;

use crate::nodes_chat::{nodes, online_synced, seqs_received};

/// The next `presence` frame about `user`.
async fn presence_of(ws: &mut WsClient, user: Uuid) -> Value {
    loop {
        let frame = ws.next_of("presence").await.expect("a presence frame");
        if uuid_of(&frame["user"]) == user {
            return frame;
        }
    }
}

/// Whether `GET /contacts` (as `token`) on `app` shows `user` online.
async fn listed_online(app: &tests::TestApp, token: &str, user: Uuid) -> bool {
    let (status, body) = app.get_json(token, "/api/v1/contacts").await;
    assert_eq!(status, 200, "{body}");
    body["contacts"]
        .as_array()
        .and_then(|all| all.iter().find(|c| uuid_of(&c["id"]) == user))
        .map(|c| c["online"] == true)
        .expect("the contact is listed")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_user_is_online_while_any_device_is_connected_to_any_node(db: PgPool) {
    let nats = NatsServer::start();
    let nodes = nodes(&db, &nats, 3, &[]).await;
    let (n0, n1, n2) = (&nodes[0].app, &nodes[1].app, &nodes[2].app);
    let (_, ada_token) = n0.user_with_token("ada@uni.ac.uk", "Ada").await;
    let (bob, bob_token) = n1.user_with_token("bob@uni.ac.uk", "Bob").await;
    let ada = uuid_of(&n0.get_json(&ada_token, "/api/v1/me").await.1["id"]);
    n0.open_accepted_direct(&ada_token, bob, &bob_token).await;
    let mut ada_ws = online(n0, &ada_token).await;

    let bob_laptop = online(n1, &bob_token).await;
    assert_eq!(
        presence_of(&mut ada_ws, bob).await["online"],
        true,
        "online, heard on node 0"
    );
    assert!(
        listed_online(n2, &ada_token, bob).await,
        "node 2 lists Bob online"
    );
    let bob_phone = online(n2, &bob_token).await;

    // One device gone, the other still on node 2: no offline.
    bob_laptop.close().await;
    let early = ada_ws
        .all_of_for("presence", Duration::from_millis(900))
        .await;
    assert!(early.is_empty(), "Bob is still online on node 2: {early:?}");
    assert!(listed_online(n0, &ada_token, bob).await);

    bob_phone.close().await;
    let offline = presence_of(&mut ada_ws, bob).await;
    assert_eq!(offline["online"], false, "{offline}");
    assert!(offline["last_seen_at"].is_string(), "{offline}");
    assert!(!listed_online(n1, &ada_token, bob).await);
    let _ = ada;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_killed_nodes_users_go_offline_within_the_ttl_and_catch_up_exactly_elsewhere(db: PgPool) {
    let nats = NatsServer::start();
    let ttl = [("CHATTERLY_NODE_TTL_SECONDS", "3")];
    let mut nodes = nodes(&db, &nats, 3, &ttl).await;
    let (_, ada_token) = nodes[0].app.user_with_token("ada@uni.ac.uk", "Ada").await;
    let (bob, bob_token) = nodes[1].app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = nodes[0]
        .app
        .open_accepted_direct(&ada_token, bob, &bob_token)
        .await;
    let mut ada_ws = online_synced(&nodes[0].app, &ada_token, direct).await;
    let mut bob_ws = online_synced(&nodes[1].app, &bob_token, direct).await;
    assert_eq!(presence_of(&mut ada_ws, bob).await["online"], true);
    ada_ws
        .send_message(direct, "m-1", "first")
        .await
        .expect("send");
    assert_eq!(seqs_received(&mut bob_ws, direct, 1).await, vec![1]);

    let (_, nodes_before) = nodes[0]
        .app
        .get_json(&ada_token, "/api/v1/admin/nodes")
        .await;
    assert_eq!(
        nodes_before["nodes"].as_array().map(Vec::len),
        Some(3),
        "{nodes_before}"
    );

    let killed_at = Instant::now();
    let killed_at_wall = chrono::Utc::now();
    nodes[1].kill9();
    let offline = presence_of(&mut ada_ws, bob).await;
    let took = killed_at.elapsed();
    assert_eq!(offline["online"], false, "{offline}");
    assert!(
        took < Duration::from_secs(3 + 2),
        "offline after {took:?}: more than the 3 s TTL and a heartbeat"
    );
    let last_seen: chrono::DateTime<chrono::Utc> = offline["last_seen_at"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("last seen");
    assert!(
        last_seen <= killed_at_wall && killed_at_wall - last_seen < chrono::Duration::seconds(2),
        "last seen {last_seen} is the dead node's last heartbeat, just before {killed_at_wall}"
    );
    let (_, nodes_after) = nodes[0]
        .app
        .get_json(&ada_token, "/api/v1/admin/nodes")
        .await;
    assert_eq!(
        nodes_after["nodes"].as_array().map(Vec::len),
        Some(2),
        "{nodes_after}"
    );

    // Messages while Bob is away; his reconnect on node 2 brings exactly the missed ones.
    for i in 2..=4 {
        ada_ws
            .send_message(direct, &format!("m-{i}"), "while you were away")
            .await
            .expect("send");
        ada_ws.next_of("ack").await.expect("ack");
    }
    let mut bob_again = online_from(&nodes[2].app, &bob_token, direct, 1).await;
    assert_eq!(
        seqs_received(&mut bob_again, direct, 3).await,
        vec![2, 3, 4]
    );
    assert_eq!(
        presence_of(&mut ada_ws, bob).await["online"],
        true,
        "back online via node 2"
    );
}

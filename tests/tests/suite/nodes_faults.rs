//! Faults between nodes lose nothing: NATS frozen (SIGSTOP) for 5 s, or killed and restarted,
//! while messages are sent; a node stopped with SIGTERM closes its sockets with 1012 and its
//! users carry on through another node.

use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;
use tests::chat::{online_from, uuid_of};
use tests::nodes::NatsServer;
use tests::ws::WsClient;
use uuid::Uuid;

use crate::nodes_chat::{nodes, online_synced, seqs_received};

/// Sends `count` messages from `ws` and waits for every ack (storage never waits on the bus).
async fn send_acked(ws: &mut WsClient, conversation: Uuid, prefix: &str, count: usize) {
    for i in 0..count {
        ws.send_message(conversation, &format!("{prefix}-{i}"), "hello")
            .await
            .expect("send");
    }
    for _ in 0..count {
        let ack = ws
            .next_of("ack")
            .await
            .expect("acked while the bus is down");
        assert_eq!(uuid_of(&ack["conversation"]), conversation);
    }
}

async fn readiness(app: &tests::TestApp) -> Value {
    reqwest::get(app.url("/readyz"))
        .await
        .expect("readyz")
        .json()
        .await
        .expect("json")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn nats_frozen_for_five_seconds_loses_no_acknowledged_message(db: PgPool) {
    let nats = NatsServer::start();
    let nodes = nodes(&db, &nats, 2, &[]).await;
    let (n0, n1) = (&nodes[0].app, &nodes[1].app);
    let (_, ada_token) = n0.user_with_token("ada@uni.ac.uk", "Ada").await;
    let (bob, bob_token) = n1.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = n0.open_accepted_direct(&ada_token, bob, &bob_token).await;
    let mut ada_ws = online_synced(n0, &ada_token, direct).await;
    let mut bob_ws = online_synced(n1, &bob_token, direct).await;
    send_acked(&mut ada_ws, direct, "before", 2).await;
    assert_eq!(seqs_received(&mut bob_ws, direct, 2).await, vec![1, 2]);

    nats.pause();
    send_acked(&mut ada_ws, direct, "frozen", 10).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    nats.resume();
    assert_eq!(
        seqs_received(&mut bob_ws, direct, 10).await,
        (3..=12).collect::<Vec<_>>(),
        "Bob's device converges on every acknowledged message, once, in order"
    );
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn nats_killed_and_restarted_loses_nothing_and_every_device_converges(db: PgPool) {
    let mut nats = NatsServer::start();
    let nodes = nodes(&db, &nats, 2, &[]).await;
    let (n0, n1) = (&nodes[0].app, &nodes[1].app);
    let (_, ada_token) = n0.user_with_token("ada@uni.ac.uk", "Ada").await;
    let (bob, bob_token) = n1.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = n0.open_accepted_direct(&ada_token, bob, &bob_token).await;
    let mut ada_ws = online_synced(n0, &ada_token, direct).await;
    let mut bob_ws = online_synced(n1, &bob_token, direct).await;
    send_acked(&mut ada_ws, direct, "before", 1).await;
    assert_eq!(seqs_received(&mut bob_ws, direct, 1).await, vec![1]);
    assert_eq!(readiness(n0).await["bus"], "nats");

    nats.kill();
    let mut down = Value::Null;
    for _ in 0..100 {
        down = readiness(n0).await;
        if down["bus_connected"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        down["bus_connected"], false,
        "/readyz reports the bus down: {down}"
    );
    assert_eq!(
        down["status"], "ready",
        "a node without its bus still serves: {down}"
    );
    send_acked(&mut ada_ws, direct, "down", 5).await;
    send_acked(&mut bob_ws, direct, "bob-down", 2).await;

    nats.restart();
    // Bob's own send showed his device the gap (filled from the database); Ada's device gets
    // Bob's two messages once the bus is back, through the resync (a `refresh` follows). Each
    // device also gets its own messages: every seq once, in order.
    assert_eq!(
        seqs_received(&mut bob_ws, direct, 7).await,
        (2..=8).collect::<Vec<_>>()
    );
    assert_eq!(
        seqs_received(&mut ada_ws, direct, 8).await,
        (1..=8).collect::<Vec<_>>()
    );
    ada_ws
        .next_of("refresh")
        .await
        .expect("a refresh after the bus came back");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn sigterm_drains_with_1012_and_the_user_carries_on_through_another_node(db: PgPool) {
    let nats = NatsServer::start();
    let mut nodes = nodes(&db, &nats, 2, &[]).await;
    let (_, ada_token) = nodes[0].app.user_with_token("ada@uni.ac.uk", "Ada").await;
    let (bob, bob_token) = nodes[1].app.user_with_token("bob@uni.ac.uk", "Bob").await;
    let direct = nodes[0]
        .app
        .open_accepted_direct(&ada_token, bob, &bob_token)
        .await;
    let mut ada_ws = online_synced(&nodes[0].app, &ada_token, direct).await;
    let mut bob_ws = online_synced(&nodes[1].app, &bob_token, direct).await;
    send_acked(&mut ada_ws, direct, "before", 1).await;
    assert_eq!(seqs_received(&mut bob_ws, direct, 1).await, vec![1]);

    nodes[1].terminate();
    let closed = bob_ws
        .next_of("__closed")
        .await
        .expect("closed by the drain");
    assert_eq!(closed["code"], 1012, "service restart: {closed}");
    assert!(
        nodes[1].wait_exit(Duration::from_secs(10)),
        "the node exits after draining"
    );
    send_acked(&mut ada_ws, direct, "meanwhile", 2).await;

    let mut bob_again = online_from(&nodes[0].app, &bob_token, direct, 1).await;
    assert_eq!(seqs_received(&mut bob_again, direct, 2).await, vec![2, 3]);
    let (_, listed) = nodes[0]
        .app
        .get_json(&ada_token, "/api/v1/admin/nodes")
        .await;
    assert_eq!(
        listed["nodes"].as_array().map(Vec::len),
        Some(1),
        "the stopped node left the list: {listed}"
    );
}

//! Three `chatterly` processes on one database with a private NATS between them: messages,
//! receipts, typing and membership changes reach every device of every member, whichever node
//! it is connected to, each message once and in seq order, also while two nodes write to the
//! same conversation at once.

use std::collections::BTreeSet;
use std::time::Duration;

use sqlx::PgPool;
use tests::chat::{online, seq_of, synced, uuid_of};
use tests::nodes::{NatsServer, Node};
use tests::ws::WsClient;
use uuid::Uuid;

/// A subject of its own, so tests sharing nothing else never hear each other.
pub(crate) fn subject() -> String {
    format!("test.{}", Uuid::new_v4().simple())
}

/// `n` nodes on `db` sharing the bus at `nats`.
pub(crate) async fn nodes(
    db: &PgPool,
    nats: &NatsServer,
    n: usize,
    env: &[(&str, &str)],
) -> Vec<Node> {
    let subject = subject();
    let mut nodes = Vec::new();
    for _ in 0..n {
        nodes.push(Node::start(db, nats, &subject, env).await);
    }
    nodes
}

/// A device on `app` that follows every conversation, once it is synced to `conversation` (a
/// message sent before that could be taken for already known).
pub(crate) async fn online_synced(
    app: &tests::TestApp,
    token: &str,
    conversation: Uuid,
) -> WsClient {
    let mut ws = online(app, token).await;
    synced(&mut ws, conversation).await;
    ws
}

/// Reads `conversation`'s messages on `ws` until `expected` seqs have arrived (or 10 s pass, or
/// nothing more comes for a second after that), asserting each arrives once, in order.
pub(crate) async fn seqs_received(
    ws: &mut WsClient,
    conversation: Uuid,
    expected: usize,
) -> Vec<i64> {
    let mut seqs: Vec<i64> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while seqs.len() < expected && tokio::time::Instant::now() < deadline {
        let Ok(frame) = ws.next_of("message").await else {
            break;
        };
        if uuid_of(&frame["conversation"]) == conversation {
            let seq = seq_of(&frame);
            assert!(
                seqs.last().is_none_or(|last| seq > *last),
                "seq {seq} after {seqs:?}: a duplicate or out of order"
            );
            seqs.push(seq);
        }
    }
    // Nothing more (a duplicate would show up here).
    let extra: Vec<i64> = ws
        .all_of_for("message", Duration::from_millis(500))
        .await
        .into_iter()
        .filter(|f| uuid_of(&f["conversation"]) == conversation)
        .map(|f| seq_of(&f))
        .collect();
    assert!(
        extra.is_empty(),
        "more than expected arrived: {extra:?} after {seqs:?}"
    );
    seqs
}

/// Sends `count` messages from `ws` to `conversation` and returns the acked seqs.
async fn send_many(ws: &mut WsClient, conversation: Uuid, prefix: &str, count: usize) -> Vec<i64> {
    for i in 0..count {
        ws.send_message(
            conversation,
            &format!("{prefix}-{i}"),
            &format!("{prefix} says {i}"),
        )
        .await
        .expect("send");
    }
    let mut acked = Vec::new();
    while acked.len() < count {
        let ack = ws.next_of("ack").await.expect("an ack");
        assert_eq!(uuid_of(&ack["conversation"]), conversation, "{ack}");
        acked.push(seq_of(&ack));
    }
    acked
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn members_on_three_nodes_get_each_message_once_in_order_while_two_nodes_write(db: PgPool) {
    let nats = NatsServer::start();
    let nodes = nodes(&db, &nats, 3, &[]).await;
    let (n0, n1, n2) = (&nodes[0].app, &nodes[1].app, &nodes[2].app);
    let (ada, ada_token) = n0.user_with_token("ada@uni.ac.uk", "Ada").await;
    let (bob, bob_token) = n1.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (cy, cy_token) = n2.user_with_token("cy@uni.ac.uk", "Cy").await;
    let group = n0
        .create_accepted_group(&ada_token, "Project", &[(bob, &bob_token), (cy, &cy_token)])
        .await;
    // Contacts through the group already: no request to accept.
    let direct = n2.open_direct(&ada_token, bob).await;

    let mut ada_ws = online(n0, &ada_token).await;
    let mut bob_ws = online(n1, &bob_token).await;
    let mut cy_ws = online(n2, &cy_token).await;
    let mut cy_phone = online(n0, &cy_token).await;
    for ws in [&mut ada_ws, &mut bob_ws, &mut cy_ws, &mut cy_phone] {
        synced(ws, group).await;
    }

    // A 1-1 message crosses from node 0 to node 1.
    ada_ws
        .send_message(direct, "d-1", "hi Bob")
        .await
        .expect("send");
    assert_eq!(
        ada_ws.next_of("ack").await.expect("ack")["client_id"],
        "d-1"
    );
    let got = bob_ws
        .next_of("message")
        .await
        .expect("Bob gets it on node 1");
    assert_eq!(
        (uuid_of(&got["conversation"]), got["body"].as_str()),
        (direct, Some("hi Bob"))
    );
    assert_eq!(uuid_of(&got["sender"]), ada);

    // Two nodes write to the group at once.
    let (ada_acked, bob_acked) = tokio::join!(
        send_many(&mut ada_ws, group, "ada", 40),
        send_many(&mut bob_ws, group, "bob", 40)
    );
    let all: BTreeSet<i64> = ada_acked.iter().chain(&bob_acked).copied().collect();
    assert_eq!(
        all,
        (1..=80).collect(),
        "80 distinct seqs were assigned: Ada {ada_acked:?}, Bob {bob_acked:?}"
    );

    for (who, ws) in [
        ("Cy on node 2", &mut cy_ws),
        ("Cy's phone on node 0", &mut cy_phone),
    ] {
        let seqs = seqs_received(ws, group, 80).await;
        assert_eq!(seqs, (1..=80).collect::<Vec<_>>(), "{who}");
    }
    // Each writer's device gets the other's messages (and perhaps its own), once, in order.
    for (ws, others) in [(&mut ada_ws, &bob_acked), (&mut bob_ws, &ada_acked)] {
        let seqs: BTreeSet<i64> = seqs_received(ws, group, 80).await.into_iter().collect();
        assert!(
            others.iter().all(|s| seqs.contains(s)),
            "missing some of {others:?} in {seqs:?}"
        );
    }
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn receipts_typing_and_new_conversations_cross_nodes(db: PgPool) {
    let nats = NatsServer::start();
    let nodes = nodes(&db, &nats, 2, &[]).await;
    let (n0, n1) = (&nodes[0].app, &nodes[1].app);
    let (ada, ada_token) = n0.user_with_token("ada@uni.ac.uk", "Ada").await;
    let (bob, bob_token) = n1.user_with_token("bob@uni.ac.uk", "Bob").await;
    let mut ada_ws = online(n0, &ada_token).await;
    let mut bob_ws = online(n1, &bob_token).await;

    // Ada's request reaches Bob's device on the other node as a conversation frame; his
    // acceptance reaches hers.
    let direct = n0.open_direct(&ada_token, bob).await;
    let announced = bob_ws
        .next_of("conversation")
        .await
        .expect("the request on node 1");
    assert_eq!(uuid_of(&announced["conversation"]["id"]), direct);
    n1.accept(&bob_token, direct).await;
    let accepted = ada_ws
        .next_of("conversation")
        .await
        .expect("the acceptance on node 0");
    assert_eq!(uuid_of(&accepted["conversation"]["id"]), direct);

    ada_ws
        .send_message(direct, "m-1", "are you there?")
        .await
        .expect("send");
    let message = bob_ws.next_of("message").await.expect("message on node 1");
    assert_eq!(seq_of(&message), 1);

    bob_ws
        .send(serde_json::json!({ "type": "typing", "conversation": direct, "active": true }))
        .await
        .expect("typing");
    let typing = ada_ws.next_of("typing").await.expect("typing on node 0");
    assert_eq!(
        (uuid_of(&typing["user"]), typing["active"].as_bool()),
        (bob, Some(true))
    );

    bob_ws
        .send(serde_json::json!({ "type": "read", "conversation": direct, "seq": 1 }))
        .await
        .expect("read");
    loop {
        let receipt = ada_ws
            .next_of("receipt")
            .await
            .expect("a receipt on node 0");
        if uuid_of(&receipt["user"]) == bob && receipt["read_seq"] == 1 {
            break;
        }
    }
    let _ = ada;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_removed_member_stops_receiving_on_every_node_within_a_second(db: PgPool) {
    let nats = NatsServer::start();
    let nodes = nodes(&db, &nats, 3, &[]).await;
    let (n0, n1, n2) = (&nodes[0].app, &nodes[1].app, &nodes[2].app);
    let (_, ada_token) = n0.user_with_token("ada@uni.ac.uk", "Ada").await;
    let (bob, bob_token) = n1.user_with_token("bob@uni.ac.uk", "Bob").await;
    let (cy, cy_token) = n2.user_with_token("cy@uni.ac.uk", "Cy").await;
    let group = n0
        .create_accepted_group(&ada_token, "Project", &[(bob, &bob_token), (cy, &cy_token)])
        .await;
    let mut ada_ws = online(n0, &ada_token).await;
    let mut bob_ws = online(n1, &bob_token).await;
    let mut cy_ws = online(n2, &cy_token).await;
    let mut cy_other = online(n1, &cy_token).await;
    for ws in [&mut ada_ws, &mut bob_ws, &mut cy_ws, &mut cy_other] {
        synced(ws, group).await;
    }
    // Warm node 0's and node 1's roster caches: each delivers a message there.
    ada_ws
        .send_message(group, "m-1", "before")
        .await
        .expect("send");
    bob_ws
        .send_message(group, "m-2", "before, from node 1")
        .await
        .expect("send");
    for ws in [&mut cy_ws, &mut cy_other] {
        assert_eq!(seqs_received(ws, group, 2).await, vec![1, 2]);
    }

    // The owner removes Cy through node 2; node 0 (where the next message is written) must
    // forget its cached roster.
    let removed = reqwest::Client::new()
        .delete(n2.url(&format!("/api/v1/conversations/{group}/members/{cy}")))
        .bearer_auth(&ada_token)
        .send()
        .await
        .expect("remove");
    assert!(removed.status().is_success(), "{}", removed.status());
    for ws in [&mut cy_ws, &mut cy_other] {
        let gone = ws.next_of("removed").await.expect("removed on every node");
        assert_eq!(uuid_of(&gone["conversation"]), group);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Bob writes and types through node 1, Ada writes and reads through node 0: Cy hears
    // nothing of the group, anywhere (typing and receipts pass no cursor, so a stale member
    // list on either node would leak them).
    bob_ws
        .send_message(group, "m-3", "after, from node 1")
        .await
        .expect("send");
    bob_ws
        .send(serde_json::json!({ "type": "typing", "conversation": group, "active": true }))
        .await
        .expect("typing");
    ada_ws
        .send_message(group, "m-4", "after, from node 0")
        .await
        .expect("send");
    ada_ws
        .send(serde_json::json!({ "type": "read", "conversation": group, "seq": 4 }))
        .await
        .expect("read");
    let typing = ada_ws.next_of("typing").await.expect("Ada sees Bob typing");
    assert_eq!(uuid_of(&typing["conversation"]), group);
    for ws in [&mut cy_ws, &mut cy_other] {
        let mut leaked = Vec::new();
        for kind in ["message", "typing", "receipt"] {
            leaked.extend(
                ws.all_of_for(kind, Duration::from_millis(500))
                    .await
                    .into_iter()
                    .filter(|f| uuid_of(&f["conversation"]) == group),
            );
        }
        assert!(
            leaked.is_empty(),
            "a removed member still hears the group: {leaked:?}"
        );
    }
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_revoked_session_is_closed_on_every_node(db: PgPool) {
    let nats = NatsServer::start();
    let nodes = nodes(&db, &nats, 2, &[]).await;
    let (n0, n1) = (&nodes[0].app, &nodes[1].app);
    let (_, laptop) = n0.user_with_token("ada@uni.ac.uk", "Ada").await;
    let phone = n0.token("ada@uni.ac.uk").await;
    let mut on_node_1 = online(n1, &phone).await;
    let mut kept = online(n0, &laptop).await;
    let session = n0.current_session(&phone).await;
    let revoked = reqwest::Client::new()
        .delete(n0.url(&format!("/api/v1/me/sessions/{session}")))
        .bearer_auth(&laptop)
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 204);
    let closed = on_node_1
        .next_of("__closed")
        .await
        .expect("closed on node 1");
    assert_eq!(closed["code"], 4001, "{closed}");
    let still: Vec<_> = kept
        .all_of_for("__closed", Duration::from_millis(300))
        .await;
    assert!(still.is_empty(), "the other session stays open");
}

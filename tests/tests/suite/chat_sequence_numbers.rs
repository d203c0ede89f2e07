//! Chat message sequence numbers: concurrent senders over WebSockets and batched writes to the
//! database both give each conversation gap-free, increasing seqs, skipping refused and retried
//! messages.

use std::collections::BTreeSet;

use sqlx::PgPool;
use tests::chat::{online, online_from, seq_of, spawn_fast, synced};
use uuid::Uuid;

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
    let members: Vec<(Uuid, &str)> = ids[1..]
        .iter()
        .copied()
        .zip(tokens[1..].iter().map(String::as_str))
        .collect();
    let group = app
        .create_accepted_group(&tokens[0], "Race", &members)
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
async fn a_write_batch_stores_gap_free_seqs_and_skips_refused_and_retried_messages(db: PgPool) {
    use models::message::{Outgoing, SendError, send_batch};
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
            "G",
            &[(bob, &bob_token), (carol, &carol_token)],
        )
        .await;
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

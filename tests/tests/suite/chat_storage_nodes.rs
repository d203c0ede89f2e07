//! Message writers on several nodes storing into the same conversations at once (found by
//! `loadgen --nodes 2`, figures in `docs/performance.md`): each batch locks its conversations'
//! rows in one global order, so two nodes' batches queue behind each other instead of
//! deadlocking. A deadlock costs PostgreSQL's `deadlock_timeout` (1 s) before one batch is
//! aborted and stored again message by message, which put seconds on the p99 of every
//! delivery; the outcome was still correct, so only the database's deadlock count shows it.

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tests::server_process::seed_user;
use uuid::Uuid;

/// Conversations written per batch; each node's batches list all of them.
const CONVERSATIONS: usize = 24;
/// Batches each node stores.
const ROUNDS: usize = 100;

#[sqlx::test(migrations = "../migrations")]
async fn two_nodes_batching_into_the_same_conversations_never_deadlock(db: PgPool) {
    let (ann, groups) = shared_groups(&db).await;
    let before = deadlocks(&db).await;
    let mut nodes = tokio::task::JoinSet::new();
    for node in 0..2 {
        // Planned as on a large table (index lookups in the batch's order), not by scanning
        // the few rows a test has in physical order, which would hide the problem.
        let options = (*db.connect_options())
            .clone()
            .options([("enable_seqscan", "off"), ("enable_hashjoin", "off")]);
        let groups = groups.clone();
        nodes.spawn(async move {
            // One connection per node, as each node's writer holds one at a time.
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .expect("node pool");
            for round in 0..ROUNDS {
                // The nodes list the conversations in opposite orders, shifted every round.
                let mut order = groups.clone();
                order.rotate_left(round * 7 % CONVERSATIONS);
                if node == 1 {
                    order.reverse();
                }
                let batch: Vec<models::message::Outgoing> = order
                    .iter()
                    .map(|group| models::message::Outgoing {
                        conversation_id: *group,
                        sender_id: ann,
                        client_id: format!("n{node}-r{round}-{group}"),
                        body: format!("node {node}, round {round}"),
                    })
                    .collect();
                for result in models::message::send_batch(&pool, &batch).await {
                    result.expect("stored");
                }
            }
            // Report this connection's statistics now rather than when it next idles.
            sqlx::query("SELECT pg_stat_force_next_flush()")
                .execute(&pool)
                .await
                .expect("flush statistics");
            sqlx::query("SELECT 1").execute(&pool).await.expect("idle");
            pool.close().await;
        });
    }
    while let Some(node) = nodes.join_next().await {
        node.expect("node writer");
    }

    for group in &groups {
        let seqs: Vec<i64> =
            sqlx::query_scalar("SELECT seq FROM messages WHERE conversation_id = $1 ORDER BY seq")
                .bind(group)
                .fetch_all(&db)
                .await
                .expect("seqs");
        let expected: Vec<i64> = (1..=(2 * ROUNDS) as i64).collect();
        assert_eq!(seqs, expected, "every message stored once, without a gap");
    }
    assert_eq!(
        deadlocks(&db).await - before,
        0,
        "batches from two nodes deadlocked on the conversations they share"
    );
}

/// A sender and `CONVERSATIONS` groups she shares with one other member.
async fn shared_groups(db: &PgPool) -> (Uuid, Vec<Uuid>) {
    let hash = models::password::hash_password("nodes password").expect("hash");
    let mut ids = Vec::new();
    for name in ["ann", "ben"] {
        let (id, _) = seed_user(db, format!("{name}@nodes.test"), name.into(), &hash, "test")
            .await
            .expect("user");
        ids.push(id);
    }
    let mut groups = Vec::new();
    for i in 0..CONVERSATIONS {
        let group =
            models::conversation::create_group(db, ids[0], &format!("Shared {i}"), &[ids[1]])
                .await
                .expect("group");
        models::conversation::accept(db, group, ids[1])
            .await
            .expect("accept");
        groups.push(group);
    }
    (ids[0], groups)
}

/// Deadlocks PostgreSQL has broken in this test's database.
async fn deadlocks(db: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        .fetch_one(db)
        .await
        .expect("database statistics")
}

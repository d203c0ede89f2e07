//! How chat storage is set up so message writes cost the same on every batch (both found by
//! the load generator; figures in `docs/performance.md`), and the batch write's fast path
//! handing anything unusual to the full check:
//! - the server's database connections plan each statement for its parameters: the batch
//!   writes join `unnest($1)` arrays against tables that grow from empty, and a generic plan
//!   fixed while they were small (a sequential scan) would read the whole `messages` table on
//!   every batch for the rest of the connection's life;
//! - the full-text index has no pending list, whose periodic merge stalled a writer.

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tests::server_process::seed_user;
use uuid::Uuid;

/// Stores `batches` batches of two messages (all but the first with a retry) through a
/// one-connection pool made from `options`, then reads that connection's prepared statements:
/// (statements that used a generic plan, custom plans made), counted over the batch statements
/// that join `unnest`.
async fn plans_after_batches(
    db: &PgPool,
    options: sqlx::postgres::PgConnectOptions,
    batches: usize,
) -> (i64, i64) {
    let (group, alice, bob, _) = group_with_outsider(db).await;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("pool");
    // Each batch after the first retries the previous one's message, so both the fast
    // insert (which fails on the retry) and the full check's statements run every time.
    for i in 0..batches {
        let retry = if i == 0 {
            (bob, "first".to_owned())
        } else {
            (alice, format!("a{}", i - 1))
        };
        let batch: Vec<models::message::Outgoing> = [(alice, format!("a{i}")), retry]
            .into_iter()
            .map(|(sender, client_id)| models::message::Outgoing {
                conversation_id: group,
                sender_id: sender,
                body: format!("body of {client_id}"),
                client_id,
            })
            .collect();
        for result in models::message::send_batch(&pool, &batch).await {
            result.expect("stored or acknowledged");
        }
    }
    let (generic, custom): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE generic_plans > 0), coalesce(sum(custom_plans), 0)::bigint
         FROM pg_prepared_statements
         WHERE statement LIKE '%unnest(%' AND statement NOT LIKE '%pg_prepared_statements%'",
    )
    .fetch_one(&pool)
    .await
    .expect("prepared statements");
    pool.close().await;
    (generic, custom)
}

#[sqlx::test(migrations = "../migrations")]
async fn server_connections_never_reuse_a_generic_plan(db: PgPool) {
    let options = api::plan_each_execution((*db.connect_options()).clone());
    let (generic, custom) = plans_after_batches(&db, options, 12).await;
    assert_eq!(
        generic, 0,
        "no batch statement may run on a cached generic plan"
    );
    // The fast insert and the full check's four statements join unnest; each was planned for
    // its parameters every time: the first batch takes the fast path only, the other 11 both.
    assert_eq!(custom, 1 + 5 * 11, "custom plans made");
}

#[sqlx::test(migrations = "../migrations")]
async fn default_connections_switch_to_generic_plans(db: PgPool) {
    // The control: PostgreSQL's default (`auto`) settles on a generic plan after five
    // executions, which is what the server's connections must not do.
    let (generic, _) = plans_after_batches(&db, (*db.connect_options()).clone(), 12).await;
    assert!(
        generic > 0,
        "the default plan cache mode should have chosen generic plans"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_search_index_has_no_pending_list_to_merge(db: PgPool) {
    let options: Option<Vec<String>> =
        sqlx::query_scalar("SELECT reloptions FROM pg_class WHERE relname = 'messages_search'")
            .fetch_one(&db)
            .await
            .expect("the search index exists");
    assert!(
        options
            .unwrap_or_default()
            .iter()
            .any(|o| o == "fastupdate=off"),
        "messages_search must be created with fastupdate = off"
    );
}

/// Two members and an outsider of a fresh group.
async fn group_with_outsider(db: &PgPool) -> (Uuid, Uuid, Uuid, Uuid) {
    let hash = models::password::hash_password("batch password").expect("hash");
    let mut ids = Vec::new();
    for name in ["ann", "ben", "out"] {
        let (id, _) = seed_user(db, format!("{name}@batch.test"), name.into(), &hash, "test")
            .await
            .expect("user");
        ids.push(id);
    }
    let group = models::conversation::create_group(db, ids[0], "Batch", &[ids[1]])
        .await
        .expect("group");
    models::conversation::accept(db, group, ids[1])
        .await
        .expect("accept");
    (group, ids[0], ids[1], ids[2])
}

fn outgoing(conversation: Uuid, sender: Uuid, client_id: &str) -> models::message::Outgoing {
    models::message::Outgoing {
        conversation_id: conversation,
        sender_id: sender,
        client_id: client_id.into(),
        body: format!("body of {client_id}"),
    }
}

async fn stored_seqs(db: &PgPool, conversation: Uuid) -> Vec<i64> {
    sqlx::query_scalar("SELECT seq FROM messages WHERE conversation_id = $1 ORDER BY seq")
        .bind(conversation)
        .fetch_all(db)
        .await
        .expect("seqs")
}

#[sqlx::test(migrations = "../migrations")]
async fn a_batch_with_an_outsider_stores_the_members_messages_without_a_gap(db: PgPool) {
    let (group, ann, ben, outsider) = group_with_outsider(&db).await;
    let batch = [
        outgoing(group, ann, "a1"),
        outgoing(group, outsider, "o1"),
        outgoing(group, ben, "b1"),
    ];
    let results = models::message::send_batch(&db, &batch).await;
    let seqs: Vec<Option<i64>> = results
        .iter()
        .map(|r| r.as_ref().ok().map(|s| s.message.seq))
        .collect();
    assert_eq!(seqs, vec![Some(1), None, Some(2)]);
    assert!(matches!(
        results[1],
        Err(models::message::SendError::NotMember)
    ));
    assert_eq!(stored_seqs(&db, group).await, vec![1, 2]);
    let last: i64 = sqlx::query_scalar("SELECT last_seq FROM conversations WHERE id = $1")
        .bind(group)
        .fetch_one(&db)
        .await
        .expect("last seq");
    assert_eq!(last, 2, "the outsider's attempt took no seq");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_batch_retrying_a_stored_message_acks_its_seq_and_stores_the_rest(db: PgPool) {
    let (group, ann, ben, _) = group_with_outsider(&db).await;
    let first = models::message::send_batch(
        &db,
        &[outgoing(group, ann, "a1"), outgoing(group, ben, "b1")],
    )
    .await;
    assert!(first.iter().all(Result::is_ok));
    // The retry of b1 makes the fast insert fail on its unique key; the full check answers it.
    let batch = [outgoing(group, ann, "a2"), outgoing(group, ben, "b1")];
    let results = models::message::send_batch(&db, &batch).await;
    let a2 = results[0].as_ref().expect("a2 stored");
    let b1 = results[1].as_ref().expect("b1 acknowledged");
    assert!(!a2.duplicate && a2.message.seq == 3);
    assert!(b1.duplicate && b1.message.seq == 2);
    assert_eq!(stored_seqs(&db, group).await, vec![1, 2, 3]);
}

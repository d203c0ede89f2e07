//! How chat storage is set up so message writes cost the same on every batch (both found by
//! the load generator; figures in `docs/performance.md`):
//! - the server's database connections plan each statement for its parameters: the batch
//!   writes join `unnest($1)` arrays against tables that grow from empty, and a generic plan
//!   fixed while they were small (a sequential scan) would read the whole `messages` table on
//!   every batch for the rest of the connection's life;
//! - the full-text index has no pending list, whose periodic merge stalled a writer.

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tests::server_process::seed_user;
use uuid::Uuid;

/// Stores `batches` batches of two messages through a one-connection pool made from `options`,
/// then reads that connection's prepared statements: (statements that used a generic plan,
/// custom plans made), counted over the batch statements that join `unnest`.
async fn plans_after_batches(
    db: &PgPool,
    options: sqlx::postgres::PgConnectOptions,
    batches: usize,
) -> (i64, i64) {
    let hash = models::password::hash_password("plans password").expect("hash");
    let (alice, _) = seed_user(db, "alice@plans.test".into(), "Alice".into(), &hash, "test")
        .await
        .expect("alice");
    let (bob, _) = seed_user(db, "bob@plans.test".into(), "Bob".into(), &hash, "test")
        .await
        .expect("bob");
    let group = models::conversation::create_group(db, alice, "Plans", &[bob])
        .await
        .expect("group");
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("pool");
    for i in 0..batches {
        let batch: Vec<models::message::Outgoing> = [alice, bob]
            .iter()
            .map(|sender| models::message::Outgoing {
                conversation_id: group,
                sender_id: *sender,
                client_id: format!("{}-{i}", Uuid::new_v4()),
                body: format!("message {i}"),
            })
            .collect();
        for result in models::message::send_batch(&pool, &batch).await {
            result.expect("stored");
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
    // Four statements of the batch join unnest; each was planned for every one of 12 batches.
    assert!(custom >= 4 * 12, "custom plans made: {custom}");
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

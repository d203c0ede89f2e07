//! The mood job: each window is processed exactly once, with two server processes sharing the
//! database and after a run that crashed before committing.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use models::clock::TestClock;
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::TestApp;
use tests::mood::{SAD, cast, readings_of, send_all, spawn_on};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn two_processes_count_every_message_exactly_once(db: PgPool) {
    // Two processes: each with its own connection pool, as separate servers would have.
    let time = TestClock::new();
    let first = spawn_on(db.clone(), time.clock()).await;
    let second = spawn_on(tests::own_pool(&db).await, time.clock()).await;
    let c = cast(&first).await;
    // Messages spread over several windows, half through each server.
    for round in 0..6 {
        let app = if round % 2 == 0 { &first } else { &second };
        send_all(
            app,
            &c.alice.1,
            c.direct,
            &["still stuck on the assignment", "sigh"],
        )
        .await;
        tokio::time::sleep(StdDuration::from_millis(400)).await;
    }
    // Close the last window at once: both processes' clock passes its end and grace. Then wait
    // until the stored windows cover the last message.
    time.advance(Duration::seconds(2));
    windows_cover_every_message(&db).await;
    let (readings, counted, distinct): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), COALESCE(sum(message_count), 0)::bigint,
                count(DISTINCT (user_id, conversation_id, window_start))
         FROM mood_readings WHERE user_id = $1",
    )
    .bind(c.alice.0)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(counted, 12, "each of the 12 messages counted exactly once");
    assert_eq!(
        readings, distinct,
        "one reading per user, conversation and window"
    );
    // Windows processed by both processes leave no gap between them.
    let gaps: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT window_start, lag(window_end) OVER (ORDER BY window_start) AS prev
                               FROM mood_runs) w
         WHERE prev IS NOT NULL AND prev <> window_start",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(gaps, 0);
    first.stop().await;
    second.stop().await;
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_crashed_run_leaves_its_window_to_be_processed_again(db: PgPool) {
    // The job is off: this test drives the windows itself.
    let app = TestApp::spawn_with(db.clone(), |c| c.mood_job_enabled = false).await;
    let c = cast(&app).await;
    let start = Utc::now() - Duration::seconds(1);
    send_all(&app, &c.alice.1, c.direct, &SAD).await;
    let end = Utc::now() + Duration::seconds(1);
    let registry = api::mood::registry::ModelRegistry::default();

    // A run claims the window and dies before committing.
    let mut crashed = db.begin().await.unwrap();
    sqlx::query("INSERT INTO mood_runs (window_start, window_end, readings) VALUES ($1, $2, 0)")
        .bind(start)
        .bind(end)
        .execute(&mut *crashed)
        .await
        .unwrap();
    let db2 = db.clone();
    let waiting = tokio::spawn(async move {
        let registry = api::mood::registry::ModelRegistry::default();
        api::mood::job::process_window(&db2, &registry, (start, end)).await
    });
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the second run waits for the first");
    drop(crashed); // rolled back: the crash leaves nothing behind
    let stored = waiting.await.unwrap().unwrap();
    assert_eq!(stored, Some(1), "the window is processed after the crash");
    // Processing it again does nothing: no double counting.
    let again = api::mood::job::process_window(&db, &registry, (start, end))
        .await
        .unwrap();
    assert_eq!(again, None);
    assert_eq!(readings_of(&db, c.alice.0).await, 1);
    let mine: Value = app.get_json(&c.alice.1, "/api/v1/me/mood").await.1;
    assert_eq!(
        (mine["chosen"].clone(), mine["lecturers"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(mine["current"]["message_count"], 3);
    assert_eq!(mine["readings"][0]["conversation"], json!(c.direct));
    app.stop().await;
}

/// Waits (at most 20 s) until the processed windows reach past the newest message.
async fn windows_cover_every_message(db: &PgPool) {
    for _ in 0..200 {
        let (covered, newest): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT (SELECT max(window_end) FROM mood_runs WHERE finished_at IS NOT NULL),
                    (SELECT max(created_at) FROM messages)",
        )
        .fetch_one(db)
        .await
        .expect("read the windows");
        if covered.is_some() && covered > newest {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("the mood windows did not reach the last message");
}

//! The limits the code validates with (named constants) and the schema's CHECK constraints that
//! repeat them agree: each constraint is read back from PostgreSQL and its bounds compared with
//! the constant, so changing one without the other fails here.

use models::{conversation, message, profile};
use scheduler::consultations::{
    CAPACITY, MAX_CANCEL_WINDOW_MINUTES, MAX_NOTES_CHARS, MAX_TOPIC_CHARS,
};
use sqlx::PgPool;

async fn definition(db: &PgPool, constraint: &str) -> String {
    sqlx::query_scalar("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1")
        .bind(constraint)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("constraint {constraint}: {e}"))
}

/// Asserts that `constraint` bounds `expr` by `min` (if any) and `max`.
async fn assert_bounds(db: &PgPool, constraint: &str, expr: &str, min: Option<i64>, max: i64) {
    let def = definition(db, constraint).await;
    if let Some(min) = min {
        assert!(
            def.contains(&format!("({expr} >= {min})")),
            "{constraint}: {def} (min {min})"
        );
    }
    assert!(
        def.contains(&format!("({expr} <= {max})")),
        "{constraint}: {def} (max {max})"
    );
}

fn n(value: usize) -> i64 {
    i64::try_from(value).expect("small")
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn check_constraints_use_the_codes_limits(db: PgPool) {
    let consultation_limits = [
        (
            "consultations_topic_length",
            "length(topic)",
            Some(1),
            n(MAX_TOPIC_CHARS),
        ),
        (
            "consultations_notes_length",
            "length(notes)",
            None,
            n(MAX_NOTES_CHARS),
        ),
        (
            "consultations_notes_length",
            "length(private_notes)",
            None,
            n(MAX_NOTES_CHARS),
        ),
        (
            "consultations_capacity",
            "capacity",
            Some(i64::from(*CAPACITY.start())),
            i64::from(*CAPACITY.end()),
        ),
        (
            "availability_cancel_window_range",
            "cancel_window_minutes",
            Some(0),
            i64::from(MAX_CANCEL_WINDOW_MINUTES),
        ),
    ];
    let chat_limits = [
        (
            "messages_body_length",
            "length(body)",
            Some(1),
            n(message::MAX_BODY_CHARS),
        ),
        (
            "messages_client_id_length",
            "length(client_id)",
            Some(1),
            n(message::MAX_CLIENT_ID_CHARS),
        ),
        (
            "conversations_group_has_name",
            "length(name)",
            Some(1),
            n(conversation::MAX_NAME_CHARS),
        ),
        (
            "users_display_name_length",
            "length(display_name)",
            Some(1),
            n(profile::MAX_DISPLAY_NAME),
        ),
    ];
    for (constraint, expr, min, max) in consultation_limits.into_iter().chain(chat_limits) {
        assert_bounds(&db, constraint, expr, min, max).await;
    }
}

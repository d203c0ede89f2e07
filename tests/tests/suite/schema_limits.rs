//! The limits the code validates with (named constants) and the schema's CHECK constraints that
//! repeat them agree: each constraint is read back from PostgreSQL and its bounds compared with
//! the constant, so changing one without the other fails here.

use models::{conversation, message, profile, values};
use scheduler::availability::{BUFFER_MINUTES, HORIZON_DAYS, MIN_NOTICE_MINUTES, SLOT_MINUTES};
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
        (
            "availability_slot_range",
            "slot_minutes",
            Some(*SLOT_MINUTES.start()),
            *SLOT_MINUTES.end(),
        ),
        (
            "availability_buffer_range",
            "buffer_minutes",
            Some(*BUFFER_MINUTES.start()),
            *BUFFER_MINUTES.end(),
        ),
        (
            "availability_notice_range",
            "min_notice_minutes",
            Some(*MIN_NOTICE_MINUTES.start()),
            *MIN_NOTICE_MINUTES.end(),
        ),
        (
            "availability_horizon_range",
            "horizon_days",
            Some(*HORIZON_DAYS.start()),
            *HORIZON_DAYS.end(),
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
    ];
    let account_and_mood_limits = [
        (
            "users_display_name_length",
            "length(display_name)",
            Some(1),
            n(profile::MAX_DISPLAY_NAME),
        ),
        (
            "users_email_normalised",
            "length(email)",
            None,
            n(profile::MAX_EMAIL_BYTES),
        ),
        (
            "mood_datasets_name_length",
            "length(name)",
            Some(1),
            n(values::MAX_DATASET_NAME_CHARS),
        ),
    ];
    let all = consultation_limits
        .into_iter()
        .chain(chat_limits)
        .chain(account_and_mood_limits);
    for (constraint, expr, min, max) in all {
        assert_bounds(&db, constraint, expr, min, max).await;
    }
}

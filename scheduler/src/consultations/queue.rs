//! The emails a change queues in the outbox (sent later by [`crate::mailer`]): a notice now, and
//! reminders before the start. Keys make a retried command queue nothing twice.

use chrono::{DateTime, Duration, Utc};
use models::consultation::Consultation;
use models::{ModelError, outbox};
use sqlx::PgConnection;
use uuid::Uuid;

/// Queues a notice of `kind` (`booked`, `confirmed`, `cancelled`, `rescheduled`) to `to`.
pub(super) async fn notice(
    tx: &mut PgConnection,
    now: DateTime<Utc>,
    c: &Consultation,
    kind: &'static str,
    to: &[Uuid],
) -> Result<(), ModelError> {
    let items: Vec<outbox::Queued> = to
        .iter()
        .map(|user| outbox::Queued {
            recipient_id: *user,
            kind,
            due_at: now,
            dedup_key: format!("{}/{user}/{kind}/r{}", c.id, c.revision),
        })
        .collect();
    outbox::enqueue(tx, c.id, &items).await.map(drop)
}

/// Queues the reminders still ahead for `to`, at `offsets` before the start.
pub(super) async fn reminders(
    tx: &mut PgConnection,
    now: DateTime<Utc>,
    c: &Consultation,
    offsets: &[Duration],
    to: &[Uuid],
) -> Result<(), ModelError> {
    let plan = crate::reminders::plan(c.starts_at, offsets, now);
    let items: Vec<outbox::Queued> = to
        .iter()
        .flat_map(|user| {
            plan.iter().map(move |r| outbox::Queued {
                recipient_id: *user,
                kind: "reminder",
                due_at: r.due_at,
                dedup_key: format!(
                    "{}/{user}/reminder/{}/{}",
                    c.id,
                    r.offset_minutes,
                    c.starts_at.timestamp()
                ),
            })
        })
        .collect();
    outbox::enqueue(tx, c.id, &items).await.map(drop)
}

//! The mail outbox: emails about consultations (and password resets), queued in the same
//! transaction as the change they announce and sent later by the mailer. A row is claimed with `FOR UPDATE SKIP LOCKED`
//! inside the transaction that records the outcome, so concurrent mailers never take the same
//! row and a crash before commit leaves it pending.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::ModelError;

/// One email to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// Who receives it.
    pub recipient_id: Uuid,
    /// `booked`, `confirmed`, `cancelled`, `rescheduled` or `reminder`.
    pub kind: &'static str,
    /// When to send it.
    pub due_at: DateTime<Utc>,
    /// Identity of the email: queuing the same key twice keeps one row.
    pub dedup_key: String,
}

/// Queues emails about `consultation`; rows whose key is already queued are skipped.
pub async fn enqueue(
    tx: &mut PgConnection,
    consultation: Uuid,
    items: &[Queued],
) -> Result<u64, ModelError> {
    let recipients: Vec<Uuid> = items.iter().map(|q| q.recipient_id).collect();
    let kinds: Vec<String> = items.iter().map(|q| q.kind.to_owned()).collect();
    let due: Vec<DateTime<Utc>> = items.iter().map(|q| q.due_at).collect();
    let keys: Vec<String> = items.iter().map(|q| q.dedup_key.clone()).collect();
    let done = sqlx::query!(
        "INSERT INTO mail_outbox (consultation_id, recipient_id, kind, due_at, dedup_key)
         SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::text[])
         ON CONFLICT (dedup_key) DO NOTHING",
        consultation,
        &recipients,
        &kinds,
        &due,
        &keys
    )
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected())
}

/// Withdraws pending reminders of `consultation` (for one recipient, or all): the time moved or
/// the place was given up.
pub async fn supersede_reminders(
    tx: &mut PgConnection,
    consultation: Uuid,
    recipient: Option<Uuid>,
) -> Result<(), ModelError> {
    sqlx::query!(
        "UPDATE mail_outbox SET status = 'superseded'
          WHERE consultation_id = $1 AND status = 'pending' AND kind = 'reminder'
            AND ($2::uuid IS NULL OR recipient_id = $2)",
        consultation,
        recipient
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A row taken for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// Row id.
    pub id: i64,
    /// The consultation it is about (consultation emails).
    pub consultation_id: Option<Uuid>,
    /// The password reset it is about (`password_reset` emails).
    pub password_reset_id: Option<Uuid>,
    /// Who receives it.
    pub recipient_id: Uuid,
    /// What kind of email.
    pub kind: String,
    /// Failed attempts so far.
    pub attempts: i32,
}

/// Takes the oldest row due at `now` that no other transaction holds, locking it until `tx`
/// ends.
pub async fn claim_next(
    tx: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<Option<Claimed>, ModelError> {
    Ok(sqlx::query_as!(
        Claimed,
        "SELECT id, consultation_id, password_reset_id, recipient_id, kind, attempts FROM mail_outbox
          WHERE status = 'pending' AND due_at <= $1
          ORDER BY due_at, id
          LIMIT 1
          FOR UPDATE SKIP LOCKED",
        now
    )
    .fetch_optional(&mut *tx)
    .await?)
}

/// Records a successful send.
pub async fn mark_sent(tx: &mut PgConnection, id: i64) -> Result<(), ModelError> {
    sqlx::query!(
        "UPDATE mail_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1,
                last_error = NULL
          WHERE id = $1",
        id
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Records a failed send: retried at `retry_at`, or given up when `None`.
pub async fn mark_failed(
    tx: &mut PgConnection,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), ModelError> {
    sqlx::query!(
        "UPDATE mail_outbox
            SET attempts = attempts + 1, last_error = $2,
                status = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
                due_at = COALESCE($3, due_at)
          WHERE id = $1",
        id,
        error,
        retry_at
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Drops a row that no longer applies (its consultation already started, say).
pub async fn mark_superseded(tx: &mut PgConnection, id: i64) -> Result<(), ModelError> {
    sqlx::query!(
        "UPDATE mail_outbox SET status = 'superseded' WHERE id = $1",
        id
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

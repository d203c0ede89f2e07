//! Password reset by email: a request queues an email (whether or not the address has an
//! account, the caller learns nothing), the mailer draws the single-use token when it sends it
//! and stores only its hash, and redeeming the token within [`RESET_LIFETIME_MINUTES`] sets the
//! new password and signs every device out.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::session::{SessionToken, TokenHash, set_password};
use crate::{Db, ModelError};

/// How long a reset link works.
pub const RESET_LIFETIME_MINUTES: i64 = 60;
/// Most reset emails one account gets per hour (so nobody can flood someone's inbox).
pub const RESETS_PER_HOUR: i64 = 3;

/// Queues a reset email for the account of `email` (already normalised), if there is one and it
/// has had fewer than [`RESETS_PER_HOUR`] in the last hour. Returns whether one was queued (for
/// logs only: the HTTP answer is the same either way).
pub async fn request(db: &Db, email: &str, now: DateTime<Utc>) -> Result<bool, ModelError> {
    let mut tx = db.begin().await?;
    let Some(user) = sqlx::query_scalar!("SELECT id FROM users WHERE email = $1 FOR UPDATE", email)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(false);
    };
    let recent = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM password_resets WHERE user_id = $1 AND created_at > $2"#,
        user,
        now - Duration::hours(1)
    )
    .fetch_one(&mut *tx)
    .await?;
    if recent >= RESETS_PER_HOUR {
        return Ok(false);
    }
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO password_resets (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        id,
        user,
        now,
        now + Duration::minutes(RESET_LIFETIME_MINUTES)
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO mail_outbox (password_reset_id, recipient_id, kind, due_at, dedup_key)
         VALUES ($1, $2, 'password_reset', $3, $4)",
        id,
        user,
        now,
        format!("password_reset:{id}")
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// For the mailer, inside the transaction that sends the email: draws the token of reset `id`
/// and stores its hash (replacing one drawn for an earlier, failed attempt). `None` if the reset
/// was used or has expired, so there is nothing to send.
pub async fn issue_token(
    tx: &mut PgConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<SessionToken>, ModelError> {
    let token = SessionToken::generate();
    let stored = sqlx::query!(
        "UPDATE password_resets SET token_hash = $2
         WHERE id = $1 AND used_at IS NULL AND expires_at > $3",
        id,
        &token.hash().0[..],
        now
    )
    .execute(&mut *tx)
    .await?;
    Ok((stored.rows_affected() == 1).then_some(token))
}

/// Redeems a reset token: sets `new_hash` as the password of its account and signs out every
/// session, in one transaction. Refused (`invalid_token`) when the token is unknown, used or
/// expired. Returns the revoked sessions, for the caller's cache.
pub async fn redeem(
    db: &Db,
    token: &SessionToken,
    new_hash: &str,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, TokenHash)>, ModelError> {
    let mut tx = db.begin().await?;
    let user = sqlx::query_scalar!(
        "UPDATE password_resets SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING user_id",
        &token.hash().0[..],
        now
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ModelError::Conflict {
        code: "invalid_token",
        message: "this reset link is not valid any more; ask for a new one".into(),
    })?;
    // One link resets once: the account's other pending links stop working too.
    sqlx::query!(
        "UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
        user,
        now
    )
    .execute(&mut *tx)
    .await?;
    let revoked = set_password(&mut tx, user, Uuid::nil(), new_hash).await?;
    tx.commit().await?;
    Ok(revoked)
}

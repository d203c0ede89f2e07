//! Taking the conversations' row locks before a batch bumps their `last_seq`, in one global
//! order (by id). Writers on other nodes may batch into the same conversations at once; an
//! `UPDATE … FROM unnest(…)` locks rows in whatever order the plan visits them, so two such
//! batches could each hold a row the other waits for, and PostgreSQL only breaks that deadlock
//! after `deadlock_timeout` (1 s), aborting one batch. Locked in one order they just queue.

use sqlx::PgConnection;
use uuid::Uuid;

/// Locks `conversations` (for the `last_seq` bump that follows in the same transaction) in
/// ascending id order; ids may repeat and come in any order.
pub(super) async fn lock_in_id_order(
    tx: &mut PgConnection,
    conversations: &[Uuid],
) -> Result<(), sqlx::Error> {
    if conversations.len() < 2 {
        // One row cannot be locked out of order; the bump takes it.
        return Ok(());
    }
    sqlx::query!(
        "SELECT id FROM conversations WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
        conversations,
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(())
}

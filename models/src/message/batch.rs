//! Storing many messages at once: [`send_batch`] tries the one-statement fast path for the
//! common all-new batch, then the fully checked path ([`try_send_batch`]), and falls back to
//! [`send`] per message when the batch cannot be written as a whole.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::checked_batch::try_send_batch;
use super::plan::plan_all_new;
use super::send::send;
use super::seq_locks::lock_in_id_order;
use super::types::{Outgoing, SendError, Sent};
use crate::Db;

/// Stores many messages at once (one transaction, a handful of statements), with the same
/// guarantees as [`send`]: gap-free seqs in submission order per conversation, idempotent
/// `client_id`s, membership checked. If the batch cannot be written as a whole (a race with
/// another writer, a deadlock) each message is retried alone with [`send`].
pub async fn send_batch(db: &Db, batch: &[Outgoing]) -> Vec<Result<Sent, SendError>> {
    if let [only] = batch {
        return vec![
            send(
                db,
                only.conversation_id,
                only.sender_id,
                &only.client_id,
                &only.body,
            )
            .await,
        ];
    }
    match try_send_new(db, batch).await {
        Ok(Some(results)) => return results,
        Ok(None) => {}
        Err(e) => {
            tracing::debug!(error = %e, size = batch.len(), "fast batch write failed; checking each request");
        }
    }
    match try_send_batch(db, batch).await {
        Ok(results) => results,
        Err(e) => {
            tracing::debug!(error = %e, size = batch.len(), "batch write failed; storing one by one");
            let mut results = Vec::with_capacity(batch.len());
            for m in batch {
                results.push(send(db, m.conversation_id, m.sender_id, &m.client_id, &m.body).await);
            }
            results
        }
    }
}

/// The common case in one statement: every request valid, no retries and every sender a
/// member. Seqs are taken and rows inserted together (three round trips with the transaction
/// instead of six). Returns `None` without writing when the batch needs the full check
/// ([`try_send_batch`]): an invalid request, a `client_id` twice in the batch, a sender who is
/// not a member; a retry of a stored message fails the insert and takes the same way.
async fn try_send_new(
    db: &Db,
    batch: &[Outgoing],
) -> Result<Option<Vec<Result<Sent, SendError>>>, sqlx::Error> {
    let Some((nths, counts)) = plan_all_new(batch) else {
        return Ok(None);
    };
    let ids: Vec<Uuid> = batch.iter().map(|_| Uuid::now_v7()).collect();
    let mut tx = db.begin().await?;
    let rows = insert_all_new(&mut tx, batch, &ids, &nths, counts).await?;
    if rows.len() != batch.len() {
        // A sender is not (or no longer) a member: nothing is kept, the full check decides.
        tx.rollback().await?;
        return Ok(None);
    }
    tx.commit().await?;
    let stored: HashMap<Uuid, (i64, DateTime<Utc>)> = rows
        .into_iter()
        .map(|(id, seq, created_at)| (id, (seq, created_at)))
        .collect();
    Ok(Some(
        batch
            .iter()
            .zip(ids)
            .map(|(m, id)| {
                let (seq, created_at) = stored.get(&id).copied().ok_or(SendError::NotMember)?;
                Ok(Sent {
                    message: m.stored(id, seq, created_at),
                    duplicate: false,
                })
            })
            .collect(),
    ))
}

/// The fast path's single statement: bumps each conversation's `last_seq` by its number of new
/// messages and inserts every request (whose sender is a member) at `before + nth + 1`.
/// Returns `(id, seq, created_at)` of the rows written; fewer rows than requests means a sender
/// was not a member.
async fn insert_all_new(
    tx: &mut PgConnection,
    batch: &[Outgoing],
    ids: &[Uuid],
    nths: &[i64],
    counts: HashMap<Uuid, i64>,
) -> Result<Vec<(Uuid, i64, DateTime<Utc>)>, sqlx::Error> {
    let (count_ids, count_values): (Vec<Uuid>, Vec<i64>) = counts.into_iter().unzip();
    lock_in_id_order(tx, &count_ids).await?;
    let conversations: Vec<Uuid> = batch.iter().map(|m| m.conversation_id).collect();
    let senders: Vec<Uuid> = batch.iter().map(|m| m.sender_id).collect();
    let client_ids: Vec<String> = batch.iter().map(|m| m.client_id.clone()).collect();
    let bodies: Vec<String> = batch.iter().map(|m| m.body.clone()).collect();
    let rows = sqlx::query!(
        r#"WITH bumped AS (
             UPDATE conversations SET last_seq = last_seq + c.k, updated_at = now()
             FROM unnest($1::uuid[], $2::bigint[]) AS c(id, k)
             WHERE conversations.id = c.id
             RETURNING conversations.id, conversations.last_seq - c.k AS before)
         INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body)
         SELECT r.id, r.c, b.before + r.nth + 1, r.s, r.k, r.b
         FROM unnest($3::uuid[], $4::uuid[], $5::bigint[], $6::uuid[], $7::text[], $8::text[])
              AS r(id, c, nth, s, k, b)
         JOIN bumped b ON b.id = r.c
         WHERE EXISTS (SELECT 1 FROM conversation_members cm
                       WHERE cm.conversation_id = r.c AND cm.user_id = r.s AND cm.status = 'active')
         RETURNING id, seq, created_at"#,
        &count_ids[..],
        &count_values[..],
        &ids[..],
        &conversations[..],
        &nths[..],
        &senders[..],
        &client_ids[..],
        &bodies[..],
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.seq, r.created_at))
        .collect())
}

//! The fully checked batch write, for batches the fast path declines: memberships and stored
//! retries are read, [`plan_batch`] decides every request, seqs are reserved per conversation
//! and only the new messages are inserted, all in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::plan::{Plan, plan_batch};
use super::seq_locks::lock_in_id_order;
use super::types::{Message, Outgoing, SendError, Sent};
use crate::Db;

/// Stores a batch with every request checked: refusals and retries are answered without taking
/// a seq, new messages get gap-free seqs in batch order. Any database error aborts the whole
/// transaction (the caller then stores the messages one by one).
pub(super) async fn try_send_batch(
    db: &Db,
    batch: &[Outgoing],
) -> Result<Vec<Result<Sent, SendError>>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let memberships = member_pairs(&mut tx, batch).await?;
    let existing = stored_retries(&mut tx, batch).await?;
    let (plans, counts) = plan_batch(batch, |c, u| memberships.contains(&(c, u)), &existing);
    let first_seqs = reserve_seqs(&mut tx, counts).await?;
    let new_rows = number_new_rows(batch, &plans, &first_seqs);
    let created = insert_rows(&mut tx, batch, &new_rows).await?;
    tx.commit().await?;
    Ok(answers(batch, &plans, &existing, new_rows, &created))
}

/// The `(conversation, sender)` pairs of the batch whose sender is an active member.
async fn member_pairs(
    tx: &mut PgConnection,
    batch: &[Outgoing],
) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    let conversations: Vec<Uuid> = batch.iter().map(|m| m.conversation_id).collect();
    let senders: Vec<Uuid> = batch.iter().map(|m| m.sender_id).collect();
    let memberships: Vec<(Uuid, Uuid)> = sqlx::query!(
        "SELECT cm.conversation_id, cm.user_id FROM conversation_members cm
         JOIN unnest($1::uuid[], $2::uuid[]) AS r(c, u) ON cm.conversation_id = r.c AND cm.user_id = r.u
         WHERE cm.status = 'active'",
        &conversations[..],
        &senders[..],
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.conversation_id, r.user_id))
    .collect();
    Ok(memberships)
}

/// The stored messages whose `(sender, client_id)` a request of the batch reuses: retries, or
/// reuses of a key for another message.
async fn stored_retries(
    tx: &mut PgConnection,
    batch: &[Outgoing],
) -> Result<Vec<Message>, sqlx::Error> {
    let senders: Vec<Uuid> = batch.iter().map(|m| m.sender_id).collect();
    let client_ids: Vec<String> = batch.iter().map(|m| m.client_id.clone()).collect();
    let existing = sqlx::query_as!(
        Message,
        "SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.client_id, m.body, m.created_at
         FROM messages m JOIN unnest($1::uuid[], $2::text[]) AS r(u, k) ON m.sender_id = r.u AND m.client_id = r.k",
        &senders[..],
        &client_ids[..],
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(existing)
}

/// The seqs reserved for a batch's new messages: each conversation's `last_seq` after the bump,
/// and by how much it was bumped.
struct FirstSeqs {
    /// Conversations that get new messages.
    count_ids: Vec<Uuid>,
    /// How many new messages each of `count_ids` gets.
    count_values: Vec<i64>,
    /// Each bumped conversation's `last_seq` after the bump.
    last_seqs: HashMap<Uuid, i64>,
}

impl FirstSeqs {
    /// The seq of `conversation`'s first new message in this batch.
    fn of(&self, conversation: Uuid) -> i64 {
        let count = self
            .count_ids
            .iter()
            .position(|c| *c == conversation)
            .map_or(0, |i| self.count_values[i]);
        self.last_seqs
            .get(&conversation)
            .map_or(1, |last| last - count + 1)
    }
}

/// Bumps each conversation's `last_seq` by its number of new messages (`counts`), reserving
/// their seqs.
async fn reserve_seqs(
    tx: &mut PgConnection,
    counts: HashMap<Uuid, i64>,
) -> Result<FirstSeqs, sqlx::Error> {
    let (count_ids, count_values): (Vec<Uuid>, Vec<i64>) = counts.into_iter().unzip();
    lock_in_id_order(tx, &count_ids).await?;
    let last_seqs: HashMap<Uuid, i64> = sqlx::query!(
        "UPDATE conversations SET last_seq = last_seq + c.k, updated_at = now()
         FROM unnest($1::uuid[], $2::bigint[]) AS c(id, k)
         WHERE conversations.id = c.id
         RETURNING conversations.id, conversations.last_seq",
        &count_ids[..],
        &count_values[..],
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.id, r.last_seq))
    .collect();
    Ok(FirstSeqs {
        count_ids,
        count_values,
        last_seqs,
    })
}

/// A new message about to be inserted: its request's index in the batch, its id and its seq.
struct NewRow {
    /// Index of the request in the batch.
    index: usize,
    /// Fresh message id.
    id: Uuid,
    /// Reserved seq.
    seq: i64,
}

/// Gives each request planned as new a fresh id and its seq, in batch order.
fn number_new_rows(batch: &[Outgoing], plans: &[Plan], first_seqs: &FirstSeqs) -> Vec<NewRow> {
    let mut new_rows: Vec<NewRow> = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        if let Plan::New { nth } = plan {
            new_rows.push(NewRow {
                index: i,
                id: Uuid::now_v7(),
                seq: first_seqs.of(batch[i].conversation_id) + nth,
            });
        }
    }
    new_rows
}

/// Inserts the new messages; returns when each was stored, by id.
async fn insert_rows(
    tx: &mut PgConnection,
    batch: &[Outgoing],
    new_rows: &[NewRow],
) -> Result<HashMap<Uuid, DateTime<Utc>>, sqlx::Error> {
    let ids: Vec<Uuid> = new_rows.iter().map(|r| r.id).collect();
    let seqs: Vec<i64> = new_rows.iter().map(|r| r.seq).collect();
    let pick = |f: fn(&Outgoing) -> Uuid| {
        new_rows
            .iter()
            .map(|r| f(&batch[r.index]))
            .collect::<Vec<_>>()
    };
    let row_conversations = pick(|m| m.conversation_id);
    let row_senders = pick(|m| m.sender_id);
    let row_client_ids: Vec<String> = new_rows
        .iter()
        .map(|r| batch[r.index].client_id.clone())
        .collect();
    let row_bodies: Vec<String> = new_rows
        .iter()
        .map(|r| batch[r.index].body.clone())
        .collect();
    let created: HashMap<Uuid, DateTime<Utc>> = sqlx::query!(
        "INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::text[])
         RETURNING id, created_at",
        &ids[..],
        &row_conversations[..],
        &seqs[..],
        &row_senders[..],
        &row_client_ids[..],
        &row_bodies[..],
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.id, r.created_at))
    .collect();
    Ok(created)
}

/// The answer to each request of the batch, in order, once the transaction has committed.
fn answers(
    batch: &[Outgoing],
    plans: &[Plan],
    existing: &[Message],
    new_rows: Vec<NewRow>,
    created: &HashMap<Uuid, DateTime<Utc>>,
) -> Vec<Result<Sent, SendError>> {
    let mut stored: HashMap<usize, Message> = HashMap::new();
    for NewRow { index: i, id, seq } in new_rows {
        let created_at = created.get(&id).copied().unwrap_or_else(Utc::now);
        stored.insert(i, batch[i].stored(id, seq, created_at));
    }
    plans
        .iter()
        .enumerate()
        .map(|(i, plan)| match plan {
            Plan::Refused(r) => Err((*r).into()),
            Plan::Existing(at) => Ok(Sent {
                message: existing[*at].clone(),
                duplicate: true,
            }),
            Plan::SameAs(first) => stored
                .get(first)
                .cloned()
                .map(|message| Sent {
                    message,
                    duplicate: true,
                })
                .ok_or(SendError::NotMember),
            Plan::New { .. } => stored
                .get(&i)
                .cloned()
                .map(|message| Sent {
                    message,
                    duplicate: false,
                })
                .ok_or(SendError::NotMember),
        })
        .collect()
}

//! Messages: stored durably with a gap-free per-conversation sequence number before anyone is
//! told about them, idempotent per `(sender, client_id)`, pageable and searchable.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Db, ModelError};

/// Longest message body, in characters.
pub const MAX_BODY_CHARS: usize = 100_000;
/// Longest client-chosen message id.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Largest page of history or search results.
pub const MAX_PAGE: i64 = 100;

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Server-assigned id.
    pub id: Uuid,
    /// The conversation it belongs to.
    pub conversation_id: Uuid,
    /// Position in the conversation: 1, 2, 3, … without gaps.
    pub seq: i64,
    /// Who sent it.
    pub sender_id: Uuid,
    /// The sender's idempotency key.
    pub client_id: String,
    /// The text.
    pub body: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// Why a message was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The body is empty (after nothing: whitespace-only bodies count as empty).
    #[error("message body must not be empty")]
    BodyEmpty,
    /// The body has more than [`MAX_BODY_CHARS`] characters.
    #[error("message body must be at most {MAX_BODY_CHARS} characters (got {0})")]
    BodyTooLong(usize),
    /// The client id is empty or longer than [`MAX_CLIENT_ID_CHARS`].
    #[error("client_id must be 1 to {MAX_CLIENT_ID_CHARS} characters")]
    InvalidClientId,
    /// The conversation does not exist or the sender is not a member.
    #[error("you are not a member of this conversation")]
    NotMember,
    /// The client id was already used by this sender for a different message (another body or
    /// conversation): a retry must resend exactly the same message.
    #[error("client_id was already used for a different message; choose a new one")]
    ClientIdReused,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Checks a message before it goes near the database.
pub fn validate(client_id: &str, body: &str) -> Result<(), SendError> {
    let id_len = client_id.chars().count();
    if id_len == 0 || id_len > MAX_CLIENT_ID_CHARS {
        return Err(SendError::InvalidClientId);
    }
    if body.trim().is_empty() {
        return Err(SendError::BodyEmpty);
    }
    let chars = body.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(SendError::BodyTooLong(chars));
    }
    Ok(())
}

/// The result of a send: the stored message, and whether it had been stored before (a retry).
#[derive(Debug, Clone)]
pub struct Sent {
    /// The message as stored.
    pub message: Message,
    /// True when this `client_id` had already been stored; nothing new was written.
    pub duplicate: bool,
}

/// Stores a message: validates it, takes the conversation's next sequence number and inserts it,
/// in one statement (so a failure leaves no gap), provided the sender is a member. A retried
/// `client_id` returns the original message.
pub async fn send(
    db: &Db,
    conversation_id: Uuid,
    sender_id: Uuid,
    client_id: &str,
    body: &str,
) -> Result<Sent, SendError> {
    validate(client_id, body)?;
    let inserted = sqlx::query_as!(
        Message,
        r#"WITH next AS (
               UPDATE conversations SET last_seq = last_seq + 1, updated_at = now()
               WHERE id = $1
                 AND EXISTS (SELECT 1 FROM conversation_members
                             WHERE conversation_id = $1 AND user_id = $2)
               RETURNING last_seq)
           INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body)
           SELECT $3, $1, last_seq, $2, $4, $5 FROM next
           RETURNING id, conversation_id, seq, sender_id, client_id, body, created_at"#,
        conversation_id,
        sender_id,
        Uuid::now_v7(),
        client_id,
        body,
    )
    .fetch_optional(db)
    .await;
    match inserted {
        Ok(Some(message)) => Ok(Sent {
            message,
            duplicate: false,
        }),
        Ok(None) => Err(SendError::NotMember),
        Err(sqlx::Error::Database(e))
            if e.constraint() == Some("messages_sender_client_id_key") =>
        {
            let existing = find_by_client_id(db, sender_id, client_id)
                .await?
                .ok_or(SendError::NotMember)?;
            if existing.conversation_id == conversation_id && existing.body == body {
                Ok(Sent {
                    message: existing,
                    duplicate: true,
                })
            } else {
                Err(SendError::ClientIdReused)
            }
        }
        Err(e) => Err(e.into()),
    }
}

async fn find_by_client_id(
    db: &Db,
    sender_id: Uuid,
    client_id: &str,
) -> Result<Option<Message>, sqlx::Error> {
    sqlx::query_as!(
        Message,
        "SELECT id, conversation_id, seq, sender_id, client_id, body, created_at
         FROM messages WHERE sender_id = $1 AND client_id = $2",
        sender_id,
        client_id,
    )
    .fetch_optional(db)
    .await
}

/// A message a client asked to send, waiting to be stored with others in one transaction.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Target conversation.
    pub conversation_id: Uuid,
    /// Sender.
    pub sender_id: Uuid,
    /// Sender's idempotency key.
    pub client_id: String,
    /// Text.
    pub body: String,
}

impl Outgoing {
    /// The message as stored, once the database has given it an id, a seq and a time.
    fn stored(&self, id: Uuid, seq: i64, created_at: DateTime<Utc>) -> Message {
        Message {
            id,
            conversation_id: self.conversation_id,
            seq,
            sender_id: self.sender_id,
            client_id: self.client_id.clone(),
            body: self.body.clone(),
            created_at,
        }
    }
}

/// What the batch planner decided for one request, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    /// Refused before storage.
    Refused(Refusal),
    /// A retry of a stored message (index into the existing messages).
    Existing(usize),
    /// A retry of an earlier request in the same batch (its index).
    SameAs(usize),
    /// Stored as the `nth` new message of its conversation in this batch (0-based).
    New { nth: i64 },
}

/// Why a request is refused; mirrors the non-database [`SendError`]s so plans can be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    BodyEmpty,
    BodyTooLong(usize),
    InvalidClientId,
    NotMember,
    ClientIdReused,
}

impl From<Refusal> for SendError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::BodyEmpty => SendError::BodyEmpty,
            Refusal::BodyTooLong(n) => SendError::BodyTooLong(n),
            Refusal::InvalidClientId => SendError::InvalidClientId,
            Refusal::NotMember => SendError::NotMember,
            Refusal::ClientIdReused => SendError::ClientIdReused,
        }
    }
}

/// Decides, without I/O, what happens to each request of a batch: validation, membership,
/// retries of stored messages or of earlier requests in the batch, and the order of new
/// messages per conversation (batch order). Returns the plans and, per conversation, how many
/// new messages it gets.
fn plan_batch(
    batch: &[Outgoing],
    is_member: impl Fn(Uuid, Uuid) -> bool,
    existing: &[Message],
) -> (Vec<Plan>, HashMap<Uuid, i64>) {
    let mut plans = Vec::with_capacity(batch.len());
    let mut counts: HashMap<Uuid, i64> = HashMap::new();
    let mut seen: HashMap<(Uuid, &str), usize> = HashMap::new();
    for (i, m) in batch.iter().enumerate() {
        let plan = if let Err(e) = validate(&m.client_id, &m.body) {
            Plan::Refused(match e {
                SendError::BodyEmpty => Refusal::BodyEmpty,
                SendError::BodyTooLong(n) => Refusal::BodyTooLong(n),
                _ => Refusal::InvalidClientId,
            })
        } else if !is_member(m.conversation_id, m.sender_id) {
            Plan::Refused(Refusal::NotMember)
        } else if let Some(at) = existing
            .iter()
            .position(|e| e.sender_id == m.sender_id && e.client_id == m.client_id)
        {
            let e = &existing[at];
            if e.conversation_id == m.conversation_id && e.body == m.body {
                Plan::Existing(at)
            } else {
                Plan::Refused(Refusal::ClientIdReused)
            }
        } else if let Some(&first) = seen.get(&(m.sender_id, m.client_id.as_str())) {
            let f = &batch[first];
            if f.conversation_id == m.conversation_id && f.body == m.body {
                Plan::SameAs(first)
            } else {
                Plan::Refused(Refusal::ClientIdReused)
            }
        } else {
            seen.insert((m.sender_id, m.client_id.as_str()), i);
            let count = counts.entry(m.conversation_id).or_default();
            *count += 1;
            Plan::New { nth: *count - 1 }
        };
        plans.push(plan);
    }
    (plans, counts)
}

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
    let (count_ids, count_values): (Vec<Uuid>, Vec<i64>) = counts.into_iter().unzip();
    let ids: Vec<Uuid> = batch.iter().map(|_| Uuid::now_v7()).collect();
    let conversations: Vec<Uuid> = batch.iter().map(|m| m.conversation_id).collect();
    let senders: Vec<Uuid> = batch.iter().map(|m| m.sender_id).collect();
    let client_ids: Vec<String> = batch.iter().map(|m| m.client_id.clone()).collect();
    let bodies: Vec<String> = batch.iter().map(|m| m.body.clone()).collect();
    let mut tx = db.begin().await?;
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
                       WHERE cm.conversation_id = r.c AND cm.user_id = r.s)
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
    if rows.len() != batch.len() {
        // A sender is not (or no longer) a member: nothing is kept, the full check decides.
        tx.rollback().await?;
        return Ok(None);
    }
    tx.commit().await?;
    let stored: HashMap<Uuid, (i64, DateTime<Utc>)> = rows
        .into_iter()
        .map(|r| (r.id, (r.seq, r.created_at)))
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

/// The position of each request among its conversation's new messages (batch order) and the
/// new messages per conversation, if the batch can take the fast path: [`plan_batch`] with
/// everyone a member and nothing stored yet finds every request new (none invalid, no
/// `(sender, client_id)` twice).
fn plan_all_new(batch: &[Outgoing]) -> Option<(Vec<i64>, HashMap<Uuid, i64>)> {
    let (plans, counts) = plan_batch(batch, |_, _| true, &[]);
    let nths = plans
        .into_iter()
        .map(|plan| match plan {
            Plan::New { nth } => Some(nth),
            _ => None,
        })
        .collect::<Option<Vec<i64>>>()?;
    Some((nths, counts))
}

async fn try_send_batch(
    db: &Db,
    batch: &[Outgoing],
) -> Result<Vec<Result<Sent, SendError>>, sqlx::Error> {
    let conversations: Vec<Uuid> = batch.iter().map(|m| m.conversation_id).collect();
    let senders: Vec<Uuid> = batch.iter().map(|m| m.sender_id).collect();
    let client_ids: Vec<String> = batch.iter().map(|m| m.client_id.clone()).collect();
    let mut tx = db.begin().await?;
    let memberships: Vec<(Uuid, Uuid)> = sqlx::query!(
        "SELECT cm.conversation_id, cm.user_id FROM conversation_members cm
         JOIN unnest($1::uuid[], $2::uuid[]) AS r(c, u) ON cm.conversation_id = r.c AND cm.user_id = r.u",
        &conversations[..],
        &senders[..],
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.conversation_id, r.user_id))
    .collect();
    let existing = sqlx::query_as!(
        Message,
        "SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.client_id, m.body, m.created_at
         FROM messages m JOIN unnest($1::uuid[], $2::text[]) AS r(u, k) ON m.sender_id = r.u AND m.client_id = r.k",
        &senders[..],
        &client_ids[..],
    )
    .fetch_all(&mut *tx)
    .await?;
    let (plans, counts) = plan_batch(batch, |c, u| memberships.contains(&(c, u)), &existing);

    let (count_ids, count_values): (Vec<Uuid>, Vec<i64>) = counts.into_iter().unzip();
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
    let first_seq = |conversation: Uuid| {
        let count = count_ids
            .iter()
            .position(|c| *c == conversation)
            .map_or(0, |i| count_values[i]);
        last_seqs
            .get(&conversation)
            .map_or(1, |last| last - count + 1)
    };

    let mut new_rows: Vec<(usize, Uuid, i64)> = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        if let Plan::New { nth } = plan {
            new_rows.push((i, Uuid::now_v7(), first_seq(batch[i].conversation_id) + nth));
        }
    }
    let ids: Vec<Uuid> = new_rows.iter().map(|r| r.1).collect();
    let seqs: Vec<i64> = new_rows.iter().map(|r| r.2).collect();
    let pick =
        |f: fn(&Outgoing) -> Uuid| new_rows.iter().map(|r| f(&batch[r.0])).collect::<Vec<_>>();
    let row_conversations = pick(|m| m.conversation_id);
    let row_senders = pick(|m| m.sender_id);
    let row_client_ids: Vec<String> = new_rows
        .iter()
        .map(|r| batch[r.0].client_id.clone())
        .collect();
    let row_bodies: Vec<String> = new_rows.iter().map(|r| batch[r.0].body.clone()).collect();
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
    tx.commit().await?;

    let mut stored: HashMap<usize, Message> = HashMap::new();
    for (i, id, seq) in new_rows {
        let created_at = created.get(&id).copied().unwrap_or_else(Utc::now);
        stored.insert(i, batch[i].stored(id, seq, created_at));
    }
    Ok(plans
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
        .collect())
}

/// Messages with `after < seq <= up_to`, oldest first, at most `limit`: catch-up and gap filling.
pub async fn range(
    db: &Db,
    conversation_id: Uuid,
    after: i64,
    up_to: i64,
    limit: i64,
) -> Result<Vec<Message>, ModelError> {
    let rows = sqlx::query_as!(
        Message,
        "SELECT id, conversation_id, seq, sender_id, client_id, body, created_at
         FROM messages WHERE conversation_id = $1 AND seq > $2 AND seq <= $3
         ORDER BY seq LIMIT $4",
        conversation_id,
        after,
        up_to,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// A page of history, oldest first, and whether there is more beyond it: the `limit` messages
/// after `after` (paging forward), or else the `limit` latest before `before` (or the latest of
/// all).
pub async fn history_page(
    db: &Db,
    conversation_id: Uuid,
    before: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> Result<(Vec<Message>, bool), ModelError> {
    let page = usize::try_from(limit).unwrap_or(usize::MAX);
    match after {
        Some(after) => {
            let mut messages =
                range(db, conversation_id, after.max(0), i64::MAX, limit + 1).await?;
            let has_more = messages.len() > page;
            messages.truncate(page);
            Ok((messages, has_more))
        }
        None => {
            let mut messages = page_before(db, conversation_id, before, limit + 1).await?;
            let has_more = messages.len() > page;
            if has_more {
                messages.remove(0);
            }
            Ok((messages, has_more))
        }
    }
}

/// A page of history ending just before `before` (or the latest page), oldest first.
pub async fn page_before(
    db: &Db,
    conversation_id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Message>, ModelError> {
    let mut rows = sqlx::query_as!(
        Message,
        "SELECT id, conversation_id, seq, sender_id, client_id, body, created_at
         FROM messages WHERE conversation_id = $1 AND seq < COALESCE($2, 9223372036854775807)
         ORDER BY seq DESC LIMIT $3",
        conversation_id,
        before,
        limit,
    )
    .fetch_all(db)
    .await?;
    rows.reverse();
    Ok(rows)
}

/// One search result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The message.
    pub message: Message,
    /// Who sent it.
    pub sender_name: String,
    /// The conversation's title for the searcher: the group name or the other person's name.
    pub conversation_title: String,
    /// A short excerpt with the matches between `[` and `]`.
    pub snippet: String,
}

/// Full-text search (English stemming, web-search syntax: words, "phrases", -exclusions) over
/// the messages of conversations `user_id` belongs to, best matches first, newest on ties.
pub async fn search(
    db: &Db,
    user_id: Uuid,
    query: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<SearchHit>, ModelError> {
    let rows = sqlx::query!(
        r#"SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.client_id, m.body, m.created_at,
                  u.display_name AS sender_name,
                  COALESCE(c.name, (SELECT o.display_name FROM conversation_members om
                                    JOIN users o ON o.id = om.user_id
                                    WHERE om.conversation_id = m.conversation_id AND om.user_id <> $1
                                    LIMIT 1), 'Conversation') AS "conversation_title!",
                  ts_headline('english', left(m.body, 5000), q,
                              'StartSel=[, StopSel=], MaxWords=20, MinWords=8, MaxFragments=1') AS "snippet!"
           FROM messages m
           JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = $1
           JOIN conversations c ON c.id = m.conversation_id
           JOIN users u ON u.id = m.sender_id,
                websearch_to_tsquery('english', $2) q
           WHERE m.search @@ q
           ORDER BY ts_rank(m.search, q) DESC, m.created_at DESC, m.id
           LIMIT $3 OFFSET $4"#,
        user_id,
        query,
        limit,
        offset,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SearchHit {
            message: Message {
                id: r.id,
                conversation_id: r.conversation_id,
                seq: r.seq,
                sender_id: r.sender_id,
                client_id: r.client_id,
                body: r.body,
                created_at: r.created_at,
            },
            sender_name: r.sender_name,
            conversation_title: r.conversation_title,
            snippet: r.snippet,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(conversation: u128, sender: u128, client_id: &str, body: &str) -> Outgoing {
        Outgoing {
            conversation_id: Uuid::from_u128(conversation),
            sender_id: Uuid::from_u128(sender),
            client_id: client_id.into(),
            body: body.into(),
        }
    }

    /// Two conversations, two senders, all new.
    fn mixed_batch() -> [Outgoing; 4] {
        [
            out(1, 10, "a", "x"),
            out(2, 10, "b", "y"),
            out(1, 11, "c", "z"),
            out(1, 10, "d", "w"),
        ]
    }

    #[test]
    fn the_fast_path_takes_all_new_batches_and_leaves_anything_unusual_to_the_full_plan() {
        let (nths, counts) = plan_all_new(&mixed_batch()).expect("all new");
        assert_eq!(nths, vec![0, 0, 1, 2]);
        assert_eq!(counts[&Uuid::from_u128(1)], 3);
        assert_eq!(counts[&Uuid::from_u128(2)], 1);
        // The same client_id twice (a retry inside the batch) and invalid requests go the
        // full way, which answers them one by one.
        assert!(plan_all_new(&[out(1, 10, "a", "x"), out(1, 10, "a", "x")]).is_none());
        assert!(plan_all_new(&[out(1, 10, "a", ""), out(1, 10, "b", "x")]).is_none());
        assert!(plan_all_new(&[out(1, 10, "", "x"), out(1, 10, "b", "x")]).is_none());
        // The same client_id from two senders is two messages.
        assert_eq!(
            plan_all_new(&[out(1, 10, "a", "x"), out(1, 11, "a", "x")]).map(|(nths, _)| nths),
            Some(vec![0, 1])
        );
    }

    #[test]
    fn a_batch_numbers_new_messages_per_conversation_in_submission_order() {
        let batch = mixed_batch();
        let (plans, counts) = plan_batch(&batch, |_, _| true, &[]);
        assert_eq!(
            plans,
            vec![
                Plan::New { nth: 0 },
                Plan::New { nth: 0 },
                Plan::New { nth: 1 },
                Plan::New { nth: 2 }
            ]
        );
        assert_eq!(counts[&Uuid::from_u128(1)], 3);
        assert_eq!(counts[&Uuid::from_u128(2)], 1);
    }

    #[test]
    fn refused_and_retried_requests_take_no_seq() {
        let stored = Message {
            id: Uuid::from_u128(99),
            conversation_id: Uuid::from_u128(1),
            seq: 7,
            sender_id: Uuid::from_u128(10),
            client_id: "old".into(),
            body: "x".into(),
            created_at: Utc::now(),
        };
        let batch = [
            out(1, 10, "old", "x"),       // retry of a stored message
            out(1, 10, "old", "changed"), // same key, different message
            out(1, 12, "n1", "hi"),       // not a member
            out(1, 10, "", "hi"),         // bad key
            out(1, 10, "new", "   "),     // empty
            out(1, 10, "new2", "fresh"),  // stored
            out(1, 10, "new2", "fresh"),  // retry inside the batch
            out(2, 10, "new2", "fresh"),  // same key, other conversation
        ];
        let (plans, counts) = plan_batch(
            &batch,
            |_, u| u != Uuid::from_u128(12),
            std::slice::from_ref(&stored),
        );
        assert_eq!(
            plans,
            vec![
                Plan::Existing(0),
                Plan::Refused(Refusal::ClientIdReused),
                Plan::Refused(Refusal::NotMember),
                Plan::Refused(Refusal::InvalidClientId),
                Plan::Refused(Refusal::BodyEmpty),
                Plan::New { nth: 0 },
                Plan::SameAs(5),
                Plan::Refused(Refusal::ClientIdReused),
            ]
        );
        assert_eq!(counts.len(), 1, "only conversation 1 gets a new seq");
        assert_eq!(counts[&Uuid::from_u128(1)], 1);
    }

    #[test]
    fn bodies_must_be_non_empty_and_within_the_limit() {
        assert!(validate("c1", "hello").is_ok());
        assert!(matches!(validate("c1", ""), Err(SendError::BodyEmpty)));
        assert!(matches!(validate("c1", " \n\t"), Err(SendError::BodyEmpty)));
        assert!(
            validate("c1", &"é".repeat(MAX_BODY_CHARS)).is_ok(),
            "the limit counts characters, not bytes"
        );
        assert!(matches!(
            validate("c1", &"a".repeat(MAX_BODY_CHARS + 1)),
            Err(SendError::BodyTooLong(100_001))
        ));
    }

    #[test]
    fn client_ids_are_bounded() {
        assert!(matches!(
            validate("", "hi"),
            Err(SendError::InvalidClientId)
        ));
        assert!(matches!(
            validate(&"x".repeat(65), "hi"),
            Err(SendError::InvalidClientId)
        ));
        assert!(validate(&"x".repeat(64), "hi").is_ok());
    }
}

//! The batch planner: a pure function deciding, before anything is written, which requests of a
//! batch are refused, which are retries and which get new seqs (and in what order), so the
//! rules are unit tested without a database.

use std::collections::HashMap;

use uuid::Uuid;

use super::types::{Message, Outgoing, SendError, validate};

/// What the batch planner decided for one request, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Plan {
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
pub(super) enum Refusal {
    BodyEmpty,
    BodyTooLong(usize),
    BodyHasNul,
    InvalidClientId,
    NotMember,
    ClientIdReused,
}

impl From<Refusal> for SendError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::BodyEmpty => SendError::BodyEmpty,
            Refusal::BodyTooLong(n) => SendError::BodyTooLong(n),
            Refusal::BodyHasNul => SendError::BodyHasNul,
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
pub(super) fn plan_batch(
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
                SendError::BodyHasNul => Refusal::BodyHasNul,
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

/// The position of each request among its conversation's new messages (batch order) and the
/// new messages per conversation, if the batch can take the fast path: [`plan_batch`] with
/// everyone a member and nothing stored yet finds every request new (none invalid, no
/// `(sender, client_id)` twice).
pub(super) fn plan_all_new(batch: &[Outgoing]) -> Option<(Vec<i64>, HashMap<Uuid, i64>)> {
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

#[cfg(test)]
mod tests {
    use chrono::Utc;

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
}

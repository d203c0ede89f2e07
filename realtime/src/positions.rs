//! Coalescing of delivered/read positions. Every device acknowledges what it received, which
//! at full load is tens of thousands of updates a second; they are merged in memory (keeping the
//! highest) and written in one statement per flush.

use std::collections::HashMap;

use models::conversation::Position;
use uuid::Uuid;

/// Positions waiting to be stored, at most one entry per (conversation, user).
#[derive(Debug, Default)]
pub struct PendingPositions {
    entries: HashMap<(Uuid, Uuid), (i64, i64)>,
}

impl PendingPositions {
    /// Records that `user` has received up to `delivered` (and read up to `read`) in
    /// `conversation`; lower values than already pending are ignored.
    pub fn record(&mut self, conversation: Uuid, user: Uuid, delivered: i64, read: i64) {
        let entry = self.entries.entry((conversation, user)).or_insert((0, 0));
        entry.0 = entry.0.max(delivered).max(read);
        entry.1 = entry.1.max(read);
    }

    /// Takes everything pending, leaving the set empty.
    pub fn drain(&mut self) -> Vec<Position> {
        self.entries
            .drain()
            .map(
                |((conversation_id, user_id), (delivered_seq, read_seq))| Position {
                    conversation_id,
                    user_id,
                    delivered_seq,
                    read_seq,
                },
            )
            .collect()
    }

    /// Number of pending entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_for_the_same_member_merge_to_the_highest() {
        let (c, u) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut pending = PendingPositions::default();
        pending.record(c, u, 5, 0);
        pending.record(c, u, 3, 0);
        pending.record(c, u, 0, 2);
        assert_eq!(pending.len(), 1);
        let drained = pending.drain();
        assert_eq!(drained[0].delivered_seq, 5);
        assert_eq!(drained[0].read_seq, 2);
        assert!(pending.is_empty());
    }

    #[test]
    fn reading_implies_delivery() {
        let (c, u) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut pending = PendingPositions::default();
        pending.record(c, u, 0, 7);
        let drained = pending.drain();
        assert_eq!((drained[0].delivered_seq, drained[0].read_seq), (7, 7));
    }

    #[test]
    fn members_and_conversations_are_kept_apart() {
        let mut pending = PendingPositions::default();
        pending.record(Uuid::from_u128(1), Uuid::from_u128(2), 1, 0);
        pending.record(Uuid::from_u128(1), Uuid::from_u128(3), 1, 0);
        pending.record(Uuid::from_u128(4), Uuid::from_u128(2), 1, 0);
        assert_eq!(pending.len(), 3);
    }
}

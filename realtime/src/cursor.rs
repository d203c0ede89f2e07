//! Per-connection message sequencing. Each connection remembers, per conversation, the highest
//! seq it has delivered; a message is delivered only if it is the next one, so a device never
//! sees a duplicate and never a gap (missing messages are fetched first).

use std::collections::HashMap;

use uuid::Uuid;

/// What to do with a message that arrived for a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// It is the next one: deliver it.
    Deliver,
    /// Already delivered (or older): drop it.
    Duplicate,
    /// Messages `after + 1 ..= up_to` must be delivered first (fetch them), then this one.
    Gap {
        /// The last seq delivered.
        after: i64,
        /// The last missing seq.
        up_to: i64,
    },
    /// The connection does not follow this conversation (not synced, or removed).
    NotFollowed,
}

/// The delivered position of one connection in every conversation it follows.
#[derive(Debug, Default, Clone)]
pub struct Cursors {
    positions: HashMap<Uuid, i64>,
}

impl Cursors {
    /// Follows a conversation from `seq` (the last seq already known to the client).
    pub fn follow(&mut self, conversation: Uuid, seq: i64) {
        self.positions.insert(conversation, seq.max(0));
    }

    /// Stops following a conversation.
    pub fn unfollow(&mut self, conversation: Uuid) {
        self.positions.remove(&conversation);
    }

    /// The last delivered seq, if followed.
    pub fn position(&self, conversation: Uuid) -> Option<i64> {
        self.positions.get(&conversation).copied()
    }

    /// Decides what to do with message `seq` of `conversation`.
    pub fn admit(&self, conversation: Uuid, seq: i64) -> Admission {
        match self.positions.get(&conversation) {
            None => Admission::NotFollowed,
            Some(&at) if seq <= at => Admission::Duplicate,
            Some(&at) if seq == at + 1 => Admission::Deliver,
            Some(&at) => Admission::Gap {
                after: at,
                up_to: seq - 1,
            },
        }
    }

    /// Records that `seq` was delivered; positions never move backwards.
    pub fn delivered(&mut self, conversation: Uuid, seq: i64) {
        if let Some(at) = self.positions.get_mut(&conversation) {
            *at = (*at).max(seq);
        }
    }

    /// The conversations followed.
    pub fn followed(&self) -> Vec<Uuid> {
        self.positions.keys().copied().collect()
    }

    /// How many conversations are followed.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// Whether no conversation is followed.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_message_is_delivered_and_advances_the_cursor() {
        let c = Uuid::from_u128(1);
        let mut cursors = Cursors::default();
        cursors.follow(c, 4);
        assert_eq!(cursors.admit(c, 5), Admission::Deliver);
        cursors.delivered(c, 5);
        assert_eq!(cursors.position(c), Some(5));
        assert_eq!(cursors.admit(c, 6), Admission::Deliver);
    }

    #[test]
    fn old_or_repeated_messages_are_duplicates() {
        let c = Uuid::from_u128(1);
        let mut cursors = Cursors::default();
        cursors.follow(c, 4);
        assert_eq!(cursors.admit(c, 4), Admission::Duplicate);
        assert_eq!(cursors.admit(c, 1), Admission::Duplicate);
    }

    #[test]
    fn a_message_ahead_reports_the_missing_range() {
        let c = Uuid::from_u128(1);
        let mut cursors = Cursors::default();
        cursors.follow(c, 4);
        assert_eq!(cursors.admit(c, 8), Admission::Gap { after: 4, up_to: 7 });
        cursors.delivered(c, 8);
        assert_eq!(
            cursors.admit(c, 5),
            Admission::Duplicate,
            "filled gaps are not delivered twice"
        );
    }

    #[test]
    fn unfollowed_conversations_are_ignored_and_cursors_never_go_back() {
        let c = Uuid::from_u128(1);
        let mut cursors = Cursors::default();
        assert_eq!(cursors.admit(c, 1), Admission::NotFollowed);
        cursors.follow(c, -3);
        assert_eq!(
            cursors.position(c),
            Some(0),
            "negative positions are clamped"
        );
        cursors.delivered(c, 3);
        cursors.delivered(c, 2);
        assert_eq!(cursors.position(c), Some(3));
        cursors.unfollow(c);
        assert_eq!(cursors.admit(c, 4), Admission::NotFollowed);
        assert!(cursors.is_empty());
    }
}

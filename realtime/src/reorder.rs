//! Pure holding of messages that reach a connection ahead of their turn. With several nodes,
//! a conversation's messages come from different writers: seq 6 stored on this node can be
//! published here before seq 5, stored a moment earlier on another node, arrives over the bus.
//! Fetching the gap from the database at once would cost one query per device for what the
//! bus delivers a millisecond later, so a message ahead waits here for up to [`HOLD_FOR`]; the
//! gap is filled from the database only when the wait runs out (or too much waits), never
//! skipped.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use tokio::time::Instant;
use uuid::Uuid;

/// How long a message ahead of a gap waits for the missing ones before they are fetched.
pub const HOLD_FOR: Duration = Duration::from_millis(100);

/// Most messages held per conversation; one more and the gap is fetched at once.
pub const MAX_HELD: usize = 64;

/// What became of a message offered to [`Reorder::hold`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Kept until the gap before it fills or its wait runs out.
    Kept,
    /// Too many are waiting in this conversation: fill the gap now, up to this seq (the
    /// highest held, or the offered one).
    FillNow(i64),
}

/// Messages waiting in one conversation.
#[derive(Debug)]
struct Waiting<T> {
    /// When the wait runs out (set by the first message held).
    until: Instant,
    messages: BTreeMap<i64, T>,
}

/// The messages one connection holds, per conversation, each with its payload `T`.
#[derive(Debug)]
pub struct Reorder<T> {
    waiting: HashMap<Uuid, Waiting<T>>,
}

impl<T> Default for Reorder<T> {
    fn default() -> Self {
        Self {
            waiting: HashMap::new(),
        }
    }
}

impl<T> Reorder<T> {
    /// Holds message `seq` of `conversation`, which arrived ahead of a gap, at time `now`.
    pub fn hold(&mut self, conversation: Uuid, seq: i64, payload: T, now: Instant) -> Hold {
        let waiting = self.waiting.entry(conversation).or_insert_with(|| Waiting {
            until: now + HOLD_FOR,
            messages: BTreeMap::new(),
        });
        if waiting.messages.len() >= MAX_HELD {
            let highest = waiting.messages.keys().next_back().copied().unwrap_or(seq);
            return Hold::FillNow(highest.max(seq));
        }
        waiting.messages.insert(seq, payload);
        Hold::Kept
    }

    /// The held messages of `conversation` that now follow on from `position` (the last seq
    /// delivered), in order; those at or before it are dropped as duplicates. The wait ends
    /// when nothing is left.
    pub fn ready(&mut self, conversation: Uuid, mut position: i64) -> Vec<(i64, T)> {
        let Some(waiting) = self.waiting.get_mut(&conversation) else {
            return Vec::new();
        };
        let later = waiting.messages.split_off(&(position + 1));
        waiting.messages = later;
        let mut ready = Vec::new();
        while let Some(payload) = waiting.messages.remove(&(position + 1)) {
            position += 1;
            ready.push((position, payload));
        }
        if waiting.messages.is_empty() {
            self.waiting.remove(&conversation);
        }
        ready
    }

    /// When the earliest wait runs out, if anything is held.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.waiting.values().map(|w| w.until).min()
    }

    /// The conversations whose wait has run out at `now`, each with the highest seq held: the
    /// gap up to it is to be fetched from the database (then [`Reorder::ready`] drops them).
    pub fn expired(&self, now: Instant) -> Vec<(Uuid, i64)> {
        self.waiting
            .iter()
            .filter(|(_, w)| w.until <= now)
            .filter_map(|(c, w)| w.messages.keys().next_back().map(|seq| (*c, *seq)))
            .collect()
    }

    /// Drops whatever is held for `conversation` (no longer followed).
    pub fn forget(&mut self, conversation: Uuid) {
        self.waiting.remove(&conversation);
    }

    /// How many messages are held in all.
    pub fn len(&self) -> usize {
        self.waiting.values().map(|w| w.messages.len()).sum()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Uuid = Uuid::from_u128(1);

    #[test]
    fn a_held_message_is_released_in_order_once_the_gap_fills() {
        let now = Instant::now();
        let mut held = Reorder::default();
        assert_eq!(held.hold(C, 7, "seven", now), Hold::Kept);
        assert_eq!(held.hold(C, 6, "six", now), Hold::Kept);
        assert!(held.ready(C, 4).is_empty(), "5 is still missing");
        // 5 arrives and is delivered: 6 and 7 follow, in order.
        assert_eq!(held.ready(C, 5), vec![(6, "six"), (7, "seven")]);
        assert!(held.is_empty() && held.next_deadline().is_none());
    }

    #[test]
    fn messages_at_or_before_the_position_are_dropped_as_duplicates() {
        let now = Instant::now();
        let mut held = Reorder::default();
        held.hold(C, 6, "six", now);
        held.hold(C, 9, "nine", now);
        // A fill from the database went up to 7: 6 is a duplicate, 9 still waits for 8.
        assert!(held.ready(C, 7).is_empty());
        assert_eq!(held.len(), 1);
        assert_eq!(held.ready(C, 8), vec![(9, "nine")]);
    }

    #[test]
    fn the_wait_runs_out_after_hold_for_with_the_highest_seq_to_fetch() {
        let now = Instant::now();
        let mut held = Reorder::default();
        held.hold(C, 6, (), now);
        held.hold(C, 8, (), now + Duration::from_millis(50));
        assert_eq!(
            held.next_deadline(),
            Some(now + HOLD_FOR),
            "set by the first"
        );
        assert!(
            held.expired(now + HOLD_FOR - Duration::from_millis(1))
                .is_empty()
        );
        assert_eq!(held.expired(now + HOLD_FOR), vec![(C, 8)]);
    }

    #[test]
    fn too_many_waiting_asks_for_the_gap_now() {
        let now = Instant::now();
        let mut held = Reorder::default();
        for seq in 0..MAX_HELD as i64 {
            assert_eq!(held.hold(C, 10 + seq, (), now), Hold::Kept);
        }
        let highest = 10 + MAX_HELD as i64 - 1;
        assert_eq!(held.hold(C, 5, (), now), Hold::FillNow(highest));
        assert_eq!(held.hold(C, 500, (), now), Hold::FillNow(500));
        assert_eq!(held.len(), MAX_HELD, "nothing more is kept");
    }

    #[test]
    fn conversations_wait_independently_and_can_be_forgotten() {
        let now = Instant::now();
        let other = Uuid::from_u128(2);
        let mut held = Reorder::default();
        held.hold(C, 3, (), now);
        held.hold(other, 9, (), now + Duration::from_millis(30));
        held.forget(C);
        assert_eq!(held.len(), 1);
        assert_eq!(
            held.next_deadline(),
            Some(now + Duration::from_millis(30) + HOLD_FOR)
        );
        assert!(held.ready(C, 2).is_empty());
    }
}

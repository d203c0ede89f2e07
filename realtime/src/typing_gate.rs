//! Which typing signals are worth relaying: a change (started or stopped), or a refresh of an
//! ongoing "typing" once the receivers' indicator needs it, and never more than one per
//! [`MIN_GAP`] per user and conversation, so a client sending typing frames in a loop reaches
//! nobody more than about once a second. A change that comes too soon is not lost: it is
//! relayed when the gap is over (if it still is a change then).

use std::time::{Duration, Instant};

/// The least time between two relayed typing signals of one user in one conversation.
pub const MIN_GAP: Duration = Duration::from_secs(1);
/// An unchanged "typing" is relayed again after this long (receivers' indicators expire later).
pub const REFRESH: Duration = Duration::from_secs(2);

/// The last relayed signal of one user in one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relayed {
    /// Whether it said "typing".
    pub active: bool,
    /// When it was relayed.
    pub at: Instant,
}

/// What to do with a typing signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Relay it now.
    Relay,
    /// A change that came too soon: relay the latest state at this instant.
    Later(Instant),
    /// Nothing new: drop it.
    Drop,
}

/// What to do with `active` at `now`, given the last relayed signal.
pub fn decide(last: Option<Relayed>, active: bool, now: Instant) -> Decision {
    let Some(last) = last else {
        return Decision::Relay;
    };
    let since = now.saturating_duration_since(last.at);
    let changed = last.active != active;
    if since < MIN_GAP {
        return if changed {
            Decision::Later(last.at + MIN_GAP)
        } else {
            Decision::Drop
        };
    }
    if changed || (active && since >= REFRESH) {
        Decision::Relay
    } else {
        Decision::Drop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_pass_repeats_do_not_and_nothing_passes_twice_a_second() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let typing = Some(Relayed {
            active: true,
            at: t0,
        });
        assert_eq!(
            decide(None, true, t0),
            Decision::Relay,
            "the first signal passes"
        );
        assert_eq!(
            decide(typing, true, at(500)),
            Decision::Drop,
            "a repeat is dropped"
        );
        assert_eq!(
            decide(typing, false, at(500)),
            Decision::Later(at(1000)),
            "a change waits for the second to be over"
        );
        assert_eq!(
            decide(typing, false, at(1000)),
            Decision::Relay,
            "a change passes"
        );
        assert_eq!(
            decide(typing, true, at(1500)),
            Decision::Drop,
            "no refresh yet"
        );
        assert_eq!(
            decide(typing, true, at(2000)),
            Decision::Relay,
            "a refresh passes"
        );
        let stopped = Some(Relayed {
            active: false,
            at: t0,
        });
        assert_eq!(
            decide(stopped, false, at(5000)),
            Decision::Drop,
            "a repeated stop never passes"
        );
    }
}

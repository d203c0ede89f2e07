//! Which typing signals are worth relaying: a change (started or stopped), or a refresh of an
//! ongoing "typing" once the receivers' indicator needs it, and never more than one per
//! [`MIN_GAP`] per user and conversation, so a client sending typing frames in a loop reaches
//! nobody more than about once a second.

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

/// Whether to relay `active` at `now`, given the last relayed signal.
pub fn should_relay(last: Option<Relayed>, active: bool, now: Instant) -> bool {
    let Some(last) = last else {
        return true;
    };
    let since = now.saturating_duration_since(last.at);
    if since < MIN_GAP {
        return false;
    }
    last.active != active || (active && since >= REFRESH)
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
        assert!(should_relay(None, true, t0), "the first signal passes");
        assert!(!should_relay(typing, true, at(500)), "a repeat is dropped");
        assert!(
            !should_relay(typing, false, at(500)),
            "even a change waits a second"
        );
        assert!(should_relay(typing, false, at(1000)), "a change passes");
        assert!(!should_relay(typing, true, at(1500)), "no refresh yet");
        assert!(should_relay(typing, true, at(2000)), "a refresh passes");
        let stopped = Some(Relayed {
            active: false,
            at: t0,
        });
        assert!(
            !should_relay(stopped, false, at(5000)),
            "a repeated stop never passes"
        );
    }
}

//! Free-slot generation and the timing rules of a booking.
//!
//! Slots are laid out in the lecturer's local time (so "Tuesday 14:00" stays 14:00 across a DST
//! change) and then turned into UTC instants. A local time that does not exist (the hour skipped
//! in spring) yields no slot; an ambiguous one (the hour repeated in autumn) takes its first
//! occurrence.
//!
//! - `interval`: the `[start, end)` span a slot and a booking occupy ([`Interval`]).
//! - `generate`: laying out candidate slots and keeping the free ones ([`free_slots`]).
//! - `timing`: whether a requested start may be booked, and why not ([`check_start`]).

mod generate;
mod interval;
mod timing;

#[cfg(test)]
mod fixtures;

pub use generate::{candidate_slots, free_slots, resolve_local};
pub use interval::{Interval, Slot};
pub use timing::{TimingRefusal, check_start};

//! Free-slot computation for one lecturer over 8 weeks (target: under 5 ms per call).
//! Run: `cargo bench -p scheduler --bench slots`.

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use scheduler::{Availability, DateException, Interval, WeeklyWindow, free_slots};

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

fn main() {
    // A busy lecturer: two windows on every weekday, 20-minute slots, 5-minute buffers, ten
    // date exceptions and 120 bookings in the range (about a third of the slots).
    let mut weekly = Vec::new();
    for weekday in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ] {
        weekly.push(WeeklyWindow {
            weekday,
            start: time(9, 0),
            end: time(12, 0),
        });
        weekly.push(WeeklyWindow {
            weekday,
            start: time(14, 0),
            end: time(17, 0),
        });
    }
    let first = NaiveDate::from_ymd_opt(2026, 11, 30).expect("valid date");
    let exceptions = (0..10)
        .map(|i| DateException::Off {
            date: first + Duration::days(i * 5),
            hours: Some((time(9, 0), time(10, 0))),
        })
        .collect();
    let availability = Availability {
        time_zone: chrono_tz::Europe::London,
        slot: Duration::minutes(20),
        buffer: Duration::minutes(5),
        min_notice: Duration::hours(2),
        horizon: Duration::days(90),
        weekly,
        exceptions,
    };
    let now: DateTime<Utc> = "2026-11-29T00:00:00Z".parse().expect("valid instant");
    let from = now;
    let to = now + Duration::weeks(8);
    let all = free_slots(&availability, &[], from, to, now);
    let busy: Vec<Interval> = all
        .iter()
        .step_by(3)
        .take(120)
        .map(|s| Interval::new(s.start, s.end + availability.buffer))
        .collect();

    let mut samples: Vec<StdDuration> = Vec::with_capacity(2000);
    let mut slots = 0;
    for _ in 0..2000 {
        let started = Instant::now();
        let free = free_slots(black_box(&availability), black_box(&busy), from, to, now);
        samples.push(started.elapsed());
        slots = free.len();
    }
    samples.sort();
    let mean = samples.iter().sum::<StdDuration>() / u32::try_from(samples.len()).unwrap_or(1);
    let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    println!(
        "free slots over 8 weeks: {} candidate, {} busy, {slots} free",
        all.len(),
        busy.len()
    );
    println!(
        "per call over {} runs: mean {:?}, p50 {:?}, p99 {:?}, max {:?} (target < 5 ms)",
        samples.len(),
        mean,
        p(0.5),
        p(0.99),
        samples[samples.len() - 1]
    );
}

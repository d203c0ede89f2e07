//! What a measurement phase counts (sends, acks, deliveries, order, latency) and its report.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use hdrhistogram::Histogram;
use tests::server_process::{cpu_percent, machine_percent};

use crate::Args;

/// Seconds of a phase the timeline covers.
const TIMELINE_SECONDS: usize = 600;

/// Latency histograms per phase are split in shards (by client) so the generator's threads do
/// not contend on one lock for every delivery.
const HISTOGRAM_SHARDS: usize = 16;

/// A latency histogram in µs: 1 µs to 2 minutes, three significant digits.
fn empty_histogram() -> Result<Histogram<u64>, hdrhistogram::CreationError> {
    Histogram::new_with_bounds(1, 120_000_000, 3)
}

/// Counters for one measurement phase.
pub(crate) struct Stats {
    pub(crate) sent: AtomicU64,
    pub(crate) acked: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) out_of_order: AtomicU64,
    latency_us: Vec<Mutex<Histogram<u64>>>,
    /// When the phase started (µs since the generator's clock base).
    pub(crate) started_us: AtomicU64,
    /// Slowest delivery (µs) of the messages sent in each second of the phase.
    worst_by_second: Vec<AtomicU64>,
}

impl Stats {
    pub(crate) fn new() -> anyhow::Result<Self> {
        let latency_us = (0..HISTOGRAM_SHARDS)
            .map(|_| empty_histogram().map(Mutex::new))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            sent: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            out_of_order: AtomicU64::new(0),
            latency_us,
            started_us: AtomicU64::new(0),
            worst_by_second: (0..TIMELINE_SECONDS).map(|_| AtomicU64::new(0)).collect(),
        })
    }

    /// Records one delivery of a message sent at `sent_us` that took `micros`.
    pub(crate) fn record_latency(&self, client: usize, sent_us: u64, micros: u64) {
        let second = sent_us.saturating_sub(self.started_us.load(Ordering::Relaxed)) / 1_000_000;
        if let Some(worst) = usize::try_from(second)
            .ok()
            .and_then(|s| self.worst_by_second.get(s))
        {
            worst.fetch_max(micros, Ordering::Relaxed);
        }
        if let Some(Ok(mut h)) = self
            .latency_us
            .get(client % HISTOGRAM_SHARDS)
            .map(Mutex::lock)
        {
            let _ = h.record(micros.max(1));
        }
    }

    /// All shards in one histogram.
    fn latency(&self) -> anyhow::Result<Histogram<u64>> {
        let mut all = empty_histogram()?;
        for shard in &self.latency_us {
            if let Ok(h) = shard.lock() {
                all.add(&*h)?;
            }
        }
        Ok(all)
    }
}

/// Adds one to a counter of phase `phase`.
pub(crate) fn count(stats: &[Stats], phase: u32, counter: fn(&Stats) -> &AtomicU64) {
    if let Some(s) = stats.get(phase as usize) {
        counter(s).fetch_add(1, Ordering::Relaxed);
    }
}

pub(crate) fn report(
    args: &Args,
    rate: f64,
    stats: &Stats,
    before: (u64, (u64, u64)),
    after: (u64, (u64, u64)),
) -> anyhow::Result<()> {
    let seconds = args.seconds as f64;
    let acked = stats.acked.load(Ordering::Relaxed);
    let expected = acked * (args.group_size as u64 - 1);
    let delivered = stats.delivered.load(Ordering::Relaxed);
    let lost = expected.saturating_sub(delivered);
    let h = stats.latency()?;
    let (p50, p90, p99, max) = if h.is_empty() {
        (0, 0, 0, 0)
    } else {
        (
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.9),
            h.value_at_quantile(0.99),
            h.max(),
        )
    };
    let server_cpu = cpu_percent(before.0, after.0, seconds);
    let machine_cpu = machine_percent(before.1, after.1);
    println!(
        "| {rate} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {lost} of {expected} | {} | {} | {server_cpu:.0}% | {machine_cpu:.0}% |",
        acked as f64 / seconds,
        delivered as f64 / seconds,
        p50 as f64 / 1000.0,
        p90 as f64 / 1000.0,
        p99 as f64 / 1000.0,
        max as f64 / 1000.0,
        stats.out_of_order.load(Ordering::Relaxed),
        stats.errors.load(Ordering::Relaxed)
            + stats.sent.load(Ordering::Relaxed).saturating_sub(acked),
    );
    Ok(())
}

/// Prints the slowest delivery of the messages sent in each of the phase's `seconds`.
pub(crate) fn print_timeline(stats: &Stats, seconds: u64) {
    let worst: Vec<String> = stats
        .worst_by_second
        .iter()
        .take(usize::try_from(seconds).unwrap_or(TIMELINE_SECONDS))
        .map(|w| format!("{:.0}", w.load(Ordering::Relaxed) as f64 / 1000.0))
        .collect();
    println!(
        "  slowest delivery per second sent (ms): {}",
        worst.join(" ")
    );
}

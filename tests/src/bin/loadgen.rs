//! Chat load generator: starts the release `chatterly` binary against a fresh database, seeds N
//! users in groups, connects N real WebSocket clients, and for each requested per-user rate
//! measures end-to-end delivery latency (send → `message` frame at every other member),
//! throughput, loss and ordering, plus server memory per idle connection and CPU.
//!
//! ```text
//! cargo build --release -p api -p tests --bins
//! target/release/loadgen --users 5000 --group-size 10 --rates 1,2,3 --seconds 20
//! ```

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use futures::{SinkExt as _, StreamExt as _};
use hdrhistogram::Histogram;
use serde::Deserialize;
use sqlx::postgres::PgPoolOptions;
use tests::server_process::{
    ServerArgs, ServerProcess, cpu_percent, cpu_ticks, machine_percent, machine_ticks, rss_kib,
    seed_user,
};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use uuid::Uuid;

/// Measures Chatterly's chat gateway under load.
#[derive(Parser, Debug)]
struct Args {
    /// Connected users (one WebSocket each).
    #[arg(long, default_value_t = 5000)]
    users: usize,
    /// Members per group conversation.
    #[arg(long, default_value_t = 10)]
    group_size: usize,
    /// Messages per second per user, one measurement phase per value.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    rates: Vec<f64>,
    /// Length of each phase.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// PostgreSQL and the server binary.
    #[command(flatten)]
    server: ServerArgs,
    /// Database pool size for the server.
    #[arg(long, default_value_t = 16)]
    db_connections: u32,
    /// Also print, per second of each phase, the slowest delivery of the messages sent in it
    /// (shows whether a tail comes from steady queueing or from a few stalls).
    #[arg(long)]
    timeline: bool,
}

/// Seconds of a phase the timeline covers.
const TIMELINE_SECONDS: usize = 600;

/// Clients whose connection ended during the run (each one is a failure: nothing should drop).
static DISCONNECTED: AtomicU64 = AtomicU64::new(0);

/// Latency histograms per phase are split in shards (by client) so the generator's threads do
/// not contend on one lock for every delivery.
const HISTOGRAM_SHARDS: usize = 16;

/// A latency histogram in µs: 1 µs to 2 minutes, three significant digits.
fn empty_histogram() -> Result<Histogram<u64>, hdrhistogram::CreationError> {
    Histogram::new_with_bounds(1, 120_000_000, 3)
}

/// Counters for one measurement phase.
struct Stats {
    sent: AtomicU64,
    acked: AtomicU64,
    errors: AtomicU64,
    delivered: AtomicU64,
    out_of_order: AtomicU64,
    latency_us: Vec<Mutex<Histogram<u64>>>,
    /// When the phase started (µs since the generator's clock base).
    started_us: AtomicU64,
    /// Slowest delivery (µs) of the messages sent in each second of the phase.
    worst_by_second: Vec<AtomicU64>,
}

impl Stats {
    fn new() -> anyhow::Result<Self> {
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
    fn record_latency(&self, client: usize, sent_us: u64, micros: u64) {
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

/// What the clients should be doing now. Phase 0 is the idle warm-up; phase `i` measures
/// `--rates[i - 1]` into `stats[i]`.
#[derive(Clone, Copy)]
struct Phase {
    id: u32,
    rate: f64,
    sending: bool,
}

#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(default)]
    seq: i64,
    #[serde(default)]
    sender: Option<Uuid>,
    #[serde(default)]
    body: Option<&'a str>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.group_size < 2 || args.users < args.group_size {
        bail!("need --group-size >= 2 and --users >= --group-size");
    }
    let server = ServerProcess::start(
        &args.server.postgres,
        "chatterly_loadgen",
        args.server.server_bin.clone(),
        &[
            ("CHATTERLY_MESSAGES_PER_SECOND", "1000".to_owned()),
            (
                "CHATTERLY_DB_MAX_CONNECTIONS",
                args.db_connections.to_string(),
            ),
        ],
    )
    .await?;
    let result = run(&args, server.pid(), server.addr, &server.db_url).await;
    server.stop();
    result
}

async fn run(
    args: &Args,
    pid: u32,
    addr: std::net::SocketAddr,
    db_url: &str,
) -> anyhow::Result<()> {
    let tokens = seed(db_url, args.users, args.group_size).await?;
    println!(
        "seeded {} users in groups of {}",
        args.users, args.group_size
    );

    let base = Instant::now();
    let stats: Arc<Vec<Stats>> = Arc::new(
        (0..=args.rates.len())
            .map(|_| Stats::new())
            .collect::<anyhow::Result<_>>()?,
    );
    let first = Phase {
        id: 0,
        rate: 0.0,
        sending: false,
    };
    let (phase_tx, phase_rx) = watch::channel(first);
    let clients_ctx = Clients {
        addr,
        base,
        phase: phase_rx,
        stats: stats.clone(),
    };
    let connect_started = Instant::now();
    // A first tenth warms the server up (pool connections, caches, allocator arenas); memory
    // per connection is measured over the rest.
    let mut rest = tokens;
    let warm: Vec<Seeded> = rest.drain(..(rest.len() / 10).max(1)).collect();
    let measured = rest.len();
    let mut clients = connect_all(&clients_ctx, warm).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_before = rss_kib(pid)?;
    // (connections, RSS in KiB) after each step, for a fitted slope: less sensitive to where
    // the allocator happened to stand at the two end points.
    let mut samples = vec![(clients.len() as f64, rss_before as f64)];
    // Connected in steps, as people arrive, rather than in one storm whose transient
    // allocations would stay counted in the allocator's high-water mark.
    while !rest.is_empty() {
        let step: Vec<Seeded> = rest.drain(..rest.len().min(500)).collect();
        clients.extend(connect_all(&clients_ctx, step).await?);
        tokio::time::sleep(Duration::from_millis(300)).await;
        samples.push((clients.len() as f64, rss_kib(pid)? as f64));
    }
    println!(
        "connected {} clients in {:.1} s",
        clients.len(),
        connect_started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_after = rss_kib(pid)?;
    let per_connection =
        (rss_after.saturating_sub(rss_before) as f64 * 1024.0) / measured.max(1) as f64;
    println!(
        "server RSS: {:.1} MiB with {} idle connections, {:.1} MiB with {} => {:.0} bytes per idle connection",
        rss_before as f64 / 1024.0,
        clients.len() - measured,
        rss_after as f64 / 1024.0,
        clients.len(),
        per_connection
    );
    println!(
        "  fitted over {} steps: {:.0} bytes per idle connection",
        samples.len(),
        slope(&samples) * 1024.0
    );

    println!();
    println!(
        "| msgs/s per user | sent msgs/s | deliveries/s | p50 ms | p90 ms | p99 ms | max ms | lost | out of order | send errors | server CPU | machine CPU |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (i, rate) in args.rates.iter().enumerate() {
        let id = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let cpu_before = (cpu_ticks(pid)?, machine_ticks()?);
        if let Some(s) = stats.get(i + 1) {
            s.started_us.store(
                u64::try_from(base.elapsed().as_micros()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
        }
        phase_tx.send_replace(Phase {
            id,
            rate: *rate,
            sending: true,
        });
        tokio::time::sleep(Duration::from_secs(args.seconds)).await;
        phase_tx.send_replace(Phase {
            id,
            rate: *rate,
            sending: false,
        });
        let cpu_after = (cpu_ticks(pid)?, machine_ticks()?);
        // Let in-flight messages arrive before counting.
        tokio::time::sleep(Duration::from_secs(3)).await;
        if let Some(stats) = stats.get(i + 1) {
            report(args, *rate, stats, cpu_before, cpu_after)?;
            if args.timeline {
                let worst: Vec<String> = stats
                    .worst_by_second
                    .iter()
                    .take(usize::try_from(args.seconds).unwrap_or(TIMELINE_SECONDS))
                    .map(|w| format!("{:.0}", w.load(Ordering::Relaxed) as f64 / 1000.0))
                    .collect();
                println!(
                    "  slowest delivery per second sent (ms): {}",
                    worst.join(" ")
                );
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    for c in clients {
        c.abort();
    }
    Ok(())
}

/// What every client shares: the server, the clock, the phase and the counters.
#[derive(Clone)]
struct Clients {
    addr: std::net::SocketAddr,
    base: Instant,
    phase: watch::Receiver<Phase>,
    stats: Arc<Vec<Stats>>,
}

/// Numbers clients (to pick a histogram shard).
static NEXT_CLIENT: AtomicUsize = AtomicUsize::new(0);

/// Connects and syncs one client per seeded user; returns once all are ready.
async fn connect_all(
    ctx: &Clients,
    users: Vec<Seeded>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut clients = Vec::with_capacity(users.len());
    let (ready_tx, mut ready_rx) =
        tokio::sync::mpsc::channel::<anyhow::Result<()>>(users.len().max(1));
    for seeded in users {
        let ctx = ctx.clone();
        let ready = ready_tx.clone();
        let index = NEXT_CLIENT.fetch_add(1, Ordering::Relaxed);
        clients.push(tokio::spawn(async move {
            if let Err(e) = client(ctx, index, seeded, ready.clone()).await {
                if ready.is_closed() {
                    DISCONNECTED.fetch_add(1, Ordering::Relaxed);
                    eprintln!("client failed: {e:#}");
                }
                let _ = ready.send(Err(e)).await;
            }
        }));
        // Pace connection set-up a little so the accept queue never overflows.
        if clients.len() % 200 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    drop(ready_tx);
    for _ in 0..clients.len() {
        match ready_rx.recv().await {
            Some(Ok(())) => {}
            Some(Err(e)) => bail!("a client failed to connect: {e:#}"),
            None => bail!("clients stopped before they were ready"),
        }
    }
    Ok(clients)
}

fn report(
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

/// One user's device: connects, syncs, then sends at the phase's rate and checks every delivery.
async fn client(
    ctx: Clients,
    index: usize,
    seeded: Seeded,
    ready: tokio::sync::mpsc::Sender<anyhow::Result<()>>,
) -> anyhow::Result<()> {
    let Clients {
        addr,
        base,
        phase: mut phase_rx,
        stats,
    } = ctx;
    let Seeded {
        user: me,
        token,
        conversation,
    } = seeded;
    let mut request = format!("ws://{addr}/api/v1/ws").into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    // tungstenite zero-fills its whole read buffer before every read (128 KiB by default):
    // with 5,000 clients that memset was over half the generator's CPU. Frames here are
    // a few hundred bytes, so a small buffer reads them as well.
    let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
    // Browsers disable Nagle on WebSockets too.
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
        .await
        .context("connect")?;
    ws.send(Message::Text(r#"{"type":"sync","cursors":{}}"#.into()))
        .await?;
    let mut last_seq: i64;
    loop {
        let Some(frame) = ws.next().await else {
            bail!("closed before synced")
        };
        if let Message::Text(text) = frame? {
            let frame: Frame<'_> = serde_json::from_str(text.as_str())?;
            if frame.kind == "synced" {
                last_seq = frame.seq;
                break;
            }
        }
    }
    ready.send(Ok(())).await.ok();
    drop(ready);

    let mut phase = *phase_rx.borrow();
    let mut next_send: Option<tokio::time::Instant> = None;
    let mut counter = 0u64;
    // One timer, reset after each send (a new timer per turn would cost the generator CPU
    // the server needs).
    let timer = tokio::time::sleep(Duration::from_secs(3600));
    tokio::pin!(timer);
    loop {
        tokio::select! {
            changed = phase_rx.changed() => {
                if changed.is_err() { return Ok(()); }
                phase = *phase_rx.borrow();
                next_send = (phase.sending && phase.rate > 0.0).then(|| {
                    // A random phase offset spreads senders evenly over the interval.
                    let period = 1.0 / phase.rate;
                    tokio::time::Instant::now() + Duration::from_secs_f64(rand::random::<f64>() * period)
                });
                if let Some(at) = next_send {
                    timer.as_mut().reset(at);
                }
            }
            () = &mut timer, if next_send.is_some() => {
                counter += 1;
                let micros = base.elapsed().as_micros();
                ws.send(Message::Text(send_frame(conversation, me, counter, phase.id, micros).into())).await?;
                if let Some(s) = stats.get(phase.id as usize) {
                    s.sent.fetch_add(1, Ordering::Relaxed);
                }
                let period = Duration::from_secs_f64(1.0 / phase.rate);
                next_send = next_send.map(|at| at + period);
                if let Some(at) = next_send {
                    timer.as_mut().reset(at);
                }
            }
            frame = ws.next() => {
                let Some(frame) = frame else { bail!("server closed the connection") };
                let Message::Text(text) = frame? else { continue };
                let frame: Frame<'_> = serde_json::from_str(text.as_str())?;
                match frame.kind {
                    "ack" => count(&stats, phase.id, |s| &s.acked),
                    "error" => count(&stats, phase.id, |s| &s.errors),
                    "message" => {
                        if frame.seq != last_seq + 1 {
                            count(&stats, phase.id, |s| &s.out_of_order);
                        }
                        last_seq = frame.seq;
                        if frame.sender == Some(me) { continue; }
                        let Some((id, micros)) = frame.body.and_then(parse_body) else { continue };
                        // Counted in the sender's phase (the body says which), not this task's
                        // copy: a fast sender's message can arrive before this task has seen
                        // the phase change.
                        if id != 0 && let Some(s) = stats.get(id as usize) {
                            s.delivered.fetch_add(1, Ordering::Relaxed);
                            let now = base.elapsed().as_micros();
                            s.record_latency(
                                index,
                                u64::try_from(micros).unwrap_or(u64::MAX),
                                u64::try_from(now.saturating_sub(micros)).unwrap_or(u64::MAX),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Least-squares slope of `y` over `x`.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), (x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    if den == 0.0 { 0.0 } else { num / den }
}

/// Adds one to a counter of phase `phase`.
fn count(stats: &[Stats], phase: u32, counter: fn(&Stats) -> &AtomicU64) {
    if let Some(s) = stats.get(phase as usize) {
        counter(s).fetch_add(1, Ordering::Relaxed);
    }
}

/// A `send` frame whose body carries the phase and the send time (µs since `base`).
fn send_frame(conversation: Uuid, me: Uuid, counter: u64, phase: u32, micros: u128) -> String {
    format!(
        r#"{{"type":"send","conversation":"{conversation}","client_id":"{me}-{counter}","body":"p{phase}:{micros}"}}"#
    )
}

fn parse_body(body: &str) -> Option<(u32, u128)> {
    let (phase, micros) = body.strip_prefix('p')?.split_once(':')?;
    Some((phase.parse().ok()?, micros.parse().ok()?))
}

/// A seeded user: who, their bearer token, and their group.
struct Seeded {
    user: Uuid,
    token: String,
    conversation: Uuid,
}

/// Creates users, their API sessions and the groups.
async fn seed(db_url: &str, users: usize, group_size: usize) -> anyhow::Result<Vec<Seeded>> {
    let db = PgPoolOptions::new()
        .max_connections(8)
        .connect(db_url)
        .await?;
    let hash = models::password::hash_password("loadgen password")?;
    let mut ids = Vec::with_capacity(users);
    let mut tokens = Vec::with_capacity(users);
    for i in 0..users {
        let (id, token) = seed_user(
            &db,
            format!("user{i}@load.test"),
            format!("User {i}"),
            &hash,
            "loadgen",
        )
        .await?;
        ids.push(id);
        tokens.push(token);
    }
    let mut seeded = Vec::with_capacity(users);
    // Users left over after the last full group are not connected.
    for (group, tokens) in ids
        .chunks_exact(group_size)
        .zip(tokens.chunks_exact(group_size))
    {
        let conversation =
            models::conversation::create_group(&db, group[0], "Load group", &group[1..]).await?;
        for (user, token) in group.iter().zip(tokens) {
            seeded.push(Seeded {
                user: *user,
                token: token.clone(),
                conversation,
            });
        }
    }
    db.close().await;
    Ok(seeded)
}

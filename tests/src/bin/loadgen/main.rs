//! Chat load generator: starts the release `chatterly` binary against a fresh database, seeds N
//! users in groups, connects N real WebSocket clients, and for each requested per-user rate
//! measures end-to-end delivery latency (send → `message` frame at every other member),
//! throughput, loss and ordering, plus server memory per idle connection and CPU.
//!
//! ```text
//! cargo build --release -p api -p tests --bins
//! target/release/loadgen --users 5000 --group-size 10 --rates 1,2,3 --seconds 20
//! target/release/loadgen --users 5000 --nodes 2 --rates 1    # two processes sharing NATS
//! ```
//!
//! With `--nodes N` (N > 1) it starts a private `nats-server` and N server processes on the one
//! database, and spreads the clients over them round-robin: most deliveries then cross the bus.
//! CPU is the sum of the server processes; NATS's own CPU is printed after each phase.

mod client;
mod seed;
mod stats;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Parser;
use tests::server_process::{ServerArgs, ServerProcess, cpu_ticks, machine_ticks, rss_kib};
use tokio::sync::watch;

use crate::client::{Clients, Phase, connect_all};
use crate::seed::{Seeded, seed};
use crate::stats::{Stats, print_timeline, report};

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
    /// Server processes sharing the database and a private NATS (1: one process, no bus).
    #[arg(long, default_value_t = 1)]
    nodes: usize,
    /// Also print, per second of each phase, the slowest delivery of the messages sent in it
    /// (shows whether a tail comes from steady queueing or from a few stalls).
    #[arg(long)]
    timeline: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.group_size < 2 || args.users < args.group_size {
        bail!("need --group-size >= 2 and --users >= --group-size");
    }
    let nats = (args.nodes > 1).then(tests::nodes::NatsServer::start);
    let mut env = vec![
        ("CHATTERLY_MESSAGES_PER_SECOND", "1000".to_owned()),
        (
            "CHATTERLY_DB_MAX_CONNECTIONS",
            args.db_connections.to_string(),
        ),
    ];
    if let Some(nats) = &nats {
        env.push(("CHATTERLY_NATS_URL", nats.url()));
    }
    let first = ServerProcess::start(
        &args.server.postgres,
        "chatterly_loadgen",
        args.server.server_bin.clone(),
        &env,
    )
    .await?;
    let mut servers = vec![first];
    for _ in 1..args.nodes.max(1) {
        let db_url = servers[0].db_url.clone();
        servers.push(ServerProcess::join(db_url, args.server.server_bin.clone(), &env).await?);
    }
    let procs = Procs {
        servers: servers.iter().map(ServerProcess::pid).collect(),
        nats: nats.as_ref().and_then(tests::nodes::NatsServer::pid),
    };
    let addrs = servers.iter().map(|s| s.addr).collect();
    let db_url = servers[0].db_url.clone();
    let result = run(&args, &procs, addrs, &db_url).await;
    for server in servers {
        server.stop();
    }
    result
}

/// The processes whose CPU and memory are measured.
struct Procs {
    servers: Vec<u32>,
    nats: Option<u32>,
}

impl Procs {
    /// CPU ticks of every server process together.
    fn server_ticks(&self) -> anyhow::Result<u64> {
        self.servers.iter().map(|pid| cpu_ticks(*pid)).sum()
    }

    /// Resident memory of every server process together, in KiB.
    fn server_rss(&self) -> anyhow::Result<u64> {
        self.servers.iter().map(|pid| rss_kib(*pid)).sum()
    }
}

async fn run(
    args: &Args,
    procs: &Procs,
    addrs: Vec<std::net::SocketAddr>,
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
        addrs: Arc::new(addrs),
        base,
        phase: phase_rx,
        stats: stats.clone(),
    };
    let clients = connect_measuring_memory(&clients_ctx, tokens, procs).await?;

    println!();
    println!(
        "| msgs/s per user | sent msgs/s | deliveries/s | p50 ms | p90 ms | p99 ms | max ms | lost | out of order | send errors | server CPU | machine CPU |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (i, rate) in args.rates.iter().enumerate() {
        measure_phase(args, procs, &clients_ctx, &phase_tx, i + 1, *rate).await?;
    }
    for c in clients {
        c.abort();
    }
    Ok(())
}

/// Connects a client per seeded user in steps, and prints the server's memory per idle
/// connection; returns the clients' tasks.
async fn connect_measuring_memory(
    clients_ctx: &Clients,
    tokens: Vec<Seeded>,
    procs: &Procs,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let connect_started = Instant::now();
    // A first tenth warms the server up (pool connections, caches, allocator arenas); memory
    // per connection is measured over the rest.
    let mut rest = tokens;
    let warm: Vec<Seeded> = rest.drain(..(rest.len() / 10).max(1)).collect();
    let measured = rest.len();
    let mut clients = connect_all(clients_ctx, warm).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_before = procs.server_rss()?;
    // (connections, RSS in KiB) after each step, for a fitted slope: less sensitive to where
    // the allocator happened to stand at the two end points.
    let mut samples = vec![(clients.len() as f64, rss_before as f64)];
    // Connected in steps, as people arrive, rather than in one storm whose transient
    // allocations would stay counted in the allocator's high-water mark.
    while !rest.is_empty() {
        let step: Vec<Seeded> = rest.drain(..rest.len().min(500)).collect();
        clients.extend(connect_all(clients_ctx, step).await?);
        tokio::time::sleep(Duration::from_millis(300)).await;
        samples.push((clients.len() as f64, procs.server_rss()? as f64));
    }
    println!(
        "connected {} clients in {:.1} s",
        clients.len(),
        connect_started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_after = procs.server_rss()?;
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
    Ok(clients)
}

/// Runs measurement phase `id` (clients sending `rate` messages per second each for
/// `--seconds`) and prints its row of the table.
async fn measure_phase(
    args: &Args,
    procs: &Procs,
    clients_ctx: &Clients,
    phase_tx: &watch::Sender<Phase>,
    index: usize,
    rate: f64,
) -> anyhow::Result<()> {
    let stats = &clients_ctx.stats;
    let id = u32::try_from(index).unwrap_or(u32::MAX);
    let cpu_before = (procs.server_ticks()?, machine_ticks()?);
    let nats_before = procs.nats.map(cpu_ticks).transpose()?;
    if let Some(s) = stats.get(index) {
        s.started_us.store(
            u64::try_from(clients_ctx.base.elapsed().as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }
    phase_tx.send_replace(Phase {
        id,
        rate,
        sending: true,
    });
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    phase_tx.send_replace(Phase {
        id,
        rate,
        sending: false,
    });
    let cpu_after = (procs.server_ticks()?, machine_ticks()?);
    let nats_after = procs.nats.map(cpu_ticks).transpose()?;
    // Let in-flight messages arrive before counting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    if let Some(stats) = stats.get(index) {
        report(args, rate, stats, cpu_before, cpu_after)?;
        if let (Some(before), Some(after)) = (nats_before, nats_after) {
            println!(
                "  nats-server CPU: {:.0}%",
                tests::server_process::cpu_percent(before, after, args.seconds as f64)
            );
        }
        if args.timeline {
            print_timeline(stats, args.seconds);
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(())
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

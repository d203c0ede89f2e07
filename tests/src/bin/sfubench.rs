//! Consultation room forwarding benchmark: starts the release `chatterly` binary on a fresh
//! database, opens one lecturer's room, has the lecturer publish a generated VP8 stream (1 KB
//! packets at a set rate) from a real webrtc-rs peer, and adds subscribers in steps. For each
//! step it measures the one-way latency from the publisher writing a packet to each subscriber
//! reading it (both peers and the server on this machine), loss, and the server's CPU.
//!
//! ```text
//! cargo build --release -p api -p tests --bins
//! target/release/sfubench --subscribers 1,20 --packets-per-second 200 --seconds 20
//! ```

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, bail};
use chrono::Utc;
use clap::Parser;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use sqlx::postgres::PgPoolOptions;
use tests::rtc::RoomPeer;
use tests::server_process::{
    ServerArgs, ServerProcess, cpu_percent, cpu_ticks, machine_percent, machine_ticks, seed_user,
};
use uuid::Uuid;

/// Measures the room forwarding unit.
#[derive(Parser, Debug)]
struct Args {
    /// Subscriber counts to measure, in increasing order (subscribers are added between steps).
    #[arg(long, value_delimiter = ',', default_value = "1,20")]
    subscribers: Vec<usize>,
    /// RTP packets per second the publisher sends (1 KB each; 200 ≈ 1.6 Mbit/s of video).
    #[arg(long, default_value_t = 200)]
    packets_per_second: u32,
    /// Length of each measurement.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// PostgreSQL and the server binary.
    #[command(flatten)]
    server: ServerArgs,
}

/// What the subscribers' collectors record during a measurement.
struct Window {
    open: AtomicBool,
    first_frame: AtomicU32,
    last_frame: AtomicU32,
    received: AtomicU64,
    latency_us: Mutex<Histogram<u64>>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.subscribers.is_empty() || args.subscribers.windows(2).any(|w| w[0] > w[1]) {
        bail!("--subscribers must be increasing, e.g. 1,20");
    }
    let server = ServerProcess::start(
        &args.server.postgres,
        "chatterly_sfubench",
        args.server.server_bin.clone(),
        &[],
    )
    .await?;
    let result = run(&args, &server).await;
    server.stop();
    result
}

async fn run(args: &Args, server: &ServerProcess) -> anyhow::Result<()> {
    let most = args.subscribers.last().copied().unwrap_or(1);
    let (lecturer, students) = seed(&server.db_url, most).await?;
    let consultation = open_room(server.addr, &lecturer, &students).await?;
    let mut publisher = RoomPeer::join(server.addr, consultation, &lecturer.1).await?;
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.packets_per_second.max(1)));
    let publication = publisher.publish_video("camera", interval).await?;
    publisher.next_of("publish_answer").await?;

    let window = Arc::new(Window {
        open: AtomicBool::new(false),
        first_frame: AtomicU32::new(0),
        last_frame: AtomicU32::new(u32::MAX),
        received: AtomicU64::new(0),
        latency_us: Mutex::new(Histogram::new_with_bounds(1, 60_000_000, 3)?),
    });
    let mut peers = Vec::new();
    let mut collectors = Vec::new();
    println!(
        "| subscribers | packets/s in | packets/s out | p50 ms | p90 ms | p99 ms | max ms | lost | server CPU | machine CPU |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for step in &args.subscribers {
        while peers.len() < *step {
            let student = &students[peers.len()];
            let mut peer = RoomPeer::join(server.addr, consultation, &student.1).await?;
            // The publisher's track is in `ready` once it reached the server, else announced.
            let publisher_id = publisher.participant_id.to_string();
            let announced = peer.ready["tracks"]
                .as_array()
                .and_then(|tracks| tracks.iter().find(|t| t["participant_id"] == publisher_id))
                .cloned();
            let track = match announced {
                Some(track) => track,
                None => loop {
                    let frame = peer.next_of("track_added").await?;
                    if frame["track"]["participant_id"] == publisher_id {
                        break frame["track"].clone();
                    }
                },
            };
            let track = track["track_id"].as_str().context("track id")?.to_owned();
            peer.receive(&track, 5).await?;
            collectors.push(tokio::spawn(collect(peer.take_packets(), window.clone())));
            peers.push(peer);
        }
        // Let keyframe requests and renegotiation settle.
        tokio::time::sleep(Duration::from_secs(2)).await;
        measure(args, server.pid(), *step, &publication, &window).await?;
    }
    for c in collectors {
        c.abort();
    }
    Ok(())
}

async fn measure(
    args: &Args,
    pid: u32,
    subscribers: usize,
    publication: &tests::rtc::Publication,
    window: &Window,
) -> anyhow::Result<()> {
    if let Ok(mut h) = window.latency_us.lock() {
        h.reset();
    }
    window.received.store(0, Ordering::Relaxed);
    let first = publication.frames_sent();
    window.first_frame.store(first, Ordering::Relaxed);
    window.last_frame.store(u32::MAX, Ordering::Relaxed);
    window.open.store(true, Ordering::Relaxed);
    let before = (cpu_ticks(pid)?, machine_ticks()?);
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let after = (cpu_ticks(pid)?, machine_ticks()?);
    let last = publication.frames_sent();
    window.last_frame.store(last, Ordering::Relaxed);
    // Packets still in flight count; later ones do not.
    tokio::time::sleep(Duration::from_secs(1)).await;
    window.open.store(false, Ordering::Relaxed);
    let seconds = args.seconds as f64;
    let sent = u64::from(last.saturating_sub(first));
    let expected = sent * subscribers as u64;
    let received = window.received.load(Ordering::Relaxed);
    let (p50, p90, p99, max) = match window.latency_us.lock() {
        Ok(h) if !h.is_empty() => (
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.9),
            h.value_at_quantile(0.99),
            h.max(),
        ),
        _ => (0, 0, 0, 0),
    };
    println!(
        "| {subscribers} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} of {expected} | {:.0}% | {:.0}% |",
        sent as f64 / seconds,
        received as f64 / seconds,
        p50 as f64 / 1000.0,
        p90 as f64 / 1000.0,
        p99 as f64 / 1000.0,
        max as f64 / 1000.0,
        expected.saturating_sub(received),
        cpu_percent(before.0, after.0, seconds),
        machine_percent(before.1, after.1),
    );
    Ok(())
}

/// Records every packet of the measured frames.
async fn collect(
    mut packets: tokio::sync::mpsc::UnboundedReceiver<tests::rtc::Received>,
    window: Arc<Window>,
) {
    while let Some(packet) = packets.recv().await {
        if !window.open.load(Ordering::Relaxed) {
            continue;
        }
        let first = window.first_frame.load(Ordering::Relaxed);
        let last = window.last_frame.load(Ordering::Relaxed);
        if packet.frame <= first || packet.frame > last {
            continue;
        }
        window.received.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut h) = window.latency_us.lock() {
            let _ = h.record(packet.latency_us.max(1));
        }
    }
}

/// A lecturer and `students` students with API tokens.
async fn seed(
    db_url: &str,
    students: usize,
) -> anyhow::Result<((Uuid, String), Vec<(Uuid, String)>)> {
    let db = PgPoolOptions::new()
        .max_connections(4)
        .connect(db_url)
        .await?;
    let hash = models::password::hash_password("sfubench password")?;
    let mut people = Vec::new();
    for i in 0..=students {
        people.push(
            seed_user(
                &db,
                format!("person{i}@sfu.test"),
                format!("Person {i}"),
                &hash,
                "sfubench",
            )
            .await?,
        );
    }
    let lecturer = people.remove(0);
    models::user::set_role(&db, lecturer.0, models::user::Role::Lecturer).await?;
    db.close().await;
    Ok((lecturer, people))
}

/// Makes the lecturer's appointment with every student and opens its room now.
async fn open_room(
    addr: std::net::SocketAddr,
    lecturer: &(Uuid, String),
    students: &[(Uuid, String)],
) -> anyhow::Result<Uuid> {
    let http = reqwest::Client::new();
    let ids: Vec<Uuid> = students.iter().map(|s| s.0).collect();
    let created: Value = http
        .post(format!("http://{addr}/api/v1/consultations"))
        .bearer_auth(&lecturer.1)
        .json(&json!({
            "starts_at": Utc::now() + chrono::Duration::hours(1),
            "duration_minutes": 60,
            "topic": "Forwarding benchmark",
            "student_ids": ids,
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id: Uuid = created["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .context("consultation id")?;
    http.post(format!("http://{addr}/api/v1/consultations/{id}/room/open"))
        .bearer_auth(&lecturer.1)
        .send()
        .await?
        .error_for_status()?;
    Ok(id)
}

//! The load's clients: one real WebSocket device per seeded user that syncs, sends at the
//! phase's rate and checks the order and latency of every delivery it receives.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures::{SinkExt as _, StreamExt as _};
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

use crate::seed::Seeded;
use crate::stats::{Stats, count};

/// Clients whose connection ended during the run (each one is a failure: nothing should drop).
static DISCONNECTED: AtomicU64 = AtomicU64::new(0);

/// What the clients should be doing now. Phase 0 is the idle warm-up; phase `i` measures
/// `--rates[i - 1]` into `stats[i]`.
#[derive(Clone, Copy)]
pub(crate) struct Phase {
    pub(crate) id: u32,
    pub(crate) rate: f64,
    pub(crate) sending: bool,
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

/// What every client shares: the server, the clock, the phase and the counters.
#[derive(Clone)]
pub(crate) struct Clients {
    /// The server processes; client `i` connects to `addrs[i % len]`.
    pub(crate) addrs: Arc<Vec<std::net::SocketAddr>>,
    pub(crate) base: Instant,
    pub(crate) phase: watch::Receiver<Phase>,
    pub(crate) stats: Arc<Vec<Stats>>,
}

/// Numbers clients (to pick a histogram shard).
static NEXT_CLIENT: AtomicUsize = AtomicUsize::new(0);

/// Connects and syncs one client per seeded user; returns once all are ready.
pub(crate) async fn connect_all(
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

/// A client's WebSocket.
type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One user's device: connects, syncs, then sends at the phase's rate and checks every delivery.
async fn client(
    ctx: Clients,
    index: usize,
    seeded: Seeded,
    ready: tokio::sync::mpsc::Sender<anyhow::Result<()>>,
) -> anyhow::Result<()> {
    let Clients {
        addrs,
        base,
        phase: mut phase_rx,
        stats,
    } = ctx;
    let addr = addrs[index % addrs.len()];
    let Seeded {
        user: me,
        token,
        conversation,
    } = seeded;
    let (mut ws, last_seq) = connect_and_sync(addr, &token).await?;
    ready.send(Ok(())).await.ok();
    drop(ready);

    let mut inbox = Inbox {
        me,
        index,
        base,
        stats: stats.clone(),
        last_seq,
    };
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
                next_send = first_send(phase);
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
                inbox.on_frame(phase.id, &frame);
            }
        }
    }
}

/// Opens the WebSocket of the holder of `token` and syncs it; returns it with the seq it
/// was synced to.
async fn connect_and_sync(
    addr: std::net::SocketAddr,
    token: &str,
) -> anyhow::Result<(Socket, i64)> {
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
    loop {
        let Some(frame) = ws.next().await else {
            bail!("closed before synced")
        };
        if let Message::Text(text) = frame? {
            let frame: Frame<'_> = serde_json::from_str(text.as_str())?;
            if frame.kind == "synced" {
                return Ok((ws, frame.seq));
            }
        }
    }
}

/// When a client first sends in `phase` (none if it does not send).
fn first_send(phase: Phase) -> Option<tokio::time::Instant> {
    (phase.sending && phase.rate > 0.0).then(|| {
        // A random phase offset spreads senders evenly over the interval.
        let period = 1.0 / phase.rate;
        tokio::time::Instant::now() + Duration::from_secs_f64(rand::random::<f64>() * period)
    })
}

/// A client's view of the frames it receives: who it is, and the last seq it saw.
struct Inbox {
    me: Uuid,
    index: usize,
    base: Instant,
    stats: Arc<Vec<Stats>>,
    last_seq: i64,
}

impl Inbox {
    /// Counts a frame received in phase `phase`: acks, errors, and deliveries with their order
    /// and latency.
    fn on_frame(&mut self, phase: u32, frame: &Frame<'_>) {
        let stats = &self.stats;
        match frame.kind {
            "ack" => count(stats, phase, |s| &s.acked),
            "error" => count(stats, phase, |s| &s.errors),
            "message" => {
                if frame.seq != self.last_seq + 1 {
                    count(stats, phase, |s| &s.out_of_order);
                }
                self.last_seq = frame.seq;
                if frame.sender == Some(self.me) {
                    return;
                }
                let Some((id, micros)) = frame.body.and_then(parse_body) else {
                    return;
                };
                // Counted in the sender's phase (the body says which), not this task's
                // copy: a fast sender's message can arrive before this task has seen
                // the phase change.
                if id != 0
                    && let Some(s) = stats.get(id as usize)
                {
                    s.delivered.fetch_add(1, Ordering::Relaxed);
                    let now = self.base.elapsed().as_micros();
                    s.record_latency(
                        self.index,
                        u64::try_from(micros).unwrap_or(u64::MAX),
                        u64::try_from(now.saturating_sub(micros)).unwrap_or(u64::MAX),
                    );
                }
            }
            _ => {}
        }
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

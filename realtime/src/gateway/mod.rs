//! The gateway's shared services: database access for connections, the hub, cached member
//! lists, batched receipts, typing, and the per-user message rate limit. Presence is in
//! [`crate::presence`]; what crosses to other nodes goes through [`crate::bus`].

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use dashmap::DashMap;
use governor::{DefaultKeyedRateLimiter, Quota};
use models::conversation::{self, Roster};
use models::message::{self, Message, Outgoing, SendError, Sent};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

mod fanout;
mod typing;

use crate::bus::{Bus, Inbound};
use crate::hub::{Event, Hub};
use crate::positions::PendingPositions;
use crate::protocol::{MessagePayload, ServerFrame};
use crate::typing_gate::Relayed;

/// Messages queued per writer before senders wait.
const WRITER_QUEUE: usize = 8192;
/// Most conversation rosters cached at once; past it the cache starts over (it only saves
/// database reads, so correctness never depends on it).
const MAX_CACHED_ROSTERS: usize = 50_000;

/// Tunables of the gateway; the defaults are what `docs/protocol.md` promises.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Events a device's queue holds before it is disconnected as too slow.
    pub queue_capacity: usize,
    /// Most chat connections one user may hold at once (tabs and devices).
    pub max_connections_per_user: usize,
    /// Interval of server pings.
    pub heartbeat: Duration,
    /// A connection silent this long is closed.
    pub idle_timeout: Duration,
    /// How often delivered/read positions are stored and pushed.
    pub receipt_flush: Duration,
    /// How long a user must be without devices before contacts see them offline.
    pub presence_grace: Duration,
    /// How long a typing indicator lasts without a refresh.
    pub typing_expiry: Duration,
    /// Sustained messages per second per user.
    pub messages_per_second: u32,
    /// Burst of messages per user.
    pub message_burst: u32,
    /// Sustained bytes of message text per second per user.
    pub bytes_per_second: u32,
    /// Burst of message bytes per user (at least one largest message).
    pub byte_burst: u32,
    /// Sustained inbound frames per second per connection (of any type).
    pub frames_per_second: u32,
    /// Burst of inbound frames per connection.
    pub frame_burst: u32,
    /// Parallel message writers; a conversation always goes to the same one, so its messages
    /// are stored and published in order.
    pub write_shards: usize,
    /// Most messages a writer stores in one transaction.
    pub write_batch: usize,
    /// Where other nodes reach this one (its HTTP listener), shown in the node list.
    pub node_address: String,
    /// A node that has not renewed its lease for this long is dead: its users go offline.
    pub node_ttl: Duration,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            queue_capacity: 1024,
            max_connections_per_user: 10,
            heartbeat: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            receipt_flush: Duration::from_millis(200),
            presence_grace: Duration::from_secs(5),
            typing_expiry: Duration::from_secs(6),
            messages_per_second: 20,
            message_burst: 40,
            bytes_per_second: 128 * 1024,
            byte_burst: 1024 * 1024,
            frames_per_second: 30,
            frame_burst: 60,
            write_shards: 4,
            write_batch: 256,
            node_address: "127.0.0.1:8080".to_owned(),
            node_ttl: Duration::from_secs(30),
        }
    }
}

/// Everything connections share. Create one per process with [`Gateway::new`].
pub struct Gateway {
    /// Database pool.
    pub db: models::Db,
    /// The devices connected to this node. To reach a user wherever they are connected, use
    /// [`Gateway::send_to_users`].
    pub hub: Hub,
    /// Tunables.
    pub config: GatewayConfig,
    pub(crate) bus: Bus,
    pub(crate) draining: std::sync::atomic::AtomicBool,
    pub(crate) room_commands: tokio::sync::broadcast::Sender<(Uuid, crate::bus::RoomCommand)>,
    pub(crate) inbound: Mutex<Option<mpsc::Receiver<Inbound>>>,
    pub(crate) members: DashMap<Uuid, Arc<Roster>>,
    pending: Mutex<PendingPositions>,
    limiter: DefaultKeyedRateLimiter<Uuid>,
    byte_limiter: DefaultKeyedRateLimiter<Uuid>,
    pub(crate) announced_online: Mutex<HashSet<Uuid>>,
    pub(crate) typing_relayed: DashMap<(Uuid, Uuid), Relayed>,
    pub(crate) typing_pending: DashMap<(Uuid, Uuid), bool>,
    writers: Vec<mpsc::Sender<WriteJob>>,
    writer_queues: Mutex<Vec<mpsc::Receiver<WriteJob>>>,
}

/// A message waiting for its writer, and where to send the outcome.
struct WriteJob {
    outgoing: Outgoing,
    reply: oneshot::Sender<Result<Sent, SendError>>,
}

impl Gateway {
    /// Builds the gateway on `bus` (and what it hears from other nodes); call
    /// [`Gateway::run_background`] to start its loops.
    pub fn new(
        db: models::Db,
        config: GatewayConfig,
        (bus, inbound): (Bus, Option<mpsc::Receiver<Inbound>>),
    ) -> Arc<Self> {
        let per_second = NonZeroU32::new(config.messages_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.message_burst).unwrap_or(per_second);
        let (writers, writer_queues): (Vec<_>, Vec<_>) = (0..config.write_shards.max(1))
            .map(|_| mpsc::channel(WRITER_QUEUE))
            .unzip();
        Arc::new(Self {
            bus,
            draining: std::sync::atomic::AtomicBool::new(false),
            room_commands: tokio::sync::broadcast::channel(256).0,
            inbound: Mutex::new(inbound),
            writers,
            writer_queues: Mutex::new(writer_queues),
            db,
            hub: Hub::new(config.queue_capacity, config.max_connections_per_user),
            members: DashMap::new(),
            pending: Mutex::new(PendingPositions::default()),
            limiter: DefaultKeyedRateLimiter::keyed(
                Quota::per_second(per_second).allow_burst(burst),
            ),
            byte_limiter: DefaultKeyedRateLimiter::keyed(
                Quota::per_second(
                    NonZeroU32::new(config.bytes_per_second).unwrap_or(NonZeroU32::MIN),
                )
                .allow_burst(NonZeroU32::new(config.byte_burst).unwrap_or(NonZeroU32::MIN)),
            ),
            announced_online: Mutex::new(HashSet::new()),
            typing_relayed: DashMap::new(),
            typing_pending: DashMap::new(),
            config,
        })
    }

    /// Runs the message writers, the node's lease and what other nodes broadcast, and stores
    /// and pushes batched receipts until the task is dropped.
    pub async fn run_background(self: Arc<Self>) {
        let queues = self
            .writer_queues
            .lock()
            .map(|mut q| std::mem::take(&mut *q))
            .unwrap_or_default();
        let mut writers = tokio::task::JoinSet::new();
        for queue in queues {
            writers.spawn(self.clone().run_writer(queue));
        }
        writers.spawn(self.clone().run_lease());
        if let Some(inbound) = self.inbound.lock().ok().and_then(|mut i| i.take()) {
            writers.spawn(self.clone().follow_bus(inbound));
        }
        let mut tick = tokio::time::interval(self.config.receipt_flush);
        let mut housekeeping = 0u32;
        loop {
            tick.tick().await;
            self.flush_positions().await;
            housekeeping += 1;
            if housekeeping.is_multiple_of(300) {
                self.limiter.retain_recent();
                self.byte_limiter.retain_recent();
                let stale = std::time::Instant::now() - self.config.typing_expiry;
                self.typing_relayed.retain(|_, relayed| relayed.at > stale);
            }
        }
    }

    /// Queues a message for storage; the receiver yields the outcome once it is durable (and
    /// already published to the members). Waits if the writer is saturated (backpressure).
    pub async fn submit(&self, outgoing: Outgoing) -> oneshot::Receiver<Result<Sent, SendError>> {
        let (reply, outcome) = oneshot::channel();
        let shard = (outgoing.conversation_id.as_u128() % self.writers.len() as u128) as usize;
        if let Some(writer) = self.writers.get(shard)
            && let Err(mpsc::error::SendError(job)) =
                writer.send(WriteJob { outgoing, reply }).await
        {
            let _ = job
                .reply
                .send(Err(SendError::Database(sqlx::Error::PoolClosed)));
        }
        outcome
    }

    /// One writer: takes whatever is queued (up to `write_batch`), stores it in one transaction,
    /// publishes new messages in seq order, then answers each sender.
    async fn run_writer(self: Arc<Self>, mut queue: mpsc::Receiver<WriteJob>) {
        let max = self.config.write_batch.max(1);
        let mut jobs = Vec::with_capacity(max);
        while queue.recv_many(&mut jobs, max).await > 0 {
            let batch: Vec<Outgoing> = jobs.iter().map(|j| j.outgoing.clone()).collect();
            let results = message::send_batch(&self.db, &batch).await;
            metrics::histogram!("chat_write_batch_size").record(batch.len() as f64);
            for (job, result) in jobs.drain(..).zip(results) {
                if let Ok(sent) = &result
                    && !sent.duplicate
                    && let Err(e) = self.publish(&sent.message).await
                {
                    tracing::warn!(error = %e, "could not publish a stored message; members will get it on sync");
                }
                let _ = job.reply.send(result);
            }
        }
    }

    /// A conversation's roster (who may read and write), from cache or the database; `None` if
    /// the conversation does not exist (never cached).
    pub async fn roster(
        &self,
        conversation: Uuid,
    ) -> Result<Option<Arc<Roster>>, models::ModelError> {
        if let Some(roster) = self.members.get(&conversation) {
            return Ok(Some(roster.clone()));
        }
        let Some(roster) = conversation::roster(&self.db, conversation).await? else {
            return Ok(None);
        };
        let roster = Arc::new(roster);
        if self.members.len() >= MAX_CACHED_ROSTERS {
            self.members.clear();
        }
        self.members.insert(conversation, roster.clone());
        Ok(Some(roster))
    }

    /// The ids of everyone who receives the conversation's messages and receipts (cached).
    pub async fn readers(&self, conversation: Uuid) -> Result<Vec<Uuid>, models::ModelError> {
        Ok(self
            .roster(conversation)
            .await?
            .map(|r| r.readers())
            .unwrap_or_default())
    }

    /// Whether `user` may read `conversation` (cached).
    pub async fn can_read(
        &self,
        conversation: Uuid,
        user: Uuid,
    ) -> Result<bool, models::ModelError> {
        Ok(self
            .roster(conversation)
            .await?
            .is_some_and(|r| r.can_read(user)))
    }

    /// Pushes a stored message to every connected device of every reader.
    pub async fn publish(&self, message: &Message) -> Result<(), models::ModelError> {
        let members = self.readers(message.conversation_id).await?;
        let json = ServerFrame::Message(MessagePayload::from(message)).to_json();
        let event = Event::Message {
            conversation: message.conversation_id,
            seq: message.seq,
            json: Utf8Bytes::from(json),
        };
        self.send_to_users(&members, &event);
        metrics::counter!("chat_messages_total").increment(1);
        metrics::counter!("chat_deliveries_queued_total").increment(members.len() as u64);
        Ok(())
    }

    /// Checks the user's message rate; `Err(retry_after_ms)` when over it.
    pub fn check_rate(&self, user: Uuid) -> Result<(), u64> {
        self.limiter.check_key(&user).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1)
        })
    }

    /// Checks the user's message byte rate for a body of `bytes`; `Err(retry_after_ms)` when
    /// over it (a body larger than the whole burst is refused by validation before this).
    pub fn check_bytes(&self, user: Uuid, bytes: usize) -> Result<(), u64> {
        let n =
            NonZeroU32::new(u32::try_from(bytes).unwrap_or(u32::MAX)).unwrap_or(NonZeroU32::MIN);
        match self.byte_limiter.check_key_n(&user, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ));
                Err(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1))
            }
            Err(_) => Err(1000),
        }
    }

    /// Records a delivered/read position, stored and pushed at the next flush.
    pub fn record_position(&self, conversation: Uuid, user: Uuid, delivered: i64, read: i64) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.record(conversation, user, delivered, read);
        }
    }

    /// Stores pending positions and tells every member's devices.
    pub async fn flush_positions(&self) {
        let batch = match self.pending.lock() {
            Ok(mut pending) if !pending.is_empty() => pending.drain(),
            _ => return,
        };
        let stored = match conversation::store_positions(&self.db, &batch).await {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(error = %e, count = batch.len(), "could not store receipts; will retry");
                if let Ok(mut pending) = self.pending.lock() {
                    for p in &batch {
                        pending.record(p.conversation_id, p.user_id, p.delivered_seq, p.read_seq);
                    }
                }
                return;
            }
        };
        for p in stored {
            let frame = ServerFrame::Receipt {
                conversation: p.conversation_id,
                user: p.user_id,
                delivered_seq: p.delivered_seq,
                read_seq: p.read_seq,
            };
            let event = Event::Frame(Utf8Bytes::from(frame.to_json()));
            match self.readers(p.conversation_id).await {
                Ok(members) => self.send_to_users(&members, &event),
                Err(e) => tracing::warn!(error = %e, "could not load members for a receipt"),
            }
        }
    }
}

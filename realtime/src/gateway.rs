//! The gateway's shared services: database access for connections, the hub, cached member
//! lists, batched receipts, presence with debounce, and the per-user message rate limit.

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use chrono::Utc;
use dashmap::DashMap;
use governor::{DefaultKeyedRateLimiter, Quota};
use models::conversation::{self, Roster};
use models::message::{self, Message, Outgoing, SendError, Sent};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::hub::{Event, Hub};
use crate::positions::PendingPositions;
use crate::protocol::{MessagePayload, ServerFrame};
use crate::typing_gate::{self, Relayed};

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
        }
    }
}

/// Everything connections share. Create one per process with [`Gateway::new`].
pub struct Gateway {
    /// Database pool.
    pub db: models::Db,
    /// Connected devices.
    pub hub: Hub,
    /// Tunables.
    pub config: GatewayConfig,
    members: DashMap<Uuid, Arc<Roster>>,
    pending: Mutex<PendingPositions>,
    limiter: DefaultKeyedRateLimiter<Uuid>,
    byte_limiter: DefaultKeyedRateLimiter<Uuid>,
    announced_online: Mutex<HashSet<Uuid>>,
    typing_relayed: DashMap<(Uuid, Uuid), Relayed>,
    typing_pending: DashMap<(Uuid, Uuid), bool>,
    writers: Vec<mpsc::Sender<WriteJob>>,
    writer_queues: Mutex<Vec<mpsc::Receiver<WriteJob>>>,
}

/// A message waiting for its writer, and where to send the outcome.
struct WriteJob {
    outgoing: Outgoing,
    reply: oneshot::Sender<Result<Sent, SendError>>,
}

impl Gateway {
    /// Builds the gateway; call [`Gateway::run_background`] to start its flush loop.
    pub fn new(db: models::Db, config: GatewayConfig) -> Arc<Self> {
        let per_second = NonZeroU32::new(config.messages_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.message_burst).unwrap_or(per_second);
        let (writers, writer_queues): (Vec<_>, Vec<_>) = (0..config.write_shards.max(1))
            .map(|_| mpsc::channel(WRITER_QUEUE))
            .unzip();
        Arc::new(Self {
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

    /// Runs the message writers and stores and pushes batched receipts until the task is
    /// dropped.
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

    /// Forgets the cached roster (after members, invitations or blocks changed).
    pub fn forget_members(&self, conversation: Uuid) {
        self.members.remove(&conversation);
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
        self.hub.send_to_users(&members, &event);
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
                Ok(members) => self.hub.send_to_users(&members, &event),
                Err(e) => tracing::warn!(error = %e, "could not load members for a receipt"),
            }
        }
    }

    /// Relays a typing indicator to the conversation's other readers (the caller checked that
    /// `user` may write there) as [`typing_gate::decide`] says: now, once the second since the
    /// last one is over (the latest state then), or not at all.
    pub async fn typing(
        self: &Arc<Self>,
        conversation: Uuid,
        user: Uuid,
        active: bool,
    ) -> Result<(), models::ModelError> {
        let key = (user, conversation);
        let last = self.typing_relayed.get(&key).map(|r| *r);
        match typing_gate::decide(last, active, std::time::Instant::now()) {
            typing_gate::Decision::Relay => self.relay_typing(conversation, user, active).await,
            typing_gate::Decision::Drop => {
                metrics::counter!("chat_typing_dropped_total").increment(1);
                Ok(())
            }
            typing_gate::Decision::Later(at) => {
                if self.typing_pending.insert(key, active).is_none() {
                    let gateway = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep_until(at.into()).await;
                        let Some((_, latest)) = gateway.typing_pending.remove(&key) else {
                            return;
                        };
                        let last = gateway.typing_relayed.get(&key).map(|r| *r);
                        let now = std::time::Instant::now();
                        if typing_gate::decide(last, latest, now) == typing_gate::Decision::Relay
                            && let Err(e) = gateway.relay_typing(conversation, user, latest).await
                        {
                            tracing::warn!(error = %e, "could not relay a delayed typing signal");
                        }
                    });
                }
                Ok(())
            }
        }
    }

    /// Sends a typing frame to the conversation's other readers and remembers it was sent.
    async fn relay_typing(
        &self,
        conversation: Uuid,
        user: Uuid,
        active: bool,
    ) -> Result<(), models::ModelError> {
        self.typing_relayed.insert(
            (user, conversation),
            Relayed {
                active,
                at: std::time::Instant::now(),
            },
        );
        let members = self.readers(conversation).await?;
        let frame = ServerFrame::Typing {
            conversation,
            user,
            active,
            expires_in_ms: u64::try_from(self.config.typing_expiry.as_millis()).unwrap_or(u64::MAX),
        };
        let event = Event::Ephemeral(Utf8Bytes::from(frame.to_json()));
        let others: Vec<Uuid> = members.iter().copied().filter(|m| *m != user).collect();
        self.hub.send_to_users(&others, &event);
        Ok(())
    }

    /// A device of `user` connected: contacts hear they are online, unless they already knew.
    pub async fn device_connected(&self, user: Uuid) {
        let newly = self
            .announced_online
            .lock()
            .is_ok_and(|mut set| set.insert(user));
        if newly {
            self.announce_presence(user, true, None).await;
        }
    }

    /// A device of `user` disconnected; if it was the last one, contacts hear they are offline
    /// after the grace period, unless a device came back meanwhile.
    pub fn device_disconnected(self: &Arc<Self>, user: Uuid, last_device: bool) {
        if !last_device {
            return;
        }
        let gateway = self.clone();
        tokio::spawn(async move {
            let left_at = Utc::now();
            tokio::time::sleep(gateway.config.presence_grace).await;
            if gateway.hub.is_online(user) {
                return;
            }
            let was_online = gateway
                .announced_online
                .lock()
                .is_ok_and(|mut set| set.remove(&user));
            if !was_online {
                return;
            }
            if let Err(e) = conversation::mark_last_seen(&gateway.db, user, left_at).await {
                tracing::warn!(error = %e, "could not record last seen");
            }
            gateway.announce_presence(user, false, Some(left_at)).await;
        });
    }

    async fn announce_presence(
        &self,
        user: Uuid,
        online: bool,
        last_seen_at: Option<chrono::DateTime<Utc>>,
    ) {
        let contacts = match conversation::contact_ids(&self.db, user).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "could not load contacts for presence");
                return;
            }
        };
        let frame = ServerFrame::Presence {
            user,
            online,
            last_seen_at,
        };
        self.hub.send_to_users(
            &contacts,
            &Event::Ephemeral(Utf8Bytes::from(frame.to_json())),
        );
    }
}

//! One device's WebSocket session: reads client frames, writes events from its queue through its
//! cursors, pings, and closes when told to (revoked, too slow) or when the client goes silent.
//! Generic over any `Sink`/`Stream` of WebSocket messages, so tests can drive it with channels.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes};
use std::future::Future;
use std::pin::Pin;

use futures::stream::FuturesOrdered;
use futures::{Sink, SinkExt as _, Stream, StreamExt as _};
use models::message::{self, Outgoing, SendError, Sent};
use models::{ModelError, conversation};
use tokio::time::Instant;
use uuid::Uuid;

use crate::cursor::{Admission, Cursors};
use crate::gateway::Gateway;
use crate::hub::{CLOSE_REVOKED, CLOSE_TOO_SLOW, Event};
use crate::protocol::{self, ClientFrame, MessagePayload, ServerFrame};

/// Sends a device may have waiting for storage before the server stops reading its frames.
const MAX_IN_FLIGHT: usize = 64;

/// The outcome of one `send`, for its ack or error frame.
struct SendOutcome {
    client_id: String,
    conversation: Uuid,
    result: Result<Sent, SendError>,
}

/// Sends waiting for their writer, answered in the order they were made.
type InFlight = FuturesOrdered<Pin<Box<dyn Future<Output = SendOutcome> + Send>>>;

/// Queued events written before one flush.
const EVENTS_PER_FLUSH: usize = 64;

/// Messages fetched per query when catching up.
const CATCH_UP_CHUNK: i64 = 200;

/// Why a connection stopped; only for logs and metrics.
#[derive(Debug, thiserror::Error)]
enum Stop {
    #[error("the client went away")]
    ClientGone,
    #[error("database error: {0}")]
    Database(#[from] ModelError),
}

/// Serves one authenticated device until it disconnects or must be closed.
pub async fn serve<S, E>(gateway: Arc<Gateway>, socket: S, user: Uuid, session: Uuid)
where
    S: Stream<Item = Result<WsMessage, E>> + Sink<WsMessage> + Unpin + Send,
    E: std::fmt::Display,
{
    let registration = gateway.hub.register(user, session);
    metrics::gauge!("ws_connections").increment(1.0);
    Box::pin(gateway.device_connected(user)).await;
    let mut connection = Connection {
        gateway: gateway.clone(),
        socket,
        user,
        cursors: Cursors::default(),
        in_flight: InFlight::new(),
    };
    let outcome = connection
        .run(session, registration.events, &registration.close)
        .await;
    if let Err(e) = &outcome {
        tracing::debug!(user.id = %user, error = %e, "connection ended");
    }
    let last = gateway.hub.unregister(user, registration.device_id);
    metrics::gauge!("ws_connections").decrement(1.0);
    gateway.device_disconnected(user, last);
}

struct Connection<S> {
    gateway: Arc<Gateway>,
    socket: S,
    user: Uuid,
    cursors: Cursors,
    in_flight: InFlight,
}

impl<S, E> Connection<S>
where
    S: Stream<Item = Result<WsMessage, E>> + Sink<WsMessage> + Unpin + Send,
    E: std::fmt::Display,
{
    async fn run(
        &mut self,
        session: Uuid,
        mut events: tokio::sync::mpsc::Receiver<Arc<Event>>,
        close: &crate::hub::CloseSignal,
    ) -> Result<(), Stop> {
        let heartbeat = self.gateway.config.heartbeat;
        self.write(&ServerFrame::Ready {
            user_id: self.user,
            session_id: session,
            heartbeat_ms: u64::try_from(heartbeat.as_millis()).unwrap_or(u64::MAX),
        })
        .await?;
        let mut ping = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
        let mut last_heard = Instant::now();
        // Created once: re-creating it every turn would re-register with the notifier.
        let closed = close.requested();
        tokio::pin!(closed);
        loop {
            tokio::select! {
                biased;
                code = &mut closed => {
                    let reason = match code {
                        CLOSE_REVOKED => "session revoked",
                        CLOSE_TOO_SLOW => "too slow",
                        _ => "closing",
                    };
                    self.close(code, reason).await;
                    return Ok(());
                }
                done = self.in_flight.next(), if !self.in_flight.is_empty() => {
                    if let Some(done) = done {
                        self.finish_send(done).await?;
                    }
                }
                incoming = self.socket.next(), if self.in_flight.len() < MAX_IN_FLIGHT => {
                    let Some(Ok(incoming)) = incoming else { return Err(Stop::ClientGone) };
                    last_heard = Instant::now();
                    match incoming {
                        // Boxed so an idle connection's future stays small (the handlers hold
                        // database futures).
                        WsMessage::Text(text) => Box::pin(self.on_frame(text.as_str())).await?,
                        WsMessage::Binary(_) => {
                            self.write(&ServerFrame::error("malformed_frame", "frames must be JSON text")).await?;
                        }
                        WsMessage::Close(_) => return Ok(()),
                        WsMessage::Ping(_) | WsMessage::Pong(_) => {}
                    }
                }
                event = events.recv() => {
                    let Some(event) = event else { return Ok(()) };
                    Box::pin(self.on_events(event, &mut events)).await?;
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > self.gateway.config.idle_timeout {
                        self.close(1001, "no heartbeat").await;
                        return Ok(());
                    }
                    self.send(WsMessage::Ping(Vec::new().into())).await?;
                }
            }
        }
    }

    async fn on_frame(&mut self, text: &str) -> Result<(), Stop> {
        let frame = match protocol::parse(text) {
            Ok(frame) => frame,
            Err(reason) => {
                let message = format!("malformed frame: {reason}");
                return self
                    .write_error("malformed_frame", &message, None, None)
                    .await;
            }
        };
        match frame {
            ClientFrame::Ping {} => self.write(&ServerFrame::Pong).await,
            ClientFrame::Sync { cursors } => self.sync(cursors).await,
            ClientFrame::Send {
                conversation,
                client_id,
                body,
            } => {
                // Cheap checks first, so a bad frame is answered at once and takes no writer slot.
                if let Err(e) = message::validate(&client_id, &body) {
                    self.finish_send(SendOutcome {
                        client_id,
                        conversation,
                        result: Err(e),
                    })
                    .await
                } else if !self.gateway.is_member(conversation, self.user).await? {
                    self.not_a_member(conversation, Some(&client_id)).await
                } else {
                    self.send_message(conversation, client_id, body).await
                }
            }
            ClientFrame::Delivered { conversation, seq } => {
                self.position(conversation, seq, false).await
            }
            ClientFrame::Read { conversation, seq } => self.position(conversation, seq, true).await,
            ClientFrame::Typing {
                conversation,
                active,
            } => {
                if self.gateway.is_member(conversation, self.user).await? {
                    self.gateway.typing(conversation, self.user, active).await?;
                    Ok(())
                } else {
                    self.not_a_member(conversation, None).await
                }
            }
        }
    }

    /// Checks the rate limit and hands the message to its writer; the ack (or error) is written
    /// when the outcome arrives, in the order the client sent.
    async fn send_message(
        &mut self,
        conversation: Uuid,
        client_id: String,
        body: String,
    ) -> Result<(), Stop> {
        if let Err(retry_after_ms) = self.gateway.check_rate(self.user) {
            return self
                .write(&ServerFrame::Error {
                    code: "rate_limited",
                    message: "you are sending messages too fast",
                    client_id: Some(&client_id),
                    conversation: Some(conversation),
                    retry_after_ms: Some(retry_after_ms),
                })
                .await;
        }
        let outgoing = Outgoing {
            conversation_id: conversation,
            sender_id: self.user,
            client_id: client_id.clone(),
            body,
        };
        let outcome = self.gateway.submit(outgoing).await;
        self.in_flight.push_back(Box::pin(async move {
            let result = outcome
                .await
                .unwrap_or(Err(SendError::Database(sqlx::Error::PoolClosed)));
            SendOutcome {
                client_id,
                conversation,
                result,
            }
        }));
        Ok(())
    }

    async fn finish_send(&mut self, done: SendOutcome) -> Result<(), Stop> {
        let SendOutcome {
            client_id,
            conversation,
            result,
        } = done;
        let (code, message) = match result {
            Ok(sent) => {
                let m = &sent.message;
                return self
                    .write(&ServerFrame::Ack {
                        client_id: &m.client_id,
                        conversation: m.conversation_id,
                        seq: m.seq,
                        id: m.id,
                        created_at: m.created_at,
                    })
                    .await;
            }
            Err(SendError::Database(e)) => {
                tracing::error!(user.id = %self.user, error = %e, "storing a message failed");
                (
                    "internal",
                    "the message could not be stored; retry with the same client_id".to_owned(),
                )
            }
            Err(e @ SendError::BodyEmpty) => ("body_empty", e.to_string()),
            Err(e @ SendError::BodyTooLong(_)) => ("body_too_long", e.to_string()),
            Err(e @ SendError::InvalidClientId) => ("invalid_client_id", e.to_string()),
            Err(e @ SendError::ClientIdReused) => ("invalid_client_id", e.to_string()),
            Err(SendError::NotMember) => {
                return self.not_a_member(conversation, Some(&client_id)).await;
            }
        };
        self.write_error(code, &message, Some(&client_id), Some(conversation))
            .await
    }

    async fn position(&mut self, conversation: Uuid, seq: i64, read: bool) -> Result<(), Stop> {
        if seq < 0 {
            return self
                .write_error(
                    "malformed_frame",
                    "seq must not be negative",
                    None,
                    Some(conversation),
                )
                .await;
        }
        if !self.gateway.is_member(conversation, self.user).await? {
            return self.not_a_member(conversation, None).await;
        }
        let (delivered, read_seq) = if read { (seq, seq) } else { (seq, 0) };
        self.gateway
            .record_position(conversation, self.user, delivered, read_seq);
        Ok(())
    }

    /// Follows every conversation of the user from the client's cursors (or from now), sends
    /// what the client missed, in order, and marks each conversation synced.
    async fn sync(&mut self, requested: HashMap<Uuid, i64>) -> Result<(), Stop> {
        let positions = conversation::positions_of(&self.gateway.db, self.user).await?;
        for unknown in requested
            .keys()
            .filter(|c| !positions.iter().any(|(id, _)| id == *c))
        {
            self.not_a_member(*unknown, None).await?;
        }
        for (conversation, last_seq) in positions {
            let from = requested
                .get(&conversation)
                .copied()
                .unwrap_or(last_seq)
                .clamp(0, last_seq);
            self.cursors.follow(conversation, from);
            self.catch_up(conversation, last_seq).await?;
            let at = self.cursors.position(conversation).unwrap_or(last_seq);
            self.write(&ServerFrame::Synced {
                conversation,
                seq: at,
            })
            .await?;
        }
        Ok(())
    }

    /// Sends the messages after the cursor up to `up_to`, in chunks.
    async fn catch_up(&mut self, conversation: Uuid, up_to: i64) -> Result<(), Stop> {
        while let Some(after) = self.cursors.position(conversation).filter(|at| *at < up_to) {
            let batch =
                message::range(&self.gateway.db, conversation, after, up_to, CATCH_UP_CHUNK)
                    .await?;
            if batch.is_empty() {
                // Seqs are gap-free, so this only happens if messages were deleted meanwhile.
                self.cursors.delivered(conversation, up_to);
                break;
            }
            for m in &batch {
                // Fed, not flushed: every caller flushes after catching up.
                self.feed(WsMessage::Text(Utf8Bytes::from(
                    ServerFrame::Message(MessagePayload::from(m)).to_json(),
                )))
                .await?;
                self.cursors.delivered(conversation, m.seq);
            }
        }
        Ok(())
    }

    /// Writes `first` and whatever else is already queued (up to a limit), then flushes once:
    /// under load many frames leave in one write instead of one each.
    async fn on_events(
        &mut self,
        first: Arc<Event>,
        events: &mut tokio::sync::mpsc::Receiver<Arc<Event>>,
    ) -> Result<(), Stop> {
        self.on_event(first).await?;
        for _ in 0..EVENTS_PER_FLUSH {
            match events.try_recv() {
                Ok(event) => self.on_event(event).await?,
                Err(_) => break,
            }
        }
        self.socket.flush().await.map_err(|_| Stop::ClientGone)
    }

    /// Queues the frames for one event (flushed by [`Connection::on_events`]).
    async fn on_event(&mut self, event: Arc<Event>) -> Result<(), Stop> {
        // Cheap: the frames inside are reference-counted.
        let event = Arc::unwrap_or_clone(event);
        match event {
            Event::Message {
                conversation,
                seq,
                json,
            } => match self.cursors.admit(conversation, seq) {
                Admission::Deliver => {
                    self.feed(WsMessage::Text(json)).await?;
                    self.cursors.delivered(conversation, seq);
                }
                Admission::Gap { up_to, .. } => {
                    self.catch_up(conversation, up_to).await?;
                    self.feed(WsMessage::Text(json)).await?;
                    self.cursors.delivered(conversation, seq);
                }
                Admission::Duplicate | Admission::NotFollowed => {}
            },
            Event::Frame(json) => self.feed(WsMessage::Text(json)).await?,
            Event::Follow {
                conversation,
                from_seq,
                frame,
            } => {
                self.feed(WsMessage::Text(frame)).await?;
                if self.cursors.position(conversation).is_none() {
                    self.cursors.follow(conversation, from_seq);
                }
            }
            Event::Unfollow {
                conversation,
                frame,
            } => {
                self.cursors.unfollow(conversation);
                self.feed(WsMessage::Text(frame)).await?;
            }
        }
        Ok(())
    }

    async fn not_a_member(
        &mut self,
        conversation: Uuid,
        client_id: Option<&str>,
    ) -> Result<(), Stop> {
        self.write_error(
            "not_a_member",
            "the conversation does not exist or you are not a member",
            client_id,
            Some(conversation),
        )
        .await
    }

    async fn write_error(
        &mut self,
        code: &str,
        message: &str,
        client_id: Option<&str>,
        conversation: Option<Uuid>,
    ) -> Result<(), Stop> {
        self.write(&ServerFrame::Error {
            code,
            message,
            client_id,
            conversation,
            retry_after_ms: None,
        })
        .await
    }

    async fn write(&mut self, frame: &ServerFrame<'_>) -> Result<(), Stop> {
        self.send(WsMessage::Text(Utf8Bytes::from(frame.to_json())))
            .await
    }

    async fn feed(&mut self, message: WsMessage) -> Result<(), Stop> {
        self.socket
            .feed(message)
            .await
            .map_err(|_| Stop::ClientGone)
    }

    async fn send(&mut self, message: WsMessage) -> Result<(), Stop> {
        self.socket
            .send(message)
            .await
            .map_err(|_| Stop::ClientGone)
    }

    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = self.socket.send(WsMessage::Close(Some(frame))).await;
    }
}

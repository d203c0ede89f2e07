//! One device's WebSocket session: reads client frames, writes events from its queue through its
//! cursors, pings, and closes when told to (revoked, too slow) or when the client goes silent.
//! Generic over any `Sink`/`Stream` of WebSocket messages, so tests can drive it with channels.
//!
//! This module holds [`serve`] and the session's main loop; `requests` answers the client's
//! frames, `delivery` writes events and catch-up through the cursors, and `writer` puts frames
//! on the socket.

mod delivery;
mod requests;
mod writer;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes};
use futures::stream::FuturesOrdered;
use futures::{Sink, SinkExt as _, Stream, StreamExt as _};
use models::ModelError;
use models::message::{SendError, Sent};
use tokio::time::Instant;
use uuid::Uuid;

use crate::budget::FrameBudget;
use crate::cursor::Cursors;
use crate::gateway::Gateway;
use crate::hub::{
    CLOSE_RESTARTING, CLOSE_REVOKED, CLOSE_TOO_MANY, CLOSE_TOO_SLOW, Event, TooManyDevices,
};
use crate::protocol::ServerFrame;
use crate::reorder::Reorder;

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
    let registration = match gateway.hub.register(user, session) {
        Ok(registration) => registration,
        Err(refused) => return refuse_too_many(socket, refused).await,
    };
    metrics::gauge!("ws_connections").increment(1.0);
    Box::pin(gateway.device_connected(user, registration.first_device)).await;
    let mut connection = Connection {
        gateway: gateway.clone(),
        socket,
        user,
        cursors: Cursors::default(),
        held: Reorder::default(),
        in_flight: InFlight::new(),
        budget: FrameBudget::new(gateway.config.frames_per_second, gateway.config.frame_burst),
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

/// Turns away a connection over the user's limit (two tabs raced past the upgrade's check):
/// an `error` frame saying why, then close code [`CLOSE_TOO_MANY`].
async fn refuse_too_many<S>(mut socket: S, refused: TooManyDevices)
where
    S: Sink<WsMessage> + Unpin,
{
    let frame = ServerFrame::Error {
        code: "too_many_connections",
        message: &refused.to_string(),
        client_id: None,
        conversation: None,
        retry_after_ms: None,
    };
    let _ = socket
        .send(WsMessage::Text(Utf8Bytes::from(frame.to_json())))
        .await;
    let close = CloseFrame {
        code: CLOSE_TOO_MANY,
        reason: Utf8Bytes::from_static("too many connections"),
    };
    let _ = socket.send(WsMessage::Close(Some(close))).await;
}

/// One device's session state: its socket, its cursors, the messages it holds ahead of a gap
/// and its sends in flight.
struct Connection<S> {
    gateway: Arc<Gateway>,
    socket: S,
    user: Uuid,
    cursors: Cursors,
    held: Reorder<Utf8Bytes>,
    in_flight: InFlight,
    budget: FrameBudget,
}

impl<S, E> Connection<S>
where
    S: Stream<Item = Result<WsMessage, E>> + Sink<WsMessage> + Unpin + Send,
    E: std::fmt::Display,
{
    /// Writes `Ready`, then serves the socket, the device's queue and the heartbeat until one ends.
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
            let held_until = self.held.next_deadline();
            tokio::select! {
                biased;
                code = &mut closed => {
                    let reason = match code {
                        CLOSE_REVOKED => "session revoked",
                        CLOSE_TOO_SLOW => "too slow",
                        CLOSE_RESTARTING => "server restarting",
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
                () = tokio::time::sleep_until(held_until.unwrap_or_else(Instant::now)), if held_until.is_some() => {
                    Box::pin(self.fill_expired_gaps()).await?;
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
}

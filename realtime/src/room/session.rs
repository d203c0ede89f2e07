//! One participant's signalling session: joins the room, answers their publisher offers, relays
//! their subscriber answers and candidates, and leaves the room when the socket closes (or the
//! room ends). Generic over any `Sink`/`Stream` of WebSocket messages, like the chat connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes};
use futures::{Sink, SinkExt as _, Stream, StreamExt as _};
use tokio::time::Instant;
use tracing::Instrument as _;
use uuid::Uuid;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionEventHandler, RTCPeerConnectionIceEvent, RTCPeerConnectionState,
    RTCSessionDescription,
};

use crate::budget::FrameBudget;
use crate::room::nat::announce_sdp;
use crate::room::outbox::Outbox;
use crate::room::protocol::{self, ClientFrame, EndReason, ServerFrame, Source, Target};
pub use crate::room::sdp::{candidate_init, sdp_problem, sending_track_ids};
use crate::room::sfu::{JoinError, Joined, Room, Rooms, Ticket};
use crate::room::subscriber::send_candidate;
use scheduler::consultations::ConsultationError;

/// WebSocket close code: the room ended or the participant was removed.
pub const CLOSE_ENDED: u16 = 4000;
/// WebSocket close code: the room is full.
pub const CLOSE_FULL: u16 = 4009;

/// Serves one participant until they leave, drop, or the room ends.
pub async fn serve<S, E>(rooms: Arc<Rooms>, mut socket: S, ticket: Ticket)
where
    S: Stream<Item = Result<WsMessage, E>> + Sink<WsMessage> + Unpin + Send,
    E: std::fmt::Display,
{
    let joined = match rooms.join(&ticket).await {
        Ok(joined) => joined,
        Err(e) => {
            let code = match e {
                JoinError::Full => "room_full",
                JoinError::Ended => "room_closed",
            };
            let frame = ServerFrame::error(code, e.to_string()).to_json();
            let _ = socket.send(WsMessage::Text(frame.into())).await;
            let _ = socket.send(close_frame(CLOSE_FULL, "cannot join")).await;
            return;
        }
    };
    let span = tracing::info_span!("room", consultation.id = %ticket.consultation, user.id = %ticket.caller.id, participant.id = %joined.participant_id);
    async move {
        tracing::info!("joined the room");
        let room = joined.room.clone();
        let participant_id = joined.participant_id;
        let mut session = Session {
            rooms,
            ticket,
            socket,
            publisher: None,
            sources: Arc::new(Mutex::new(HashMap::new())),
            budget: FrameBudget::new(FRAMES_PER_SECOND, FRAME_BURST),
            candidates: 0,
        };
        session.run(joined).await;
        room.leave(participant_id).await;
        if let Some(publisher) = session.publisher.take()
            && let Err(e) = publisher.close().await
        {
            tracing::debug!(error = %e, "closing a publisher connection");
        }
        tracing::info!("left the room");
    }
    .instrument(span)
    .await;
}

fn close_frame(code: u16, reason: &'static str) -> WsMessage {
    WsMessage::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}

/// Why the session loop stopped; only for logs.
enum Stop {
    ClientGone,
}

struct Session<S> {
    rooms: Arc<Rooms>,
    ticket: Ticket,
    socket: S,
    publisher: Option<Arc<dyn PeerConnection>>,
    /// Publisher track id → what it shows, as the client said in `publish`.
    sources: Arc<Mutex<HashMap<String, Source>>>,
    /// Inbound frames this socket may still send.
    budget: FrameBudget,
    /// ICE candidates received so far (at most [`MAX_CANDIDATES`]).
    candidates: u32,
}

/// Most ICE candidates one socket may send (a browser sends a handful per network interface).
const MAX_CANDIDATES: u32 = 64;

/// Sustained signalling frames per second per socket.
const FRAMES_PER_SECOND: u32 = 30;
/// Burst of signalling frames (ICE candidates come in a rush when a call starts).
const FRAME_BURST: u32 = 100;

impl<S, E> Session<S>
where
    S: Stream<Item = Result<WsMessage, E>> + Sink<WsMessage> + Unpin + Send,
    E: std::fmt::Display,
{
    async fn run(&mut self, mut joined: Joined) {
        let config = self.rooms.config().clone();
        let mut ping =
            tokio::time::interval_at(Instant::now() + config.heartbeat, config.heartbeat);
        let mut last_heard = Instant::now();
        loop {
            tokio::select! {
                biased;
                changed = joined.end.changed() => {
                    let reason = (*joined.end.borrow()).unwrap_or(EndReason::Shutdown);
                    if changed.is_ok() {
                        // Frames queued before the end (a last `participant_left`) go first.
                        while let Ok(frame) = joined.frames.try_recv() {
                            if self.write(&frame).await.is_err() { return; }
                        }
                    }
                    let _ = self.write(&ServerFrame::Ended { reason }).await;
                    let _ = self.socket.send(close_frame(CLOSE_ENDED, "room ended")).await;
                    return;
                }
                frame = joined.frames.recv() => {
                    let Some(frame) = frame else { return };
                    if self.write(&frame).await.is_err() { return; }
                }
                incoming = self.socket.next() => {
                    let Some(Ok(incoming)) = incoming else { return };
                    last_heard = Instant::now();
                    let result = match incoming {
                        WsMessage::Text(text) => Box::pin(self.on_frame(text.as_str(), &joined)).await,
                        WsMessage::Binary(_) => self.refuse("malformed_frame", "frames must be JSON text").await,
                        WsMessage::Close(_) => return,
                        WsMessage::Ping(_) | WsMessage::Pong(_) => Ok(true),
                    };
                    match result {
                        Ok(true) => {}
                        Ok(false) | Err(Stop::ClientGone) => return,
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > config.idle_timeout {
                        let _ = self.socket.send(close_frame(1001, "no heartbeat")).await;
                        return;
                    }
                    if self.socket.send(WsMessage::Ping(Vec::new().into())).await.is_err() { return; }
                }
            }
        }
    }

    /// Handles one client frame; `Ok(false)` when the participant left.
    async fn on_frame(&mut self, text: &str, joined: &Joined) -> Result<bool, Stop> {
        if self.budget.take().is_err() {
            metrics::counter!("room_frames_over_budget_total").increment(1);
            return self
                .refuse("rate_limited", "you are sending frames too fast")
                .await;
        }
        let frame = match protocol::parse(text) {
            Ok(frame) => frame,
            Err(reason) => {
                return self
                    .refuse("malformed_frame", format!("malformed frame: {reason}"))
                    .await;
            }
        };
        if let ClientFrame::Publish { sdp, .. } | ClientFrame::SubscribeAnswer { sdp } = &frame
            && let Some(problem) = sdp_problem(sdp)
        {
            return self.refuse("bad_sdp", problem).await;
        }
        match frame {
            ClientFrame::Ping {} => self.write(&ServerFrame::Pong).await.map(|()| true),
            ClientFrame::Leave {} => Ok(false),
            ClientFrame::Publish { sdp, tracks } => self.publish(joined, sdp, tracks).await,
            ClientFrame::SubscribeAnswer { sdp } => {
                let Some(subscriber) = joined.room.subscriber(joined.participant_id).await else {
                    return Ok(false);
                };
                match subscriber.answer(sdp).await {
                    Ok(()) => Ok(true),
                    Err(e) => self.refuse("bad_sdp", e.to_string()).await,
                }
            }
            ClientFrame::Candidate { target, candidate } => {
                if candidate.candidate.is_empty() {
                    return Ok(true); // end of candidates
                }
                self.candidates += 1;
                if self.candidates > MAX_CANDIDATES {
                    return self
                        .refuse(
                            "too_many_candidates",
                            format!("a session may send at most {MAX_CANDIDATES} ICE candidates"),
                        )
                        .await;
                }
                let init = candidate_init(candidate);
                let added = match target {
                    Target::Publisher => match &self.publisher {
                        Some(pc) => pc.add_ice_candidate(init).await.map_err(|e| e.to_string()),
                        None => Err("send a publish offer before its candidates".into()),
                    },
                    Target::Subscriber => match joined.room.subscriber(joined.participant_id).await
                    {
                        Some(sub) => sub.add_candidate(init).await.map_err(|e| e.to_string()),
                        None => return Ok(false),
                    },
                };
                match added {
                    Ok(()) => Ok(true),
                    Err(message) => self.refuse("bad_candidate", message).await,
                }
            }
            ClientFrame::Mute { source, muted } => {
                joined
                    .room
                    .set_muted(joined.participant_id, source, muted)
                    .await;
                Ok(true)
            }
            ClientFrame::End {} => {
                let config = self.rooms.config();
                let closed = scheduler::consultations::close_room(
                    &self.rooms.db,
                    config.opens_before,
                    config.clock.now(),
                    &self.ticket.caller,
                    self.ticket.consultation,
                )
                .await;
                match closed {
                    Ok(_) => {}
                    Err(ConsultationError::Room(refusal)) => {
                        return self.refuse(refusal.code(), refusal.to_string()).await;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "could not end the room");
                        return self
                            .refuse("internal", "the room could not be ended; try again")
                            .await;
                    }
                }
                self.rooms
                    .end(self.ticket.consultation, EndReason::EndedByLecturer)
                    .await;
                Ok(true)
            }
        }
    }

    /// Answers a publisher offer (the first, or a renegotiation adding or dropping tracks).
    async fn publish(
        &mut self,
        joined: &Joined,
        sdp: String,
        tracks: HashMap<String, Source>,
    ) -> Result<bool, Stop> {
        let offer = match RTCSessionDescription::offer(sdp) {
            Ok(offer) => offer,
            Err(e) => return self.refuse("bad_sdp", format!("invalid offer: {e}")).await,
        };
        let sending = sending_track_ids(&offer);
        if let Ok(mut sources) = self.sources.lock() {
            sources.extend(tracks);
        }
        let pc = match &self.publisher {
            Some(pc) => pc.clone(),
            None => {
                let events = Arc::new(PublisherEvents {
                    public_ip: self.rooms.config().public_ip,
                    room: Arc::downgrade(&joined.room),
                    participant_id: joined.participant_id,
                    outbox: joined.outbox.clone(),
                    sources: self.sources.clone(),
                });
                match joined.room.factory().build(events).await {
                    Ok(pc) => {
                        self.publisher = Some(pc.clone());
                        pc
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "could not make a publisher connection");
                        return self
                            .refuse("internal", "the server could not accept media now")
                            .await;
                    }
                }
            }
        };
        let answered = async {
            pc.set_remote_description(offer).await?;
            let answer = pc.create_answer(None).await?;
            let sdp = announce_sdp(&answer.sdp, self.rooms.config().public_ip);
            pc.set_local_description(answer).await?;
            Ok::<_, webrtc::error::Error>(sdp)
        }
        .await;
        match answered {
            Ok(sdp) => {
                joined.room.keep_only(joined.participant_id, &sending).await;
                self.write(&ServerFrame::PublishAnswer { sdp }).await?;
                Ok(true)
            }
            Err(e) => {
                self.refuse("bad_sdp", format!("the offer was refused: {e}"))
                    .await
            }
        }
    }

    async fn refuse(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
    ) -> Result<bool, Stop> {
        self.write(&ServerFrame::error(code, message))
            .await
            .map(|()| true)
    }

    async fn write(&mut self, frame: &ServerFrame) -> Result<(), Stop> {
        self.socket
            .send(WsMessage::Text(Utf8Bytes::from(frame.to_json())))
            .await
            .map_err(|_| Stop::ClientGone)
    }
}

/// Events of a participant's publisher connection: trickled candidates and arriving tracks.
struct PublisherEvents {
    public_ip: Option<std::net::IpAddr>,
    room: Weak<Room>,
    participant_id: Uuid,
    outbox: Outbox,
    sources: Arc<Mutex<HashMap<String, Source>>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for PublisherEvents {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        send_candidate(&self.outbox, Target::Publisher, &event, self.public_ip);
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        tracing::debug!(participant.id = %self.participant_id, %state, "publisher connection");
        if state == RTCPeerConnectionState::Failed {
            metrics::counter!("room_publisher_failures_total").increment(1);
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        // Never wait in the connection's own event loop: the room's lock may be held by someone
        // waiting on this connection.
        let Some(room) = self.room.upgrade() else {
            return;
        };
        let participant_id = self.participant_id;
        let sources = self.sources.clone();
        tokio::spawn(async move {
            let track_id = track.track_id().await;
            let source = sources.lock().ok().and_then(|s| s.get(&track_id).copied());
            room.track_arrived(participant_id, track, source).await;
        });
    }
}

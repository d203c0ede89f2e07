//! One consultation's room in this process: joining, publishing, muting and leaving, each a
//! change of its state (`state`, under the room's lock) told to the participants concerned.
//! Rooms are made and found by the registry ([`super::Rooms`]); a room reaches back only to the
//! [`RoomMap`] it is listed in, to leave it once empty.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::{mpsc, watch};
use uuid::Uuid;
use webrtc::media_stream::track_remote::TrackRemote;

use super::record::{RecordError, store_stopped};
use super::state::{Member, RoomState};
use super::ticket::{JoinError, Ticket};
use crate::room::outbox::{Outbox, TaskGuard};
use crate::room::peer::PeerFactory;
use crate::room::protocol::{EndReason, ParticipantView, ServerFrame, Source};
use crate::room::subscriber::Subscriber;
use crate::room::track::Published;

/// The running rooms of a registry by consultation. The registry owns it; each room holds it
/// weakly, to take itself off once its last participant left.
#[derive(Default)]
pub(super) struct RoomMap(Mutex<HashMap<Uuid, Arc<Room>>>);

impl RoomMap {
    /// The map, even if a thread panicked holding it.
    pub(super) fn lock(&self) -> MutexGuard<'_, HashMap<Uuid, Arc<Room>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The room of `consultation`, if it runs here.
    pub(super) fn get(&self, consultation: Uuid) -> Option<Arc<Room>> {
        let rooms = self.lock();
        rooms.get(&consultation).cloned()
    }

    /// Number of rooms listed (none if a thread panicked holding the map).
    pub(super) fn count(&self) -> usize {
        self.0.lock().map(|r| r.len()).unwrap_or_default()
    }

    async fn forget_if_empty(&self, consultation: Uuid) {
        let Some(room) = self.get(consultation) else {
            return;
        };
        if room.state.lock().await.members.is_empty() {
            let mut rooms = self.lock();
            if rooms
                .get(&consultation)
                .is_some_and(|r| Arc::ptr_eq(r, &room))
            {
                rooms.remove(&consultation);
            }
        }
    }
}

/// One consultation's room in this process.
pub struct Room {
    consultation: Uuid,
    db: models::Db,
    factory: Arc<PeerFactory>,
    state: tokio::sync::Mutex<RoomState>,
    registry: Weak<RoomMap>,
    _timer: Mutex<Option<TaskGuard>>,
}

/// A participant's side of the room: their id, the frames meant for them, and the signal that
/// the room (or their place in it) ended.
pub struct Joined {
    /// The room.
    pub room: Arc<Room>,
    /// Their participant id.
    pub participant_id: Uuid,
    /// Frames to write to their socket, the `ready` frame first.
    pub frames: mpsc::Receiver<ServerFrame>,
    /// Set when they must go.
    pub end: watch::Receiver<Option<EndReason>>,
    /// Their outbox, for frames the session writes itself (candidates from their publisher).
    pub outbox: Outbox,
}

impl Room {
    /// An empty room of `consultation`, listed in `registry`.
    pub(super) fn new(
        consultation: Uuid,
        db: models::Db,
        factory: Arc<PeerFactory>,
        registry: Weak<RoomMap>,
    ) -> Arc<Self> {
        Arc::new(Self {
            consultation,
            db,
            factory,
            state: tokio::sync::Mutex::new(RoomState::default()),
            registry,
            _timer: Mutex::new(None),
        })
    }

    /// Keeps `timer` (the room's closing time) running as long as the room lives.
    pub(super) fn set_timer(&self, timer: TaskGuard) {
        if let Ok(mut slot) = self._timer.lock() {
            *slot = Some(timer);
        }
    }

    /// The consultation this room belongs to.
    pub fn consultation(&self) -> Uuid {
        self.consultation
    }

    /// The peer connection factory.
    pub(crate) fn factory(&self) -> &Arc<PeerFactory> {
        &self.factory
    }

    /// Adds the ticket's holder, telling the others, and starts forwarding the room's tracks.
    /// A person has one seat: their earlier socket in this room (another tab or device) is
    /// ended with `joined_elsewhere`, so nobody fills a room with copies of themselves.
    pub(super) async fn join(self: &Arc<Self>, ticket: &Ticket) -> Result<Joined, JoinError> {
        let mut state = self.state.lock().await;
        if state.ended.is_some() {
            return Err(JoinError::Ended);
        }
        let user = ticket.caller.id;
        let others = state
            .members
            .values()
            .filter(|m| m.view.user_id != user)
            .count();
        if others >= self.factory.config().max_participants {
            return Err(JoinError::Full);
        }
        for earlier in state.members.values().filter(|m| m.view.user_id == user) {
            earlier.outbox.end(EndReason::JoinedElsewhere);
        }
        let participant_id = Uuid::new_v4();
        let (outbox, frames, end) = Outbox::new();
        let view = ParticipantView {
            id: participant_id,
            user_id: ticket.caller.id,
            display_name: ticket.caller.display_name.clone(),
            lecturer: ticket.lecturer,
            muted: Vec::new(),
        };
        for other in state.members.values().filter(|m| m.view.user_id != user) {
            other.outbox.send(ServerFrame::ParticipantJoined {
                participant: view.clone(),
            });
        }
        let config = self.factory.config();
        let mut participants: Vec<ParticipantView> = state
            .members
            .values()
            .filter(|m| m.view.user_id != user)
            .map(|m| m.view.clone())
            .collect();
        participants.push(view.clone());
        let tracks: Vec<Arc<Published>> = state.tracks.values().cloned().collect();
        outbox.send(ServerFrame::Ready {
            you: participant_id,
            consultation: self.consultation,
            participants,
            tracks: tracks.iter().map(|t| t.view.clone()).collect(),
            ice_servers: config.ice_servers.clone(),
            closes_at: ticket.closes_at,
            conversation: ticket.conversation,
            recording: state.recording.is_some(),
            heartbeat_ms: u64::try_from(config.heartbeat.as_millis()).unwrap_or(u64::MAX),
        });
        let subscriber = Arc::new(Subscriber::new(self.factory.clone(), outbox.clone()));
        if let Err(e) = subscriber.add_all(&tracks).await {
            tracing::warn!(error = %e, "could not forward the room's tracks to a new participant");
        }
        state.members.insert(
            participant_id,
            Member {
                view,
                session: ticket.session,
                outbox: outbox.clone(),
                subscriber,
            },
        );
        metrics::gauge!("room_participants").increment(1.0);
        Ok(Joined {
            room: self.clone(),
            participant_id,
            frames,
            end,
            outbox,
        })
    }

    /// A publisher's track arrived: forward it to everyone else in the room.
    pub(crate) async fn track_arrived(
        self: &Arc<Self>,
        participant_id: Uuid,
        track: Arc<dyn TrackRemote>,
        source: Option<Source>,
    ) {
        let room = Arc::downgrade(self);
        let ended = move |track_id: String| async move {
            if let Some(room) = room.upgrade() {
                room.unpublish(&track_id).await;
            }
        };
        let keyframe_interval = self.factory.config().keyframe_interval;
        let Some(published) =
            Published::start(participant_id, track, source, keyframe_interval, ended).await
        else {
            return;
        };
        let published = Arc::new(published);
        let mut state = self.state.lock().await;
        if !state.members.contains_key(&participant_id) {
            return;
        }
        state
            .tracks
            .insert(published.view.track_id.clone(), published.clone());
        metrics::gauge!("room_tracks").increment(1.0);
        state.record_track(&self.db, &published).await;
        for (id, member) in &state.members {
            if *id == participant_id {
                continue;
            }
            member.outbox.send(ServerFrame::TrackAdded {
                track: published.view.clone(),
            });
            if let Err(e) = member
                .subscriber
                .add_all(std::slice::from_ref(&published))
                .await
            {
                tracing::warn!(error = %e, "could not forward a track to a participant");
            }
        }
        tracing::info!(
            consultation.id = %self.consultation,
            participant.id = %participant_id,
            track.source = published.view.source.as_str(),
            track.mime = %published.codec.mime_type,
            "track published"
        );
    }

    /// Stops forwarding `track_id` (its publisher stopped it or left).
    pub(crate) async fn unpublish(&self, track_id: &str) {
        let mut state = self.state.lock().await;
        state.unpublish(track_id).await;
    }

    /// After a publisher renegotiated: stops forwarding their tracks the new offer no longer sends.
    pub(crate) async fn keep_only(&self, participant_id: Uuid, sending: &HashSet<String>) {
        let mut state = self.state.lock().await;
        let gone: Vec<String> = state
            .tracks
            .values()
            .filter(|t| {
                t.view.participant_id == participant_id && !sending.contains(&t.publisher_track_id)
            })
            .map(|t| t.view.track_id.clone())
            .collect();
        for track_id in gone {
            state.unpublish(&track_id).await;
        }
    }

    /// Records a mute change and tells the others.
    pub(crate) async fn set_muted(&self, participant_id: Uuid, source: Source, muted: bool) {
        let mut state = self.state.lock().await;
        let Some(member) = state.members.get_mut(&participant_id) else {
            return;
        };
        if member.view.muted.contains(&source) == muted {
            return; // No change: nothing to tell the others.
        }
        member.view.muted.retain(|s| *s != source);
        if muted {
            member.view.muted.push(source);
        }
        for (id, member) in &state.members {
            if *id != participant_id {
                member.outbox.send(ServerFrame::Mute {
                    participant_id,
                    source,
                    muted,
                });
            }
        }
    }

    /// The subscriber connection of a participant.
    pub(crate) async fn subscriber(&self, participant_id: Uuid) -> Option<Arc<Subscriber>> {
        let state = self.state.lock().await;
        state
            .members
            .get(&participant_id)
            .map(|m| m.subscriber.clone())
    }

    /// A participant left or dropped: their tracks stop, their connections close, the others
    /// are told. The room is forgotten once empty.
    pub async fn leave(&self, participant_id: Uuid) {
        let mut state = self.state.lock().await;
        let Some(member) = state.members.remove(&participant_id) else {
            return;
        };
        metrics::gauge!("room_participants").decrement(1.0);
        let theirs: Vec<String> = state
            .tracks
            .values()
            .filter(|t| t.view.participant_id == participant_id)
            .map(|t| t.view.track_id.clone())
            .collect();
        for track_id in theirs {
            state.unpublish(&track_id).await;
        }
        member.subscriber.close().await;
        for other in state.members.values() {
            other.outbox.send(ServerFrame::ParticipantLeft {
                participant_id,
                user_id: member.view.user_id,
            });
        }
        let empty = state.members.is_empty();
        let stopped = if empty {
            state.stop_recording(self.consultation)
        } else {
            None
        };
        drop(state);
        if stopped.is_some() {
            store_stopped(&self.db, self.consultation).await;
        }
        if empty && let Some(rooms) = self.registry.upgrade() {
            rooms.forget_if_empty(self.consultation).await;
        }
    }

    /// Ends the room for everyone (their sessions send `ended` and close).
    pub async fn end(&self, reason: EndReason) {
        let mut state = self.state.lock().await;
        state.ended.get_or_insert(reason);
        for member in state.members.values() {
            member.outbox.end(reason);
        }
        let stopped = state.stop_recording(self.consultation);
        drop(state);
        if stopped.is_some() {
            store_stopped(&self.db, self.consultation).await;
        }
    }

    /// Starts recording every track, present and future, into `dir` as recording `id`.
    pub async fn start_recording(&self, id: Uuid, dir: PathBuf) -> Result<(), RecordError> {
        let mut state = self.state.lock().await;
        state
            .start_recording(&self.db, self.consultation, id, dir)
            .await
    }

    /// Stops the recording, finishing its files; returns its id if one ran.
    pub async fn stop_recording(&self) -> Option<Uuid> {
        let mut state = self.state.lock().await;
        state.stop_recording(self.consultation)
    }

    /// Tells one user's participants they lost their place.
    pub(super) async fn remove_user(&self, user_id: Uuid) {
        let state = self.state.lock().await;
        for member in state.members.values().filter(|m| m.view.user_id == user_id) {
            member.outbox.end(EndReason::Removed);
        }
    }

    /// Ends the sockets opened with a device session that was revoked.
    pub(super) async fn end_session(&self, session: Uuid) {
        let state = self.state.lock().await;
        for member in state.members.values().filter(|m| m.session == session) {
            member.outbox.end(EndReason::SignedOut);
        }
    }

    /// Who is present.
    pub async fn participants(&self) -> Vec<ParticipantView> {
        let state = self.state.lock().await;
        state.members.values().map(|m| m.view.clone()).collect()
    }
}

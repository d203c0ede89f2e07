//! The selective forwarding unit: the rooms of this process, who is in each, which tracks are
//! published, and fan-out of every published track to every other participant's subscriber
//! connection. Each participant sends their media once; the server copies the RTP packets.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};

use chrono::{DateTime, Utc};
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::{RTCRtpCodec, RtpCodecKind};
use tokio::sync::{broadcast, mpsc, watch};
use uuid::Uuid;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use crate::room::frames::Codec;
use crate::room::outbox::{Outbox, TaskGuard};
use crate::room::peer::{PeerFactory, RoomConfig};
use crate::room::protocol::{EndReason, ParticipantView, ServerFrame, Source, TrackView};
use crate::room::recording::TrackRecorder;
use crate::room::subscriber::Subscriber;

/// RTP packets buffered per published track; a subscriber further behind skips ahead (and
/// recovers at the next keyframe) instead of holding the others back.
const PACKETS_BUFFERED: usize = 1024;

/// Who is joining a room, as the HTTP edge checked them.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The consultation.
    pub consultation: Uuid,
    /// The user's account.
    pub caller: models::user::User,
    /// Whether they are its lecturer.
    pub lecturer: bool,
    /// The conversation shown beside the video.
    pub conversation: Uuid,
    /// When the room closes by itself.
    pub closes_at: DateTime<Utc>,
}

/// Why a participant could not join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    /// The room holds its maximum.
    #[error("the room is full")]
    Full,
    /// The room ended meanwhile.
    #[error("the room has ended")]
    Ended,
}

/// A track received from a publisher and forwarded to the others.
pub(crate) struct Published {
    /// How subscribers see it.
    pub view: TrackView,
    /// The id the publisher gave it (its `msid` track id).
    pub publisher_track_id: String,
    /// Its codec, for the subscribers' tracks.
    pub codec: RTCRtpCodec,
    /// Audio or video.
    pub kind: RtpCodecKind,
    /// Every packet, for each subscriber's forwarding task.
    pub packets: broadcast::Sender<rtp::Packet>,
    remote: Arc<dyn TrackRemote>,
    media_ssrc: u32,
    _tasks: Vec<TaskGuard>,
}

impl Published {
    /// Asks the publisher for a keyframe, so a new subscriber's picture starts at once.
    pub async fn request_keyframe(&self) {
        if self.kind != RtpCodecKind::Video {
            return;
        }
        let pli = PictureLossIndication {
            sender_ssrc: 0,
            media_ssrc: self.media_ssrc,
        };
        if self.remote.write_rtcp(vec![Box::new(pli)]).await.is_ok() {
            metrics::counter!("room_keyframe_requests_total").increment(1);
        }
    }
}

struct Member {
    view: ParticipantView,
    outbox: Outbox,
    subscriber: Arc<Subscriber>,
}

#[derive(Default)]
struct RoomState {
    members: HashMap<Uuid, Member>,
    tracks: HashMap<String, Arc<Published>>,
    ended: Option<EndReason>,
    recording: Option<ActiveRecording>,
}

/// A recording in progress: one file per track.
struct ActiveRecording {
    id: Uuid,
    dir: PathBuf,
    files: usize,
    recorders: HashMap<String, TrackRecorder>,
}

/// Why a recording could not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Nobody is in the room in this process.
    #[error("nobody is in the room")]
    NotRunning,
    /// One is already running.
    #[error("this consultation is already being recorded")]
    AlreadyRecording,
}

/// One consultation's room in this process.
pub struct Room {
    consultation: Uuid,
    db: models::Db,
    factory: Arc<PeerFactory>,
    state: tokio::sync::Mutex<RoomState>,
    registry: Weak<Rooms>,
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
    /// The consultation this room belongs to.
    pub fn consultation(&self) -> Uuid {
        self.consultation
    }

    /// The peer connection factory.
    pub(crate) fn factory(&self) -> &Arc<PeerFactory> {
        &self.factory
    }

    async fn join(self: &Arc<Self>, ticket: &Ticket) -> Result<Joined, JoinError> {
        let mut state = self.state.lock().await;
        if state.ended.is_some() {
            return Err(JoinError::Ended);
        }
        if state.members.len() >= self.factory.config().max_participants {
            return Err(JoinError::Full);
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
        for other in state.members.values() {
            other.outbox.send(ServerFrame::ParticipantJoined {
                participant: view.clone(),
            });
        }
        let config = self.factory.config();
        let mut participants: Vec<ParticipantView> =
            state.members.values().map(|m| m.view.clone()).collect();
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
        let Some(media_ssrc) = track.ssrcs().await.first().copied() else {
            return;
        };
        let Some(codec) = track.codec(media_ssrc).await else {
            return;
        };
        let kind = track.kind().await;
        let source = source.unwrap_or(match kind {
            RtpCodecKind::Audio => Source::Microphone,
            _ => Source::Camera,
        });
        let track_id = format!("{}-{}", source.as_str(), Uuid::new_v4().simple());
        let (packets, _) = broadcast::channel(PACKETS_BUFFERED);
        let reader = tokio::spawn(read_packets(
            track.clone(),
            packets.clone(),
            Arc::downgrade(self),
            track_id.clone(),
        ));
        let mut tasks = vec![TaskGuard(reader)];
        if kind == RtpCodecKind::Video {
            tasks.push(TaskGuard(tokio::spawn(request_keyframes(
                track.clone(),
                media_ssrc,
                self.factory.config().keyframe_interval,
            ))));
        }
        let published = Arc::new(Published {
            view: TrackView {
                track_id,
                stream_id: participant_id.to_string(),
                participant_id,
                source,
                kind: if kind == RtpCodecKind::Audio {
                    "audio"
                } else {
                    "video"
                },
            },
            publisher_track_id: track.track_id().await,
            codec,
            kind,
            packets,
            remote: track,
            media_ssrc,
            _tasks: tasks,
        });
        let mut state = self.state.lock().await;
        if !state.members.contains_key(&participant_id) {
            return;
        }
        state
            .tracks
            .insert(published.view.track_id.clone(), published.clone());
        metrics::gauge!("room_tracks").increment(1.0);
        self.record_track(&mut state, &published).await;
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
            track.source = source.as_str(),
            track.mime = %published.codec.mime_type,
            "track published"
        );
    }

    /// Stops forwarding `track_id` (its publisher stopped it or left).
    pub(crate) async fn unpublish(&self, track_id: &str) {
        let mut state = self.state.lock().await;
        Self::unpublish_locked(&mut state, track_id).await;
    }

    async fn unpublish_locked(state: &mut RoomState, track_id: &str) {
        let Some(track) = state.tracks.remove(track_id) else {
            return;
        };
        metrics::gauge!("room_tracks").decrement(1.0);
        // Dropping its recorder finishes the track's file.
        if let Some(recording) = &mut state.recording {
            recording.recorders.remove(track_id);
        }
        for (id, member) in &state.members {
            if *id == track.view.participant_id {
                continue;
            }
            member.outbox.send(ServerFrame::TrackRemoved {
                track_id: track_id.to_owned(),
                participant_id: track.view.participant_id,
            });
            if let Err(e) = member.subscriber.remove(track_id).await {
                tracing::warn!(error = %e, "could not stop forwarding a track");
            }
        }
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
            Self::unpublish_locked(&mut state, &track_id).await;
        }
    }

    /// Records a mute change and tells the others.
    pub(crate) async fn set_muted(&self, participant_id: Uuid, source: Source, muted: bool) {
        let mut state = self.state.lock().await;
        let Some(member) = state.members.get_mut(&participant_id) else {
            return;
        };
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
            Self::unpublish_locked(&mut state, &track_id).await;
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
            self.stop_recording_locked(&mut state)
        } else {
            None
        };
        drop(state);
        if stopped.is_some() {
            self.store_stopped().await;
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
        let stopped = self.stop_recording_locked(&mut state);
        drop(state);
        if stopped.is_some() {
            self.store_stopped().await;
        }
    }

    /// Starts recording every track, present and future, into `dir` as recording `id`.
    pub async fn start_recording(&self, id: Uuid, dir: PathBuf) -> Result<(), RecordError> {
        let mut state = self.state.lock().await;
        if state.members.is_empty() || state.ended.is_some() {
            return Err(RecordError::NotRunning);
        }
        if state.recording.is_some() {
            return Err(RecordError::AlreadyRecording);
        }
        state.recording = Some(ActiveRecording {
            id,
            dir,
            files: 0,
            recorders: HashMap::new(),
        });
        let tracks: Vec<Arc<Published>> = state.tracks.values().cloned().collect();
        for track in &tracks {
            self.record_track(&mut state, track).await;
        }
        for member in state.members.values() {
            member.outbox.send(ServerFrame::Recording { active: true });
        }
        tracing::info!(consultation.id = %self.consultation, recording.id = %id, "recording started");
        Ok(())
    }

    /// Stops the recording, finishing its files; returns its id if one ran.
    pub async fn stop_recording(&self) -> Option<Uuid> {
        let mut state = self.state.lock().await;
        self.stop_recording_locked(&mut state)
    }

    fn stop_recording_locked(&self, state: &mut RoomState) -> Option<Uuid> {
        let recording = state.recording.take()?;
        for member in state.members.values() {
            member.outbox.send(ServerFrame::Recording { active: false });
        }
        tracing::info!(consultation.id = %self.consultation, recording.id = %recording.id, files = recording.files, "recording stopped");
        Some(recording.id)
    }

    /// Marks the consultation's running recording stopped in the database.
    async fn store_stopped(&self) {
        if let Err(e) = models::recording::stop(&self.db, self.consultation).await {
            tracing::warn!(error = %e, "could not store that a recording stopped");
        }
    }

    /// Starts a file for `track` if a recording runs (VP8 video and Opus audio are recorded).
    async fn record_track(&self, state: &mut RoomState, track: &Published) {
        let codec = match track.codec.mime_type.to_ascii_lowercase().as_str() {
            "video/vp8" => Codec::Vp8,
            "audio/opus" => Codec::Opus,
            other => {
                tracing::warn!(mime = other, "this codec is not recorded");
                return;
            }
        };
        let owner = state
            .members
            .get(&track.view.participant_id)
            .map(|m| (m.view.user_id, m.view.display_name.clone()));
        let Some(recording) = &mut state.recording else {
            return;
        };
        if recording.recorders.contains_key(&track.view.track_id) {
            return;
        }
        let Some((user_id, display_name)) = owner else {
            return;
        };
        recording.files += 1;
        let file = models::recording::RecordingFile {
            file_name: models::recording::file_name(
                recording.files,
                &display_name,
                track.view.source.as_str(),
            ),
            user_id: Some(user_id),
            display_name,
            source: track.view.source.as_str().to_owned(),
        };
        let path = recording.dir.join(&file.file_name);
        match TrackRecorder::start(path, codec, track.packets.subscribe()) {
            Ok(recorder) => {
                recording
                    .recorders
                    .insert(track.view.track_id.clone(), recorder);
                if let Err(e) = models::recording::add_file(&self.db, recording.id, &file).await {
                    tracing::warn!(error = %e, "could not list a recording file");
                }
                track.request_keyframe().await;
            }
            Err(e) => tracing::error!(error = %e, "cannot write a recording file"),
        }
    }

    /// Tells one user's participants they lost their place.
    async fn remove_user(&self, user_id: Uuid) {
        let state = self.state.lock().await;
        for member in state.members.values().filter(|m| m.view.user_id == user_id) {
            member.outbox.end(EndReason::Removed);
        }
    }

    /// Who is present.
    pub async fn participants(&self) -> Vec<ParticipantView> {
        let state = self.state.lock().await;
        state.members.values().map(|m| m.view.clone()).collect()
    }
}

/// Copies a publisher's packets into the broadcast channel until the track ends.
async fn read_packets(
    track: Arc<dyn TrackRemote>,
    packets: broadcast::Sender<rtp::Packet>,
    room: Weak<Room>,
    track_id: String,
) {
    while let Some(event) = track.poll().await {
        match event {
            TrackRemoteEvent::OnRtpPacket(packet) => {
                metrics::counter!("room_rtp_packets_received_total").increment(1);
                // No subscriber yet is fine: nothing to forward to.
                let _ = packets.send(packet);
            }
            TrackRemoteEvent::OnEnded => break,
            _ => {}
        }
    }
    if let Some(room) = room.upgrade() {
        room.unpublish(&track_id).await;
    }
}

/// Asks for a keyframe every `interval`, so a subscriber that lost packets recovers.
async fn request_keyframes(
    track: Arc<dyn TrackRemote>,
    media_ssrc: u32,
    interval: std::time::Duration,
) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        let pli = PictureLossIndication {
            sender_ssrc: 0,
            media_ssrc,
        };
        if track.write_rtcp(vec![Box::new(pli)]).await.is_err() {
            return;
        }
    }
}

/// The rooms of this process. Create one with [`Rooms::new`] and share it.
pub struct Rooms {
    factory: Arc<PeerFactory>,
    /// Database, for the lecturer ending a room from inside it.
    pub db: models::Db,
    rooms: Mutex<HashMap<Uuid, Arc<Room>>>,
    me: Weak<Rooms>,
}

impl Rooms {
    /// The registry, with peer connections made as `config` says.
    pub fn new(db: models::Db, config: RoomConfig) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            factory: Arc::new(PeerFactory::new(config)),
            db,
            rooms: Mutex::new(HashMap::new()),
            me: me.clone(),
        })
    }

    /// The media configuration (ICE servers for the REST view, for one).
    pub fn config(&self) -> &RoomConfig {
        self.factory.config()
    }

    /// Joins the ticket's room, making it if nobody is in it yet.
    pub async fn join(&self, ticket: &Ticket) -> Result<Joined, JoinError> {
        let room = self.room(ticket);
        room.join(ticket).await
    }

    fn room(&self, ticket: &Ticket) -> Arc<Room> {
        let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        rooms
            .entry(ticket.consultation)
            .or_insert_with(|| {
                let room = Arc::new(Room {
                    consultation: ticket.consultation,
                    db: self.db.clone(),
                    factory: self.factory.clone(),
                    state: tokio::sync::Mutex::new(RoomState::default()),
                    registry: self.me.clone(),
                    _timer: Mutex::new(None),
                });
                let closes_in = (ticket.closes_at - Utc::now()).to_std().unwrap_or_default();
                let (registry, consultation) = (self.me.clone(), ticket.consultation);
                let timer = tokio::spawn(async move {
                    tokio::time::sleep(closes_in).await;
                    if let Some(rooms) = registry.upgrade() {
                        rooms.end(consultation, EndReason::TimeUp).await;
                    }
                });
                if let Ok(mut slot) = room._timer.lock() {
                    *slot = Some(TaskGuard(timer));
                }
                room
            })
            .clone()
    }

    fn get(&self, consultation: Uuid) -> Option<Arc<Room>> {
        let rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        rooms.get(&consultation).cloned()
    }

    async fn forget_if_empty(&self, consultation: Uuid) {
        let Some(room) = self.get(consultation) else {
            return;
        };
        if room.state.lock().await.members.is_empty() {
            let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
            if rooms
                .get(&consultation)
                .is_some_and(|r| Arc::ptr_eq(r, &room))
            {
                rooms.remove(&consultation);
            }
        }
    }

    /// Who is in the room now (nobody if it is not running here).
    pub async fn participants(&self, consultation: Uuid) -> Vec<ParticipantView> {
        match self.get(consultation) {
            Some(room) => room.participants().await,
            None => Vec::new(),
        }
    }

    /// Ends a room for everyone in it; a later join starts a new one.
    pub async fn end(&self, consultation: Uuid, reason: EndReason) {
        let room = {
            let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
            rooms.remove(&consultation)
        };
        if let Some(room) = room {
            room.end(reason).await;
        }
    }

    /// Starts recording the room of `consultation` into `dir`.
    pub async fn start_recording(
        &self,
        consultation: Uuid,
        id: Uuid,
        dir: PathBuf,
    ) -> Result<(), RecordError> {
        match self.get(consultation) {
            Some(room) => room.start_recording(id, dir).await,
            None => Err(RecordError::NotRunning),
        }
    }

    /// Stops recording the room of `consultation`; returns the recording's id if one ran here.
    pub async fn stop_recording(&self, consultation: Uuid) -> Option<Uuid> {
        self.get(consultation)?.stop_recording().await
    }

    /// Removes `user` from a room (they lost their place).
    pub async fn remove_user(&self, consultation: Uuid, user: Uuid) {
        if let Some(room) = self.get(consultation) {
            room.remove_user(user).await;
        }
    }

    /// Number of rooms running here.
    pub fn len(&self) -> usize {
        self.rooms.lock().map(|r| r.len()).unwrap_or_default()
    }

    /// Whether no room runs here.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

//! What a room guards with its lock: its participants, the tracks they publish and the
//! recording in progress, with the changes that touch only this state (stopping a track,
//! starting and stopping the recording). The room ([`super::Room`]) takes the lock and calls
//! these; nothing here knows the room or its registry.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use uuid::Uuid;

use super::record::{ActiveRecording, RecordError, recorded_codec};
use crate::room::outbox::Outbox;
use crate::room::protocol::{EndReason, ParticipantView, ServerFrame};
use crate::room::subscriber::Subscriber;
use crate::room::track::Published;

/// One participant: how the others see them, their frames, and their subscriber connection.
pub(super) struct Member {
    pub(super) view: ParticipantView,
    /// The device session its socket was opened with.
    pub(super) session: Uuid,
    pub(super) outbox: Outbox,
    pub(super) subscriber: Arc<Subscriber>,
}

/// A room's participants, published tracks, end and recording.
#[derive(Default)]
pub(super) struct RoomState {
    pub(super) members: HashMap<Uuid, Member>,
    pub(super) tracks: HashMap<String, Arc<Published>>,
    pub(super) ended: Option<EndReason>,
    pub(super) recording: Option<ActiveRecording>,
}

impl RoomState {
    /// Stops forwarding `track_id` to everyone and finishes its recording file.
    pub(super) async fn unpublish(&mut self, track_id: &str) {
        let Some(track) = self.tracks.remove(track_id) else {
            return;
        };
        metrics::gauge!("room_tracks").decrement(1.0);
        // Dropping its recorder finishes the track's file.
        if let Some(recording) = &mut self.recording {
            recording.remove_track(track_id);
        }
        for (id, member) in &self.members {
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

    /// Starts recording every track of `consultation`'s room, present and future, into `dir`
    /// as recording `id`.
    pub(super) async fn start_recording(
        &mut self,
        db: &models::Db,
        consultation: Uuid,
        id: Uuid,
        dir: PathBuf,
    ) -> Result<(), RecordError> {
        if self.members.is_empty() || self.ended.is_some() {
            return Err(RecordError::NotRunning);
        }
        if self.recording.is_some() {
            return Err(RecordError::AlreadyRecording);
        }
        self.recording = Some(ActiveRecording::new(id, dir));
        let tracks: Vec<Arc<Published>> = self.tracks.values().cloned().collect();
        for track in &tracks {
            self.record_track(db, track).await;
        }
        for member in self.members.values() {
            member.outbox.send(ServerFrame::Recording { active: true });
        }
        tracing::info!(consultation.id = %consultation, recording.id = %id, "recording started");
        Ok(())
    }

    /// Stops the recording of `consultation`'s room, finishing its files; returns its id if
    /// one ran.
    pub(super) fn stop_recording(&mut self, consultation: Uuid) -> Option<Uuid> {
        let recording = self.recording.take()?;
        for member in self.members.values() {
            member.outbox.send(ServerFrame::Recording { active: false });
        }
        tracing::info!(consultation.id = %consultation, recording.id = %recording.id(), files = recording.files(), "recording stopped");
        Some(recording.id())
    }

    /// Starts a file for `track` if a recording runs (VP8 video and Opus audio are recorded).
    pub(super) async fn record_track(&mut self, db: &models::Db, track: &Published) {
        let Some(codec) = recorded_codec(track) else {
            return;
        };
        let owner = self
            .members
            .get(&track.view.participant_id)
            .map(|m| (m.view.user_id, m.view.display_name.clone()));
        if let Some(recording) = &mut self.recording {
            recording.add_track(db, track, codec, owner).await;
        }
    }
}

//! Recording control: the recording a room runs while the lecturer records, one WebM file per
//! track (written by [`crate::room::recording`]), each listed in the database as it starts. The
//! room decides when a recording starts and stops; this module knows nothing of the room.

use std::collections::HashMap;
use std::path::PathBuf;

use uuid::Uuid;

use crate::room::frames::Codec;
use crate::room::recording::TrackRecorder;
use crate::room::track::Published;

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

/// A recording in progress: one file per track.
pub(super) struct ActiveRecording {
    id: Uuid,
    dir: PathBuf,
    files: usize,
    recorders: HashMap<String, TrackRecorder>,
}

impl ActiveRecording {
    /// Recording `id`, writing its files into `dir`; no file yet.
    pub(super) fn new(id: Uuid, dir: PathBuf) -> Self {
        Self {
            id,
            dir,
            files: 0,
            recorders: HashMap::new(),
        }
    }

    /// The recording's id.
    pub(super) fn id(&self) -> Uuid {
        self.id
    }

    /// How many files it started.
    pub(super) fn files(&self) -> usize {
        self.files
    }

    /// Finishes the file of `track_id`, if it has one (dropping its recorder ends the file).
    pub(super) fn remove_track(&mut self, track_id: &str) {
        self.recorders.remove(track_id);
    }

    /// Starts a file for `track` (in `codec`, published by `owner`: their user id and name)
    /// unless it has one or its publisher is unknown, lists it in the database, and asks for a
    /// keyframe so the file starts with a picture.
    pub(super) async fn add_track(
        &mut self,
        db: &models::Db,
        track: &Published,
        codec: Codec,
        owner: Option<(Uuid, String)>,
    ) {
        if self.recorders.contains_key(&track.view.track_id) {
            return;
        }
        let Some((user_id, display_name)) = owner else {
            return;
        };
        self.files += 1;
        let file = models::recording::RecordingFile {
            file_name: models::recording::file_name(
                self.files,
                &display_name,
                track.view.source.as_str(),
            ),
            user_id: Some(user_id),
            display_name,
            source: track.view.source.as_str().to_owned(),
        };
        let path = self.dir.join(&file.file_name);
        match TrackRecorder::start(path, codec, track.packets.subscribe()) {
            Ok(recorder) => {
                self.recorders.insert(track.view.track_id.clone(), recorder);
                if let Err(e) = models::recording::add_file(db, self.id, &file).await {
                    tracing::warn!(error = %e, "could not list a recording file");
                }
                track.request_keyframe().await;
            }
            Err(e) => tracing::error!(error = %e, "cannot write a recording file"),
        }
    }
}

/// The codec `track` is recorded in (VP8 video and Opus audio are recorded); `None`, with a
/// warning, for any other.
pub(super) fn recorded_codec(track: &Published) -> Option<Codec> {
    match track.codec.mime_type.to_ascii_lowercase().as_str() {
        "video/vp8" => Some(Codec::Vp8),
        "audio/opus" => Some(Codec::Opus),
        other => {
            tracing::warn!(mime = other, "this codec is not recorded");
            None
        }
    }
}

/// Marks the consultation's running recording stopped in the database.
pub(super) async fn store_stopped(db: &models::Db, consultation: Uuid) {
    if let Err(e) = models::recording::stop(db, consultation).await {
        tracing::warn!(error = %e, "could not store that a recording stopped");
    }
}

//! The lecturer starting or stopping a room's recording, as one use case each: the room rules
//! (`scheduler::consultations::load_room`, lecturer only, while the room is open), the stored
//! recording row and the live recorder, kept in step (a recorder that cannot start leaves no
//! row "running").

use models::user::User;
use models::{ModelError, recording};
use scheduler::consultations::{self, ConsultationError, Room};
use scheduler::lifecycle::Role;
use scheduler::room::RoomRefusal;
use uuid::Uuid;

use super::sfu::{RecordError, Rooms};

/// Why a recording could not be started or stopped.
#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    /// The room rules refuse (not the lecturer, not open, no such consultation...).
    #[error(transparent)]
    Refused(#[from] ConsultationError),
    /// Nobody is in the room, so there is nothing to record.
    #[error("nobody is in the room: join it before recording")]
    RoomEmpty,
    /// A recording is already running.
    #[error("this room is already being recorded")]
    AlreadyRecording,
    /// Nothing is being recorded.
    #[error("this consultation is not being recorded")]
    NotRecording,
}

impl SwitchError {
    /// The stable machine-readable code (`refused` stands for the room rules' own codes).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Refused(_) => "refused",
            Self::RoomEmpty => "room_empty",
            Self::AlreadyRecording => "already_recording",
            Self::NotRecording => "not_recording",
        }
    }
}

impl From<ModelError> for SwitchError {
    fn from(e: ModelError) -> Self {
        Self::Refused(e.into())
    }
}

impl From<RoomRefusal> for SwitchError {
    fn from(e: RoomRefusal) -> Self {
        Self::Refused(e.into())
    }
}

/// The room of consultation `id`, if `caller` is its lecturer and it is open now.
async fn lecturers_open_room(rooms: &Rooms, caller: &User, id: Uuid) -> Result<Room, SwitchError> {
    let config = rooms.config();
    let now = config.clock.now();
    let room = consultations::load_room(&rooms.db, config.opens_before, now, caller, id).await?;
    if room.role != Role::Lecturer {
        return Err(RoomRefusal::NotTheLecturer.into());
    }
    scheduler::room::admit(room.role, &room.facts)?;
    Ok(room)
}

/// Starts recording every track of the room of consultation `id` (its lecturer, while open).
pub async fn start_recording(rooms: &Rooms, caller: &User, id: Uuid) -> Result<Room, SwitchError> {
    let room = lecturers_open_room(rooms, caller, id).await?;
    let recording = recording::start(&rooms.db, id, caller.id).await?;
    let dir = rooms
        .config()
        .recordings_dir
        .join(id.to_string())
        .join(recording.to_string());
    if let Err(e) = rooms.start_recording(id, recording, dir).await {
        recording::stop(&rooms.db, id).await?;
        return Err(match e {
            RecordError::NotRunning => SwitchError::RoomEmpty,
            RecordError::AlreadyRecording => SwitchError::AlreadyRecording,
        });
    }
    Ok(room)
}

/// Stops the room's recording (its lecturer, while open).
pub async fn stop_recording(rooms: &Rooms, caller: &User, id: Uuid) -> Result<Room, SwitchError> {
    let room = lecturers_open_room(rooms, caller, id).await?;
    rooms.stop_recording(id).await;
    if recording::stop(&rooms.db, id).await?.is_none() {
        return Err(SwitchError::NotRecording);
    }
    Ok(room)
}

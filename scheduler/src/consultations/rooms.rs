//! A consultation's video room: who may manage it and the lecturer opening it early or ending
//! it. The HTTP edge and the room's own signalling (its `end` frame) both end a room through
//! [`close_room`], so the same rules hold on either path.

use chrono::{DateTime, Duration, Utc};
use models::consultation::{self, Consultation};
use models::room::{self, StoredRoom};
use models::user::User;
use models::{Db, ModelError};
use uuid::Uuid;

use super::access;
use super::error::{ConsultationError, ConsultationResult};
use crate::lifecycle::Role;
use crate::room::{RoomFacts, RoomRefusal};

/// A consultation with its room, as the caller relates to it.
#[derive(Debug, Clone)]
pub struct Room {
    /// The consultation.
    pub consultation: Consultation,
    /// The caller's part in it.
    pub role: Role,
    /// What is stored about the room.
    pub stored: StoredRoom,
    /// Its timing now.
    pub facts: RoomFacts,
}

/// The room of consultation `id` for `caller`: not found if there is no such consultation,
/// refused for anyone but its lecturer and the students holding a place.
pub async fn load_room(
    db: &Db,
    opens_before: Duration,
    now: DateTime<Utc>,
    caller: &User,
    id: Uuid,
) -> ConsultationResult<Room> {
    let c = match consultation::get(db, id).await {
        Ok(c) => c,
        Err(ModelError::NotFound) => return Err(ConsultationError::NotFound("consultation")),
        Err(e) => return Err(e.into()),
    };
    let role = access::role_of(&c, caller);
    if !matches!(role, Role::Lecturer | Role::Student { holds_place: true }) {
        return Err(RoomRefusal::NotAParticipant.into());
    }
    let stored = room::get(db, id).await?;
    let facts = access::room_facts(&c, &stored, opens_before, now);
    Ok(Room {
        consultation: c,
        role,
        stored,
        facts,
    })
}

/// Opens the room now, ahead of its scheduled opening (or again after ending it): the lecturer,
/// before the end of a confirmed consultation.
pub async fn open_room(
    db: &Db,
    opens_before: Duration,
    now: DateTime<Utc>,
    caller: &User,
    id: Uuid,
) -> ConsultationResult<Room> {
    act(db, opens_before, now, caller, id, Act::Open).await
}

/// Ends the room for everyone (the lecturer, while it has not closed) and stores that it ended;
/// the caller then stops the live call.
pub async fn close_room(
    db: &Db,
    opens_before: Duration,
    now: DateTime<Utc>,
    caller: &User,
    id: Uuid,
) -> ConsultationResult<Room> {
    act(db, opens_before, now, caller, id, Act::Close).await
}

/// What the lecturer does to the room.
#[derive(Debug, Clone, Copy)]
enum Act {
    Open,
    Close,
}

async fn act(
    db: &Db,
    opens_before: Duration,
    now: DateTime<Utc>,
    caller: &User,
    id: Uuid,
    act: Act,
) -> ConsultationResult<Room> {
    let mut loaded = load_room(db, opens_before, now, caller, id).await?;
    loaded.stored = match act {
        Act::Open => {
            crate::room::may_open(loaded.role, &loaded.facts)?;
            room::open(db, id, now).await?
        }
        Act::Close => {
            crate::room::may_close(loaded.role, &loaded.facts)?;
            room::close(db, id, now).await?
        }
    };
    loaded.facts = access::room_facts(&loaded.consultation, &loaded.stored, opens_before, now);
    Ok(loaded)
}

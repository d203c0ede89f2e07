//! Reading consultations: one, or the caller's in a range, each with its room's timing, for
//! whoever may see them ([`access::may_see`]).

use chrono::{DateTime, Utc};
use models::consultation::{self, Consultation};
use models::user::User;
use models::{Db, ModelError, room};
use uuid::Uuid;

use super::Settings;
use super::access;
use super::error::{ConsultationError, ConsultationResult};
use crate::room::RoomFacts;

/// A consultation with its room's timing, as of when it was read.
#[derive(Debug, Clone)]
pub struct Viewed {
    /// The consultation.
    pub consultation: Consultation,
    /// Its room's timing (whether it is open now, when it opens and closes).
    pub room: RoomFacts,
}

/// `c` with its room's stored state.
pub(super) async fn viewed(
    db: &Db,
    settings: &Settings,
    c: Consultation,
) -> Result<Viewed, ModelError> {
    let stored = room::get(db, c.id).await?;
    let room = access::room_facts(
        &c,
        &stored,
        settings.room_opens_before,
        settings.clock.now(),
    );
    Ok(Viewed {
        consultation: c,
        room,
    })
}

/// One consultation, if `viewer` may see it (else not found).
pub async fn get(
    db: &Db,
    settings: &Settings,
    viewer: &User,
    id: Uuid,
) -> ConsultationResult<Viewed> {
    let c = match consultation::get(db, id).await {
        Ok(c) if access::may_see(&c, viewer.id) => c,
        Ok(_) | Err(ModelError::NotFound) => {
            return Err(ConsultationError::NotFound("consultation"));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(viewed(db, settings, c).await?)
}

/// The viewer's consultations overlapping `[from, to)`, by start.
pub async fn list(
    db: &Db,
    settings: &Settings,
    viewer: &User,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ConsultationResult<Vec<Viewed>> {
    let list = consultation::list_for(db, viewer.id, from, to).await?;
    Ok(with_rooms(db, settings, list).await?)
}

/// Each consultation of `list` with its room's stored state (one query for all).
pub(super) async fn with_rooms(
    db: &Db,
    settings: &Settings,
    list: Vec<Consultation>,
) -> Result<Vec<Viewed>, ModelError> {
    let ids: Vec<Uuid> = list.iter().map(|c| c.id).collect();
    let stored = room::get_many(db, &ids).await?;
    let now = settings.clock.now();
    Ok(list
        .into_iter()
        .map(|c| {
            let stored = stored.get(&c.id).cloned().unwrap_or_default();
            let room = access::room_facts(&c, &stored, settings.room_opens_before, now);
            Viewed {
                consultation: c,
                room,
            }
        })
        .collect())
}

//! The registry of the rooms running in this process: makes a consultation's room on its first
//! join (with the timer that closes it), finds it for the HTTP edge, and forgets it once ended.

use std::path::PathBuf;
use std::sync::{Arc, Weak};

use uuid::Uuid;

use super::record::RecordError;
use super::room::{Joined, Room, RoomMap};
use super::ticket::{JoinError, Ticket};
use crate::room::outbox::TaskGuard;
use crate::room::peer::{PeerFactory, RoomConfig};
use crate::room::protocol::{EndReason, ParticipantView};

/// The rooms of this process. Create one with [`Rooms::new`] and share it.
pub struct Rooms {
    factory: Arc<PeerFactory>,
    /// Database, for the lecturer ending a room from inside it.
    pub db: models::Db,
    rooms: Arc<RoomMap>,
    me: Weak<Rooms>,
}

impl Rooms {
    /// The registry, with peer connections made as `config` says.
    pub fn new(db: models::Db, config: RoomConfig) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            factory: Arc::new(PeerFactory::new(config)),
            db,
            rooms: Arc::new(RoomMap::default()),
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
        let mut rooms = self.rooms.lock();
        rooms
            .entry(ticket.consultation)
            .or_insert_with(|| {
                let room = Room::new(
                    ticket.consultation,
                    self.db.clone(),
                    self.factory.clone(),
                    Arc::downgrade(&self.rooms),
                );
                let clock = self.factory.config().clock.clone();
                let (registry, consultation) = (self.me.clone(), ticket.consultation);
                let closes_at = ticket.closes_at;
                let timer = tokio::spawn(async move {
                    clock.sleep_until(closes_at).await;
                    if let Some(rooms) = registry.upgrade() {
                        rooms.end(consultation, EndReason::TimeUp).await;
                    }
                });
                room.set_timer(TaskGuard(timer));
                room
            })
            .clone()
    }

    /// Who is in the room now (nobody if it is not running here).
    pub async fn participants(&self, consultation: Uuid) -> Vec<ParticipantView> {
        match self.rooms.get(consultation) {
            Some(room) => room.participants().await,
            None => Vec::new(),
        }
    }

    /// Ends a room for everyone in it; a later join starts a new one.
    pub async fn end(&self, consultation: Uuid, reason: EndReason) {
        let room = {
            let mut rooms = self.rooms.lock();
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
        match self.rooms.get(consultation) {
            Some(room) => room.start_recording(id, dir).await,
            None => Err(RecordError::NotRunning),
        }
    }

    /// Stops recording the room of `consultation`; returns the recording's id if one ran here.
    pub async fn stop_recording(&self, consultation: Uuid) -> Option<Uuid> {
        self.rooms.get(consultation)?.stop_recording().await
    }

    /// Removes `user` from a room (they lost their place).
    pub async fn remove_user(&self, consultation: Uuid, user: Uuid) {
        if let Some(room) = self.rooms.get(consultation) {
            room.remove_user(user).await;
        }
    }

    /// Ends every room socket opened with `session`, which was revoked.
    pub async fn end_session(&self, session: Uuid) {
        let rooms: Vec<Arc<Room>> = self.rooms.lock().values().cloned().collect();
        for room in rooms {
            room.end_session(session).await;
        }
    }

    /// Number of rooms running here.
    pub fn len(&self) -> usize {
        self.rooms.count()
    }

    /// Whether no room runs here.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

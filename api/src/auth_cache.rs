//! The short-lived in-memory cache that resolves session tokens to users, so authenticated
//! requests rarely touch the database. Revocations and user changes evict entries at once,
//! locally and, through PostgreSQL LISTEN/NOTIFY, in every other server process.
//!
//! Kept apart from [`crate::auth`] (the request extractors) so that the application state can
//! hold the cache without depending on the extractors that read the state.

use std::time::Duration;

use chrono::Utc;
use models::Db;
use models::session::{self, ActiveSession, SessionToken, TokenHash};
use models::user::{self, User};
use moka::sync::Cache;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::error::ApiError;

/// How long a resolved session or user is trusted without asking the database again. Changes
/// made through any server process evict entries immediately; this only bounds staleness if a
/// notification is ever lost.
const CACHE_TTL: Duration = Duration::from_secs(60);

/// Something other parts of the server must react to, such as closing a revoked session's
/// WebSockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthEvent {
    /// The session with this id was revoked.
    SessionRevoked(Uuid),
}

/// Cache of resolved sessions and users, plus the channel announcing revocations.
pub struct AuthCache {
    sessions: Cache<TokenHash, ActiveSession>,
    users: Cache<Uuid, User>,
    events: broadcast::Sender<AuthEvent>,
    idle_hours: u32,
}

impl AuthCache {
    /// An empty cache; sessions unused for `idle_hours` are refused (and revoked).
    pub fn new(idle_hours: u32) -> Self {
        Self {
            idle_hours,
            sessions: Cache::builder()
                .max_capacity(200_000)
                .time_to_live(CACHE_TTL)
                .build(),
            users: Cache::builder()
                .max_capacity(200_000)
                .time_to_live(CACHE_TTL)
                .build(),
            events: broadcast::channel(1024).0,
        }
    }

    /// Subscribes to revocations (the chat gateway closes the session's sockets).
    pub fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.events.subscribe()
    }

    /// Forgets a revoked session and tells subscribers.
    pub fn session_revoked(&self, id: Uuid, hash: &TokenHash) {
        self.sessions.invalidate(hash);
        // Nobody listening is fine: there are simply no sockets to close.
        let _ = self.events.send(AuthEvent::SessionRevoked(id));
    }

    /// Forgets a user whose profile or role changed.
    pub fn user_changed(&self, id: Uuid) {
        self.users.invalidate(&id);
    }

    /// Forgets everything (after losing the notification connection, when changes may have
    /// been missed).
    pub fn clear(&self) {
        self.sessions.invalidate_all();
        self.users.invalidate_all();
    }

    /// Resolves a token to its session and user, or `None` if revoked, expired or unknown.
    pub async fn resolve(
        &self,
        db: &Db,
        token: &SessionToken,
    ) -> Result<Option<(ActiveSession, User)>, ApiError> {
        let hash = token.hash();
        let session = match self.sessions.get(&hash) {
            Some(s) => s,
            None => match session::authenticate(db, &hash, self.idle_hours).await? {
                Some(s) => {
                    self.sessions.insert(hash, s);
                    s
                }
                None => return Ok(None),
            },
        };
        if session.expires_at <= Utc::now() {
            self.sessions.invalidate(&hash);
            return Ok(None);
        }
        let user = match self.users.get(&session.user_id) {
            Some(u) => u,
            None => {
                let u = user::find(db, session.user_id).await?;
                self.users.insert(u.id, u.clone());
                u
            }
        };
        Ok(Some((session, user)))
    }
}

/// Keeps this process's cache in step with changes made by any process, until the pool closes.
pub async fn follow_changes(db: Db, cache: std::sync::Arc<AuthCache>) {
    loop {
        match listen(&db, &cache).await {
            Ok(()) => return,
            Err(e) if db.is_closed() => {
                tracing::debug!(error = %e, "change listener stopped with the pool");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "change listener failed; retrying in 1 s");
                cache.clear();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn listen(db: &Db, cache: &AuthCache) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(db).await?;
    listener
        .listen_all([session::REVOKED_CHANNEL, user::CHANGED_CHANNEL])
        .await?;
    loop {
        let Some(note) = listener.try_recv().await? else {
            // The connection dropped and was re-established: anything may have been missed.
            cache.clear();
            continue;
        };
        match note.channel() {
            session::REVOKED_CHANNEL => {
                let parsed = note.payload().split_once(':').and_then(|(id, hash)| {
                    Some((id.parse::<Uuid>().ok()?, TokenHash::from_hex(hash)?))
                });
                match parsed {
                    Some((id, hash)) => cache.session_revoked(id, &hash),
                    None => tracing::warn!(payload = note.payload(), "malformed revocation notice"),
                }
            }
            _ => match note.payload().parse::<Uuid>() {
                Ok(id) => cache.user_changed(id),
                Err(_) => tracing::warn!(payload = note.payload(), "malformed user-change notice"),
            },
        }
    }
}

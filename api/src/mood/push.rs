//! The distribution phase: every process listens for changed moods and pushes them to the
//! contacts connected to it (and to the user's own devices), as `mood` frames.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use models::mood::{self, UserMood};
use models::{Db, ModelError};
use realtime::Gateway;
use realtime::protocol::ServerFrame;
use sqlx::postgres::PgListener;
use uuid::Uuid;

use crate::views::mood::MoodView;

/// Follows [`mood::UPDATED_CHANNEL`] until the pool closes, reconnecting on failure.
pub async fn follow(db: Db, gateway: std::sync::Arc<Gateway>) {
    loop {
        match listen(&db, &gateway).await {
            Ok(()) => return,
            Err(e) if db.is_closed() => {
                tracing::debug!(error = %e, "mood listener stopped with the pool");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "mood listener failed; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn listen(db: &Db, gateway: &Gateway) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(db).await?;
    listener.listen(mood::UPDATED_CHANNEL).await?;
    loop {
        let Some(note) = listener.try_recv().await? else {
            continue;
        };
        let result = match note.payload().split_once(':') {
            Some(("window", start)) => match start.parse::<DateTime<Utc>>() {
                Ok(start) => push_window(db, gateway, start).await,
                Err(_) => Ok(()),
            },
            Some(("user", id)) => match id.parse::<Uuid>() {
                Ok(user) => push_user(db, gateway, user).await,
                Err(_) => Ok(()),
            },
            _ => {
                tracing::warn!(payload = note.payload(), "malformed mood notice");
                Ok(())
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not push moods");
        }
    }
}

/// Pushes every mood measured in the window.
async fn push_window(db: &Db, gateway: &Gateway, start: DateTime<Utc>) -> Result<(), ModelError> {
    let moods = mood::moods_of_window(db, start).await?;
    let subjects: Vec<Uuid> = moods.iter().map(|m| m.user_id).collect();
    let by_subject: HashMap<Uuid, &UserMood> = moods.iter().map(|m| (m.user_id, m)).collect();
    push(db, gateway, &subjects, |s| by_subject.get(&s).copied()).await
}

/// Pushes one user's mood after a sharing change: their mood, or null once they stop sharing.
async fn push_user(db: &Db, gateway: &Gateway, user: Uuid) -> Result<(), ModelError> {
    let current = mood::current_moods(db, &[user]).await?;
    push(db, gateway, &[user], |_| current.first()).await
}

async fn push<'a>(
    db: &Db,
    gateway: &Gateway,
    subjects: &[Uuid],
    mood_of: impl Fn(Uuid) -> Option<&'a UserMood>,
) -> Result<(), ModelError> {
    if subjects.is_empty() {
        return Ok(());
    }
    let mut audience: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (subject, contact) in mood::audiences(db, subjects).await? {
        audience.entry(subject).or_default().push(contact);
    }
    for &subject in subjects {
        let event = frame(subject, mood_of(subject)).event();
        gateway.hub.send_to_user(subject, &event);
        if let Some(contacts) = audience.get(&subject) {
            gateway.hub.send_to_users(contacts, &event);
        }
    }
    Ok(())
}

/// The `mood` frame (docs/protocol.md).
pub fn frame(user: Uuid, mood: Option<&UserMood>) -> ServerFrame<'static> {
    ServerFrame::Mood {
        user,
        mood: mood.map(|m| ServerFrame::view(&MoodView::from(m))),
    }
}

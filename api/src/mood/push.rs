//! The distribution phase: every process listens for changed moods and pushes them, as `mood`
//! frames, to the user's own devices and to the contacts connected to it, each contact getting
//! only what `models::mood::Facts::allow` lets them see.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use models::mood::{self, UserMood};
use models::{Db, ModelError, conversation};
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

/// Pushes every mood measured in the window: to the writer's own devices their mood over all
/// their conversations, and to each contact what the rule lets them see (the writer's readings
/// of this window from the conversations the two share, if the writer shares with the
/// contact's role). A contact who may see nothing of this window hears nothing.
async fn push_window(db: &Db, gateway: &Gateway, start: DateTime<Utc>) -> Result<(), ModelError> {
    for own in mood::moods_of_window(db, start).await? {
        gateway
            .hub
            .send_to_user(own.user_id, &frame(own.user_id, Some(&own)).event());
    }
    for seen in mood::moods_seen_in_window(db, start).await? {
        if gateway.hub.is_online(seen.viewer) {
            let event = frame(seen.mood.user_id, Some(&seen.mood)).event();
            gateway.hub.send_to_user(seen.viewer, &event);
        }
    }
    Ok(())
}

/// Pushes one user's mood after a sharing change or after they deleted their readings: to their
/// own devices their mood, to each contact connected here what that contact may see now (null:
/// forget it).
async fn push_user(db: &Db, gateway: &Gateway, user: Uuid) -> Result<(), ModelError> {
    let own = mood::current_moods(db, &[user]).await?;
    gateway
        .hub
        .send_to_user(user, &frame(user, own.first()).event());
    let viewers: Vec<Uuid> = conversation::contact_ids(db, user)
        .await?
        .into_iter()
        .filter(|viewer| gateway.hub.is_online(*viewer))
        .collect();
    let seen: HashMap<Uuid, UserMood> = mood::moods_seen(db, &viewers, &[user])
        .await?
        .into_iter()
        .map(|s| (s.viewer, s.mood))
        .collect();
    for viewer in viewers {
        let event = frame(user, seen.get(&viewer)).event();
        gateway.hub.send_to_user(viewer, &event);
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

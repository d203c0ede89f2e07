//! The contact list: the people who agreed to be in touch with the caller, with their presence
//! and the mood they chose to show.

use axum::extract::State;
use models::conversation;
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::Json;
use crate::state::AppState;
use crate::views::chat::{ContactList, ContactView};

/// The caller's contacts (who counts: `models::conversation::contacts`), with presence and the
/// mood each chose to show the caller: from the latest window of their readings in the
/// conversations the two share, if they share with the caller's role (`models::mood::moods_seen`).
#[utoipa::path(get, path = "/contacts", tag = "chat", responses((status = 200, body = ContactList)))]
pub async fn contacts(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<ContactList>> {
    let contacts = conversation::contacts(&state.db, current.user.id).await?;
    let ids: Vec<Uuid> = contacts.iter().map(|c| c.user_id).collect();
    let moods = models::mood::moods_seen(&state.db, &[current.user.id], &ids).await?;
    let online = state.gateway.online_among(&ids).await?;
    let contacts = contacts
        .into_iter()
        .map(|c| {
            let online = online.contains(&c.user_id);
            let mood = moods
                .iter()
                .find(|seen| seen.mood.user_id == c.user_id)
                .map(|seen| crate::views::mood::MoodView::from(&seen.mood));
            ContactView::new(c, online, mood)
        })
        .collect();
    Ok(Json(ContactList { contacts }))
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(contacts))
}

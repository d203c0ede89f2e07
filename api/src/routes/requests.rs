//! Consent over REST: answering a request or group invitation (accept or decline), blocking
//! people (which also refuses their future requests), and a group owner sharing the history
//! that late joiners do not otherwise see.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use models::conversation;
use realtime::membership;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{Json, Path};
use crate::routes::conversations::{announce, view_for};
use crate::state::AppState;
use crate::views::chat::ConversationView;

/// Someone the caller blocked.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlockedView {
    /// Their user id.
    pub id: Uuid,
    /// Their name.
    pub display_name: String,
    /// When they were blocked.
    pub blocked_at: DateTime<Utc>,
}

/// The people the caller blocked.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlockList {
    /// Latest first.
    pub blocked: Vec<BlockedView>,
}

/// Accepts a request or invitation: the caller becomes a member and a contact of the others.
#[utoipa::path(post, path = "/conversations/{id}/accept", tag = "chat",
    params(("id" = Uuid, Path, description = "conversation id")),
    responses((status = 200, body = ConversationView, description = "now a member"),
              (status = 404, description = "no request or invitation to accept")))]
pub async fn accept(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ConversationView>> {
    let me = current.user.id;
    membership::accept(&state.gateway, me, id).await?;
    let view = view_for(&state, id, me).await?;
    let members: Vec<Uuid> = view.members.iter().map(|m| m.id).collect();
    announce(&state, id, &members, Some(view.last_seq)).await?;
    Ok(Json(view))
}

/// Declines a request or invitation; a declined direct request is deleted with its messages.
#[utoipa::path(post, path = "/conversations/{id}/decline", tag = "chat",
    params(("id" = Uuid, Path, description = "conversation id")),
    responses((status = 204, description = "declined"),
              (status = 404, description = "no request or invitation to decline")))]
pub async fn decline(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let remaining = membership::decline(&state.gateway, current.user.id, id).await?;
    announce(&state, id, &remaining, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Blocks a person: pending requests and invitations between the two are withdrawn, they can
/// send the caller no new request, their direct conversation takes no new messages, and
/// neither sees the other's presence or mood. Idempotent.
#[utoipa::path(put, path = "/users/{id}/block", tag = "chat",
    params(("id" = Uuid, Path, description = "the person to block")),
    responses((status = 204, description = "blocked"), (status = 404, description = "no such user"),
              (status = 422, description = "blocking yourself")))]
pub async fn block(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let changed = membership::block(&state.gateway, current.user.id, id).await?;
    for (conversation, remaining) in changed {
        announce(&state, conversation, &remaining, None).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Unblocks a person (they may send requests again).
#[utoipa::path(delete, path = "/users/{id}/block", tag = "chat",
    params(("id" = Uuid, Path, description = "the person to unblock")),
    responses((status = 204, description = "unblocked"), (status = 404, description = "not blocked")))]
pub async fn unblock(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    membership::unblock(&state.gateway, current.user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The people the caller blocked.
#[utoipa::path(get, path = "/me/blocks", tag = "chat", responses((status = 200, body = BlockList)))]
pub async fn blocked(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<BlockList>> {
    let blocked = conversation::blocked_by(&state.db, current.user.id)
        .await?
        .into_iter()
        .map(|b| BlockedView {
            id: b.user_id,
            display_name: b.display_name,
            blocked_at: b.blocked_at,
        })
        .collect();
    Ok(Json(BlockList { blocked }))
}

/// Shares the group's whole history with every member (owner only). A room's conversation
/// shows late joiners only what was said after they joined until its lecturer does this.
#[utoipa::path(post, path = "/conversations/{id}/share-history", tag = "chat",
    params(("id" = Uuid, Path, description = "conversation id")),
    responses((status = 200, body = ConversationView), (status = 403, description = "not the owner"),
              (status = 404, description = "not a member")))]
pub async fn share_history(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ConversationView>> {
    let me = current.user.id;
    if !conversation::can_read(&state.db, id, me).await? {
        return Err(crate::error::ApiError::NotFound("conversation"));
    }
    let members = conversation::share_history(&state.db, id, me).await?;
    announce(&state, id, &members, None).await?;
    Ok(Json(view_for(&state, id, me).await?))
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(block, unblock))
        .routes(routes!(blocked))
        .routes(routes!(share_history))
}

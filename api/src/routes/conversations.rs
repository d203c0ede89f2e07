//! Conversations over REST: create (direct or group), list, read, manage members, page history,
//! search. Live traffic goes over the WebSocket (routes::ws).

use axum::extract::State;
use axum::extract::ws::Utf8Bytes;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use models::conversation::{self, Kind, ListCursor, Listing, MemberStatus};
use models::message;
use models::values::{GroupName, PageSize, SearchQuery};
use realtime::hub::Event;
use realtime::membership;
use realtime::protocol::ServerFrame;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::views::chat::{
    ConversationList, ConversationView, MemberView, MessagePage, MessageView, SearchResults,
};

/// What to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum NewConversation {
    /// The one conversation between the caller and `user_id` (returned if it exists).
    Direct {
        /// The other person.
        user_id: Uuid,
    },
    /// A named group of 2 to 100 members, owned by the caller.
    Group {
        /// Group name, 1 to 80 characters.
        name: GroupName,
        /// The other members.
        member_ids: Vec<Uuid>,
    },
}

/// A member to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// The user to add.
    pub user_id: Uuid,
}

/// History paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// Only messages with a smaller seq (default: the latest page).
    pub before: Option<i64>,
    /// Only messages with a larger seq, oldest first (to page forward); excludes `before`.
    pub after: Option<i64>,
    /// Page size, 1 to 100 (default 50).
    #[param(inline)]
    pub limit: Option<PageSize>,
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words, "phrases" or -exclusions (1 to 200 characters).
    #[param(inline)]
    pub q: SearchQuery,
    /// Page size, 1 to 100 (default 20).
    #[param(inline)]
    pub limit: Option<PageSize>,
    /// Results to skip.
    pub offset: Option<i64>,
}

/// The conversation as `viewer` sees it; 404 if they are neither a member nor invited.
pub(crate) async fn view_for(
    state: &AppState,
    conversation: Uuid,
    viewer: Uuid,
) -> ApiResult<ConversationView> {
    let summary = conversation::list_for(&state.db, viewer, Listing::One(conversation))
        .await?
        .pop()
        .ok_or(ApiError::NotFound("conversation"))?;
    let contacts = conversation::contact_ids(&state.db, viewer).await?;
    let members = member_views(state, conversation, viewer, &contacts).await?;
    Ok(ConversationView::new(summary, members, viewer))
}

/// A conversation's members, with live presence for the viewer and their contacts only.
async fn member_views(
    state: &AppState,
    conversation: Uuid,
    viewer: Uuid,
    contacts: &[Uuid],
) -> ApiResult<Vec<MemberView>> {
    let members = conversation::members(&state.db, conversation).await?;
    let visible: Vec<Uuid> = members
        .iter()
        .map(|m| m.user_id)
        .filter(|id| *id == viewer || contacts.contains(id))
        .collect();
    let online = state.gateway.online_among(&visible).await?;
    Ok(members
        .into_iter()
        .map(|m| {
            let presence = visible
                .contains(&m.user_id)
                .then(|| online.contains(&m.user_id));
            MemberView::new(m, presence)
        })
        .collect())
}

/// Tells `added` (new members or invitees of `conversation`) and the existing members about
/// the change; new readers' connected devices follow it from its latest message.
pub(crate) async fn welcome(state: &AppState, conversation: Uuid, added: &[Uuid]) -> ApiResult<()> {
    let Some(first) = added.first() else {
        return Ok(());
    };
    state.gateway.forget_members(conversation);
    let view = view_for(state, conversation, *first).await?;
    announce(state, conversation, added, Some(view.last_seq)).await?;
    let others: Vec<Uuid> = view
        .members
        .iter()
        .map(|m| m.id)
        .filter(|m| !added.contains(m))
        .collect();
    announce(state, conversation, &others, None).await
}

/// Pushes a `conversation` frame to each of `users` (their own view), making the connected
/// devices of those who may read it follow it from `follow_from` when given (a group
/// invitation is only shown, not followed).
pub(crate) async fn announce(
    state: &AppState,
    conversation: Uuid,
    users: &[Uuid],
    follow_from: Option<i64>,
) -> ApiResult<()> {
    for user in users {
        let view = view_for(state, conversation, *user).await?;
        let reads = view.status == MemberStatus::Active || view.kind == Kind::Direct;
        let frame = ServerFrame::Conversation {
            conversation: ServerFrame::view(&view),
        };
        let frame = Utf8Bytes::from(frame.to_json());
        let event = match follow_from.filter(|_| reads) {
            Some(from_seq) => Event::Follow {
                conversation,
                from_seq,
                frame,
            },
            None => Event::Frame(frame),
        };
        state.gateway.send_to_user(*user, &event);
    }
    Ok(())
}

/// Starts a direct conversation (or returns the existing one) or creates a group. With someone
/// who is not a contact a direct conversation is a request they must accept (until then the
/// caller may write `REQUEST_MESSAGE_CAP` messages); group members are invited.
#[utoipa::path(post, path = "/conversations", tag = "chat", request_body = NewConversation,
    responses((status = 201, body = ConversationView, description = "created"),
              (status = 200, body = ConversationView, description = "the existing direct conversation"),
              (status = 403, description = "the other person blocked the caller"),
              (status = 409, description = "the caller blocked the other person"),
              (status = 422, description = "invalid members or name")))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(new): Json<NewConversation>,
) -> ApiResult<impl IntoResponse> {
    let me = current.user.id;
    let started = match new {
        NewConversation::Direct { user_id } => {
            membership::open_direct(&state.gateway, me, user_id).await?
        }
        NewConversation::Group { name, member_ids } => {
            membership::create_group(&state.gateway, me, &name, &member_ids).await?
        }
    };
    let status = if started.created {
        announce(&state, started.id, &started.members, Some(0)).await?;
        StatusCode::CREATED
    } else {
        // Opening it may have accepted the other's request: both see the current view.
        announce(&state, started.id, &started.members, None).await?;
        StatusCode::OK
    };
    Ok((status, Json(view_for(&state, started.id, me).await?)))
}

/// Conversation list paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Page size, 1 to 100 (default 100).
    #[param(inline)]
    pub limit: Option<PageSize>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Reads a `next_cursor` ("<RFC 3339 time>_<conversation id>").
fn parse_cursor(raw: &str) -> ApiResult<ListCursor> {
    let invalid = || ApiError::Unprocessable {
        code: "validation_failed",
        message: "cursor: pass back a next_cursor exactly as it was given".into(),
    };
    let (time, id) = raw.rsplit_once('_').ok_or_else(invalid)?;
    Ok(ListCursor {
        updated_at: time.parse().map_err(|_| invalid())?,
        id: id.parse().map_err(|_| invalid())?,
    })
}

/// The caller's conversations (requests and invitations included), latest activity first,
/// with unread counts, a page at a time.
#[utoipa::path(get, path = "/conversations", tag = "chat", params(ListParams),
    responses((status = 200, body = ConversationList), (status = 422, description = "bad limit or cursor")))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<ListParams>,
) -> ApiResult<Json<ConversationList>> {
    let me = current.user.id;
    let limit = params.limit.unwrap_or(PageSize::CONVERSATIONS).get();
    let after = params.cursor.as_deref().map(parse_cursor).transpose()?;
    let summaries = conversation::list_for(&state.db, me, Listing::Page { after, limit }).await?;
    let next_cursor = (summaries.len() as i64 == limit)
        .then(|| summaries.last())
        .flatten()
        .map(|last| format!("{}_{}", last.updated_at.to_rfc3339(), last.id));
    let contacts = conversation::contact_ids(&state.db, me).await?;
    let mut conversations = Vec::with_capacity(summaries.len());
    for summary in summaries {
        let members = member_views(&state, summary.id, me, &contacts).await?;
        conversations.push(ConversationView::new(summary, members, me));
    }
    Ok(Json(ConversationList {
        conversations,
        next_cursor,
    }))
}

/// One conversation with its members.
#[utoipa::path(get, path = "/conversations/{id}", tag = "chat",
    params(("id" = Uuid, Path, description = "conversation id")),
    responses((status = 200, body = ConversationView), (status = 404, description = "not a member")))]
pub async fn get(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ConversationView>> {
    Ok(Json(view_for(&state, id, current.user.id).await?))
}

/// Invites someone to a group (owner only); they become a member when they accept.
#[utoipa::path(post, path = "/conversations/{id}/members", tag = "chat", request_body = NewMember,
    params(("id" = Uuid, Path, description = "conversation id")),
    responses((status = 200, body = ConversationView), (status = 403, description = "not the owner"),
              (status = 409, description = "already a member or invited, or the group is full")))]
pub async fn add_member(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Json(new): Json<NewMember>,
) -> ApiResult<Json<ConversationView>> {
    let me = current.user.id;
    membership::add_member(&state.gateway, me, id, new.user_id).await?;
    let view = view_for(&state, id, me).await?;
    announce(&state, id, &[new.user_id], Some(view.last_seq)).await?;
    let others: Vec<Uuid> = view
        .members
        .iter()
        .map(|m| m.id)
        .filter(|m| *m != new.user_id)
        .collect();
    announce(&state, id, &others, None).await?;
    Ok(Json(view))
}

/// Removes a member (the owner removes anyone; anyone may remove themselves, i.e. leave).
#[utoipa::path(delete, path = "/conversations/{id}/members/{user_id}", tag = "chat",
    params(("id" = Uuid, Path, description = "conversation id"), ("user_id" = Uuid, Path, description = "member")),
    responses((status = 204, description = "removed"), (status = 403, description = "not the owner"),
              (status = 404, description = "no such member")))]
pub async fn remove_member(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((id, user_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let remaining = membership::remove_member(&state.gateway, current.user.id, id, user_id).await?;
    announce(&state, id, &remaining, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of history, oldest first: the latest page, or the page before `before`.
#[utoipa::path(get, path = "/conversations/{id}/messages", tag = "chat",
    params(("id" = Uuid, Path, description = "conversation id"), HistoryParams),
    responses((status = 200, body = MessagePage), (status = 404, description = "not a member"),
              (status = 429, description = "more than 10 pages a second (burst 40)")))]
pub async fn history(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
    Query(params): Query<HistoryParams>,
) -> ApiResult<Json<MessagePage>> {
    let limit = params.limit.unwrap_or(PageSize::HISTORY).get();
    state.reads.check_history(current.user.id)?;
    let Some(floor) = conversation::history_floor(&state.db, id, current.user.id).await? else {
        return Err(ApiError::NotFound("conversation"));
    };
    if params.before.is_some() && params.after.is_some() {
        return Err(ApiError::Unprocessable {
            code: "validation_failed",
            message: "give either before or after, not both".into(),
        });
    }
    let (messages, has_more) =
        message::history_page(&state.db, id, floor, params.before, params.after, limit).await?;
    Ok(Json(MessagePage {
        messages: messages.into_iter().map(MessageView::from).collect(),
        has_more,
    }))
}

/// Full-text search over the caller's conversations.
#[utoipa::path(get, path = "/search", tag = "chat", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 422, description = "empty or too long query"),
              (status = 429, description = "more than 2 searches a second (burst 10)")))]
pub async fn search(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<SearchParams>,
) -> ApiResult<Json<SearchResults>> {
    let limit = params.limit.unwrap_or(PageSize::LIST).get();
    let offset = params.offset.unwrap_or(0).max(0);
    state.reads.check_search(current.user.id)?;
    let hits =
        message::search(&state.db, current.user.id, params.q.as_str(), limit, offset).await?;
    Ok(Json(SearchResults {
        results: hits.into_iter().map(Into::into).collect(),
    }))
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(add_member))
        .routes(routes!(remove_member))
        .routes(routes!(history))
        .routes(routes!(search))
}

//! Consultation rooms over REST and their signalling WebSocket: who may enter and when
//! (`scheduler::room`), the lecturer opening early or ending the room, and the upgrade that hands
//! the socket to the forwarding unit (`realtime::room`).

use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse as _, Response};
use models::room;
use realtime::room::Ticket;
use realtime::room::protocol::EndReason;
use scheduler::consultations;
pub(crate) use scheduler::consultations::Room as Loaded;
use scheduler::lifecycle;
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{Json, Path, Upgrade};
use crate::room_forward;
use crate::room_nodes::Route;
use crate::routes::conversations::welcome;
use crate::state::AppState;
use crate::views::consultations::PersonView;
use crate::views::rooms::{IceServerView, PresentView, RoomView};

/// Largest signalling frame (an SDP offer of a few tracks is about 10 KB).
const MAX_SIGNAL_FRAME_BYTES: usize = 96 * 1024;

/// The caller's room of consultation `id` (see `scheduler::consultations::load_room`).
pub(crate) async fn load(state: &AppState, id: Uuid, caller: &CurrentUser) -> ApiResult<Loaded> {
    let (opens_before, now) = room_timing(state);
    Ok(consultations::load_room(&state.db, opens_before, now, &caller.user, id).await?)
}

/// How long before its start a room opens, and what time it is now, for the room rules.
fn room_timing(state: &AppState) -> (chrono::Duration, chrono::DateTime<chrono::Utc>) {
    let settings = &state.consultations;
    (settings.room_opens_before, settings.clock.now())
}

/// Makes the room's conversation, or adds anyone missing to it, and tells them: when the room is
/// opened or entered, never on a read.
async fn ensure_conversation(state: &AppState, loaded: &Loaded) -> ApiResult<Uuid> {
    let c = &loaded.consultation;
    let members: Vec<Uuid> = std::iter::once(c.lecturer_id)
        .chain(c.active_students().map(|p| p.student_id))
        .collect();
    let (conversation, added) =
        room::ensure_conversation(&state.db, c.id, c.lecturer_id, &c.topic, &members).await?;
    welcome(state, conversation, &added).await?;
    Ok(conversation)
}

/// The room's view, with its conversation once it has one.
async fn view(
    state: &AppState,
    loaded: &Loaded,
    conversation: Option<Uuid>,
) -> ApiResult<RoomView> {
    let c = &loaded.consultation;
    let present = state.rooms.participants(c.id).await;
    Ok(RoomView {
        consultation_id: c.id,
        topic: c.topic.clone(),
        lecturer: PersonView {
            id: c.lecturer_id,
            display_name: c.lecturer_name.clone(),
        },
        students: c
            .active_students()
            .map(|p| PersonView {
                id: p.student_id,
                display_name: p.display_name.clone(),
            })
            .collect(),
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        opens_at: loaded.facts.opens_at(),
        closes_at: loaded.facts.closes_at(),
        open: loaded.facts.is_open(),
        can_manage: loaded.role == lifecycle::Role::Lecturer,
        conversation_id: conversation,
        present: present.into_iter().map(PresentView::from).collect(),
        ice_servers: state
            .rooms
            .config()
            .ice_servers
            .iter()
            .map(IceServerView::from)
            .collect(),
    })
}

/// A consultation's video room: when it is open, who is in it, its conversation, ICE servers.
#[utoipa::path(get, path = "/consultations/{id}/room", tag = "rooms",
    params(("id" = Uuid, Path, description = "Consultation")),
    responses((status = 200, body = RoomView),
              (status = 403, description = "`not_a_participant`: not its lecturer nor a booked student"),
              (status = 404, description = "No such consultation")))]
pub async fn get(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let loaded = load(&state, id, &caller).await?;
    // Who is present is known where the room runs.
    let path = format!("/api/v1/consultations/{id}/room");
    if let Some(answer) =
        room_forward::answer_at_room_node(&state, id, &headers, Method::GET, &path, None).await?
    {
        return Ok(answer);
    }
    let conversation = loaded.stored.conversation_id;
    Ok(Json(view(&state, &loaded, conversation).await?).into_response())
}

/// Opens the room now, ahead of its scheduled opening (or again after ending it), lecturer only.
#[utoipa::path(post, path = "/consultations/{id}/room/open", tag = "rooms",
    params(("id" = Uuid, Path, description = "Consultation")),
    responses((status = 200, body = RoomView),
              (status = 403, description = "`not_a_participant` or `not_the_lecturer`"),
              (status = 409, description = "`cancelled`, `not_confirmed` or `room_closed` (after its end)")))]
pub async fn open(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<RoomView>> {
    let (opens_before, now) = room_timing(&state);
    let loaded = consultations::open_room(&state.db, opens_before, now, &caller.user, id).await?;
    let conversation = ensure_conversation(&state, &loaded).await?;
    Ok(Json(view(&state, &loaded, Some(conversation)).await?))
}

/// Ends the room for everyone in it, lecturer only.
#[utoipa::path(post, path = "/consultations/{id}/room/close", tag = "rooms",
    params(("id" = Uuid, Path, description = "Consultation")),
    responses((status = 200, body = RoomView),
              (status = 403, description = "`not_a_participant` or `not_the_lecturer`"),
              (status = 409, description = "`cancelled`, `not_confirmed` or `room_closed` (already closed)")))]
pub async fn close(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<RoomView>> {
    let (opens_before, now) = room_timing(&state);
    let loaded = consultations::close_room(&state.db, opens_before, now, &caller.user, id).await?;
    crate::room_nodes::end_room(&state, id, EndReason::EndedByLecturer).await;
    let conversation = loaded.stored.conversation_id;
    Ok(Json(view(&state, &loaded, conversation).await?))
}

/// Upgrades to the room's signalling WebSocket (see docs/protocol.md, "Rooms").
#[utoipa::path(get, path = "/consultations/{id}/room/ws", tag = "rooms",
    params(("id" = Uuid, Path, description = "Consultation")),
    responses((status = 101, description = "switching to the WebSocket protocol"),
              (status = 400, description = "`websocket_upgrade_required`: not a WebSocket upgrade"),
              (status = 401, description = "not logged in"),
              (status = 403, description = "`not_a_participant`, or `forbidden` for a cross-origin request"),
              (status = 404, description = "No such consultation"),
              (status = 409, description = "`room_not_open`, `room_closed`, `cancelled` or `not_confirmed`"),
              (status = 503, description = "`draining`: the room is moving between nodes; enter again")))]
pub async fn upgrade(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Upgrade(ws): Upgrade,
) -> ApiResult<Response> {
    crate::security::check_websocket_origin(&headers, state.config.public_url.as_deref())?;
    let loaded = load(&state, id, &caller).await?;
    scheduler::room::admit(loaded.role, &loaded.facts)?;
    let conversation = ensure_conversation(&state, &loaded).await?;
    let ticket = Ticket {
        conversation,
        consultation: id,
        caller: caller.user.clone(),
        session: caller.session.id,
        lecturer: loaded.role == lifecycle::Role::Lecturer,
        closes_at: loaded.facts.closes_at(),
    };
    let ws = ws
        .max_message_size(MAX_SIGNAL_FRAME_BYTES)
        .max_frame_size(MAX_SIGNAL_FRAME_BYTES);
    match crate::room_nodes::route(&state, id, &headers).await? {
        Route::Here => {
            let rooms = state.rooms.clone();
            Ok(ws.on_upgrade(move |socket| realtime::room::session::serve(rooms, socket, ticket)))
        }
        Route::Relay(upstream) => {
            Ok(ws.on_upgrade(move |socket| crate::room_nodes::relay(socket, *upstream)))
        }
    }
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get))
        .routes(routes!(open))
        .routes(routes!(close))
        .routes(routes!(upgrade))
}

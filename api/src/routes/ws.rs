//! The WebSocket endpoint: authenticates like any API call, refuses cross-site upgrades, and
//! hands the socket to the chat gateway.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Upgrade;
use crate::state::AppState;

/// Largest frame a client may send (a 100,000-character message fits with room to spare).
pub const MAX_FRAME_BYTES: usize = 512 * 1024;

/// Upgrades to the chat WebSocket (see docs/protocol.md).
#[utoipa::path(get, path = "/ws", tag = "chat",
    responses((status = 101, description = "switching to the WebSocket protocol"),
              (status = 400, description = "`websocket_upgrade_required`: not a WebSocket upgrade"),
              (status = 401, description = "not logged in"), (status = 403, description = "cross-origin request"),
              (status = 429, description = "`too_many_connections`: the user already holds the most chat connections allowed"),
              (status = 503, description = "`draining`: this node is shutting down; connect again (to any node)")))]
pub async fn upgrade(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Upgrade(ws): Upgrade,
) -> ApiResult<Response> {
    crate::security::check_websocket_origin(&headers, state.config.public_url.as_deref())?;
    if state.gateway.is_draining() {
        return Err(ApiError::Draining);
    }
    state
        .gateway
        .hub
        .has_room_for(current.user.id)
        .map_err(|refused| ApiError::TooMany {
            code: "too_many_connections",
            message: refused.to_string(),
        })?;
    let gateway = state.gateway.clone();
    let (user, session) = (current.user.id, current.session.id);
    Ok(ws
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(2 * 1024)
        // Frames queued with `feed` collect up to this size before a write; every burst ends
        // with a flush, so nothing waits in the buffer.
        .write_buffer_size(16 * 1024)
        .on_upgrade(move |socket| realtime::connection::serve(gateway, socket, user, session)))
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upgrade))
}

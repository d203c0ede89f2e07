//! The WebSocket endpoint: authenticates like any API call, refuses cross-site upgrades, and
//! hands the socket to the chat gateway.

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use axum::response::Response;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Largest frame a client may send (a 100,000-character message fits with room to spare).
pub const MAX_FRAME_BYTES: usize = 512 * 1024;

/// Upgrades to the chat WebSocket (see docs/protocol.md).
#[utoipa::path(get, path = "/ws", tag = "chat",
    responses((status = 101, description = "switching to the WebSocket protocol"),
              (status = 401, description = "not logged in"), (status = 403, description = "cross-origin request")))]
pub async fn upgrade(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    check_origin(&headers, state.config.public_url.as_deref())?;
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

/// A browser always sends `Origin`; it must be this server (its `Host`) or the public URL.
/// Clients without `Origin` (not browsers) carry no ambient cookies worth hijacking.
pub(crate) fn check_origin(headers: &HeaderMap, public_url: Option<&str>) -> ApiResult<()> {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let public_host = public_url
        .and_then(|u| u.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    if origin_host == host || Some(origin_host) == public_host {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "cross-origin WebSocket connections are not allowed",
        ))
    }
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upgrade))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(HOST, host.parse().unwrap());
        if let Some(o) = origin {
            h.insert(ORIGIN, o.parse().unwrap());
        }
        h
    }

    #[test]
    fn same_origin_and_public_url_are_allowed() {
        assert!(
            check_origin(
                &headers(Some("http://127.0.0.1:8080"), "127.0.0.1:8080"),
                None
            )
            .is_ok()
        );
        assert!(check_origin(&headers(None, "127.0.0.1:8080"), None).is_ok());
        let behind_proxy = headers(Some("https://chat.uni.ac.uk"), "10.0.0.5:8080");
        assert!(check_origin(&behind_proxy, Some("https://chat.uni.ac.uk/")).is_ok());
    }

    #[test]
    fn other_origins_are_refused() {
        assert!(
            check_origin(
                &headers(Some("https://evil.example"), "127.0.0.1:8080"),
                None
            )
            .is_err()
        );
        assert!(
            check_origin(
                &headers(Some("http://127.0.0.1:9999"), "127.0.0.1:8080"),
                None
            )
            .is_err()
        );
    }
}

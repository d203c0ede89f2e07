//! Room reads and switches for a room that runs on another node: who is present and whether it
//! records are known only where the room runs (`room_nodes`), so a request reaching another
//! node is forwarded there with the caller's credentials, marked relayed so that node answers
//! it itself. A load balancer can send any request to any node.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, header};
use axum::response::Response;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::room_nodes::RELAYED;
use crate::state::AppState;

/// How long the room's node has to answer a forwarded request before this node answers alone.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(3);

/// The answer of the node running consultation `id`'s room to the caller's request (`method` on
/// `path`, with a JSON `body`), when that is another live node, this request did not come from
/// one, and it answers in time; `None` means this node answers itself.
pub async fn answer_at_room_node(
    state: &AppState,
    id: Uuid,
    headers: &HeaderMap,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> ApiResult<Option<Response>> {
    let Some(node) = room_node(state, id, headers).await? else {
        return Ok(None);
    };
    Ok(forward(state, &node, method, path, headers, body).await)
}

/// The address of the node running consultation `id`'s room, when that is another live node
/// and this request did not come from one.
async fn room_node(state: &AppState, id: Uuid, headers: &HeaderMap) -> ApiResult<Option<String>> {
    if headers.contains_key(RELAYED) {
        return Ok(None);
    }
    let ttl = Duration::from_secs(state.config.node_ttl_seconds);
    Ok(models::room::runs_elsewhere(&state.db, id, state.gateway.node(), ttl).await?)
}

/// Sends the caller's request to the node at `address` and returns its answer as it is; `None`
/// if that node cannot be reached in time.
async fn forward(
    state: &AppState,
    address: &str,
    method: Method,
    path: &str,
    headers: &HeaderMap,
    body: Option<Vec<u8>>,
) -> Option<Response> {
    let mut request = state
        .peers
        .request(method, format!("http://{address}{path}"))
        .timeout(FORWARD_TIMEOUT)
        .header(RELAYED, "1");
    // The caller's credentials; its origin was checked here already.
    for name in [header::AUTHORIZATION, header::COOKIE, header::USER_AGENT] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value.clone());
        }
    }
    if let Some(body) = body {
        request = request
            .header(header::CONTENT_TYPE, "application/json")
            .body(body);
    }
    let answered = async {
        let answer = request.send().await?;
        let status = answer.status();
        let content_type = answer.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = answer.bytes().await?;
        Ok::<_, reqwest::Error>((status, content_type, bytes))
    };
    match answered.await {
        Ok((status, content_type, bytes)) => {
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            if let Some(content_type) = content_type {
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, content_type);
            }
            Some(response)
        }
        Err(e) => {
            tracing::warn!(error = %e, room.node = address, path, "the room's node did not answer a forwarded request");
            None
        }
    }
}

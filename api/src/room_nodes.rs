//! Consultation rooms across nodes. A room runs on one node, recorded in the database
//! (`models::room::place`); a room socket that reaches another node is relayed to it frame by
//! frame, so a load balancer needs no sticky routing (media never passes here: the room node's
//! ICE candidates point at its own UDP ports). When the room's node does not answer, the node
//! asked takes the room over, so participants re-enter within a few seconds of a crash.
//! Decisions taken elsewhere (the lecturer ends the room, a student loses their place) reach the
//! room's node over the bus.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as ClientMessage, Utf8Bytes, WebSocket};
use axum::http::{HeaderMap, header};
use futures::{SinkExt as _, StreamExt as _};
use models::room::Placement;
use realtime::bus::RoomCommand;
use realtime::room::protocol::EndReason;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message as UpstreamMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// Marks a room socket relayed by another node: it is served here or refused, never relayed on.
pub const RELAYED: &str = "x-chatterly-relayed";

/// How long the room's node has to accept a relayed socket before it counts as gone.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// WebSocket close code sent to the browser when the room's node went away mid-session: it
/// re-enters (and lands on a node that takes the room over).
const CLOSE_ROOM_NODE_GONE: u16 = 1012;

/// A socket to the room's node.
pub type Upstream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Where this room socket is served.
pub enum Route {
    /// In this process.
    Here,
    /// Relayed to the room's node over this socket.
    Relay(Box<Upstream>),
}

/// Decides where consultation `id`'s room socket is served: here if this node runs (or takes)
/// the room, else relayed to its node with the caller's credentials (`headers`).
pub async fn route(state: &AppState, id: Uuid, headers: &HeaderMap) -> Result<Route, ApiError> {
    let me = state.gateway.node();
    let ttl = Duration::from_secs(state.config.node_ttl_seconds);
    let (holder, address) = match models::room::place(&state.db, id, me, ttl).await? {
        Placement::Here => return Ok(Route::Here),
        Placement::There { node, address } => (node, address),
    };
    if headers.contains_key(RELAYED) {
        // Two nodes disagree for a moment about who runs the room; the browser retries.
        return Err(ApiError::Draining);
    }
    match connect(&address, id, headers).await {
        Ok(upstream) => {
            tracing::info!(consultation.id = %id, room.node = %holder, "relaying a room socket");
            Ok(Route::Relay(Box::new(upstream)))
        }
        Err(Refused::Answered(status)) => {
            tracing::warn!(%status, consultation.id = %id, "the room's node refused a relayed socket");
            Err(ApiError::Draining)
        }
        Err(Refused::Unreachable(e)) => {
            tracing::warn!(error = %e, consultation.id = %id, room.node = %holder, "the room's node does not answer; taking the room over");
            models::room::take_over(&state.db, id, me, holder).await?;
            Ok(Route::Here)
        }
    }
}

enum Refused {
    /// The room's node answered with an HTTP error (it is alive).
    Answered(u16),
    /// It could not be reached.
    Unreachable(String),
}

async fn connect(address: &str, id: Uuid, headers: &HeaderMap) -> Result<Upstream, Refused> {
    let url = format!("ws://{address}/api/v1/consultations/{id}/room/ws");
    let mut request = url
        .into_client_request()
        .map_err(|e| Refused::Unreachable(e.to_string()))?;
    // The caller's credentials; its Origin was checked here already (no Origin: not a page).
    for name in [header::AUTHORIZATION, header::COOKIE, header::USER_AGENT] {
        if let Some(value) = headers.get(&name) {
            request.headers_mut().insert(name, value.clone());
        }
    }
    request
        .headers_mut()
        .insert(RELAYED, header::HeaderValue::from_static("1"));
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request)).await {
        Ok(Ok((upstream, _))) => Ok(upstream),
        Ok(Err(tungstenite::Error::Http(response))) => {
            Err(Refused::Answered(response.status().as_u16()))
        }
        Ok(Err(e)) => Err(Refused::Unreachable(e.to_string())),
        Err(_) => Err(Refused::Unreachable("timed out".to_owned())),
    }
}

/// Pipes frames between the browser and the room's node until either side closes; if the
/// room's node goes away, the browser is told to re-enter.
pub async fn relay(client: WebSocket, upstream: Upstream) {
    let (mut to_client, mut from_client) = client.split();
    let (mut to_room, mut from_room) = upstream.split();
    loop {
        tokio::select! {
            message = from_client.next() => match message {
                Some(Ok(ClientMessage::Text(text))) => {
                    if to_room.send(UpstreamMessage::text(text.as_str())).await.is_err() {
                        break;
                    }
                }
                Some(Ok(ClientMessage::Ping(_) | ClientMessage::Pong(_) | ClientMessage::Binary(_))) => {}
                Some(Ok(ClientMessage::Close(_)) | Err(_)) | None => {
                    let _ = to_room.send(UpstreamMessage::Close(None)).await;
                    return;
                }
            },
            message = from_room.next() => match message {
                Some(Ok(UpstreamMessage::Text(text))) => {
                    if to_client.send(ClientMessage::Text(Utf8Bytes::from(text.as_str()))).await.is_err() {
                        let _ = to_room.send(UpstreamMessage::Close(None)).await;
                        return;
                    }
                }
                Some(Ok(UpstreamMessage::Close(frame))) => {
                    let close = frame.map(|f| CloseFrame {
                        code: u16::from(f.code),
                        reason: Utf8Bytes::from(f.reason.as_str()),
                    });
                    let _ = to_client.send(ClientMessage::Close(close)).await;
                    return;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            },
        }
    }
    let close = CloseFrame {
        code: CLOSE_ROOM_NODE_GONE,
        reason: Utf8Bytes::from_static("the room moved; enter again"),
    };
    let _ = to_client.send(ClientMessage::Close(Some(close))).await;
}

/// Ends consultation `id`'s room for everyone in it, on whichever node runs it.
pub async fn end_room(state: &AppState, id: Uuid, reason: EndReason) {
    state.rooms.end(id, reason).await;
    state.gateway.tell_room(id, RoomCommand::End { reason });
}

/// Takes `user` out of consultation `id`'s room, on whichever node runs it.
pub async fn remove_from_room(state: &AppState, id: Uuid, user: Uuid) {
    state.rooms.remove_user(id, user).await;
    state
        .gateway
        .tell_room(id, RoomCommand::RemoveUser { user });
}

/// Applies other nodes' room decisions to the rooms running here, for as long as the server runs.
pub async fn follow_commands(state: AppState) {
    let mut commands = state.gateway.room_commands();
    loop {
        match commands.recv().await {
            Ok((id, RoomCommand::End { reason })) => state.rooms.end(id, reason).await,
            Ok((id, RoomCommand::RemoveUser { user })) => state.rooms.remove_user(id, user).await,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "missed room commands from other nodes");
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

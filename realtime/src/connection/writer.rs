//! Putting frames on the socket: error frames, JSON frames, raw messages and the close frame;
//! a failed write means the client is gone.

use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes};
use futures::{Sink, SinkExt as _, Stream};
use uuid::Uuid;

use super::{Connection, Stop};
use crate::protocol::ServerFrame;

impl<S, E> Connection<S>
where
    S: Stream<Item = Result<WsMessage, E>> + Sink<WsMessage> + Unpin + Send,
    E: std::fmt::Display,
{
    /// Tells the client that `conversation` is not one of theirs (or does not exist).
    pub(super) async fn not_a_member(
        &mut self,
        conversation: Uuid,
        client_id: Option<&str>,
    ) -> Result<(), Stop> {
        self.write_error(
            "not_a_member",
            "the conversation does not exist or you are not a member",
            client_id,
            Some(conversation),
        )
        .await
    }

    /// Writes an error frame (without a retry delay).
    pub(super) async fn write_error(
        &mut self,
        code: &str,
        message: &str,
        client_id: Option<&str>,
        conversation: Option<Uuid>,
    ) -> Result<(), Stop> {
        self.write(&ServerFrame::Error {
            code,
            message,
            client_id,
            conversation,
            retry_after_ms: None,
        })
        .await
    }

    /// Writes one frame and flushes.
    pub(super) async fn write(&mut self, frame: &ServerFrame<'_>) -> Result<(), Stop> {
        self.send(WsMessage::Text(Utf8Bytes::from(frame.to_json())))
            .await
    }

    /// Queues a message on the socket without flushing.
    pub(super) async fn feed(&mut self, message: WsMessage) -> Result<(), Stop> {
        self.socket
            .feed(message)
            .await
            .map_err(|_| Stop::ClientGone)
    }

    /// Writes a message and flushes.
    pub(super) async fn send(&mut self, message: WsMessage) -> Result<(), Stop> {
        self.socket
            .send(message)
            .await
            .map_err(|_| Stop::ClientGone)
    }

    /// Sends a close frame; the client may already be gone.
    pub(super) async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = self.socket.send(WsMessage::Close(Some(frame))).await;
    }
}

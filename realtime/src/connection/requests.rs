//! Answering the client's frames: sends (validated, rate limited, handed to their writer and
//! acknowledged in order), delivered/read positions and typing.

use axum::extract::ws::Message as WsMessage;
use futures::{Sink, Stream};
use models::message::{self, Outgoing, SendError};
use uuid::Uuid;

use super::{Connection, SendOutcome, Stop};
use crate::Gateway;

/// What a user may do in one conversation, as the frame handlers need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// An active member of a conversation that takes messages.
    Writer,
    /// An active member of a blocked direct conversation.
    Blocked,
    /// Invited to a direct request: reads, cannot write yet.
    Invited,
    /// Not a member (or the conversation does not exist).
    Outsider,
}
use crate::protocol::{self, ClientFrame, ServerFrame};

impl<S, E> Connection<S>
where
    S: Stream<Item = Result<WsMessage, E>> + Sink<WsMessage> + Unpin + Send,
    E: std::fmt::Display,
{
    /// Answers one text frame from the client: the connection's frame budget first, then the
    /// frame itself.
    pub(super) async fn on_frame(&mut self, text: &str) -> Result<(), Stop> {
        if let Err(retry_after_ms) = self.budget.take() {
            metrics::counter!("ws_frames_over_budget_total").increment(1);
            return self
                .write(&ServerFrame::Error {
                    code: "rate_limited",
                    message: "you are sending frames too fast",
                    client_id: None,
                    conversation: None,
                    retry_after_ms: Some(retry_after_ms),
                })
                .await;
        }
        let frame = match protocol::parse(text) {
            Ok(frame) => frame,
            Err(reason) => {
                let message = format!("malformed frame: {reason}");
                return self
                    .write_error("malformed_frame", &message, None, None)
                    .await;
            }
        };
        match frame {
            ClientFrame::Ping {} => self.write(&ServerFrame::Pong).await,
            ClientFrame::Sync { cursors } => self.sync(cursors).await,
            ClientFrame::Send {
                conversation,
                client_id,
                body,
            } => {
                // Cheap checks first, so a bad frame is answered at once and takes no writer slot;
                // the rate limit before any membership lookup.
                if let Err(e) = message::validate(&client_id, &body) {
                    self.finish_send(SendOutcome {
                        client_id,
                        conversation,
                        result: Err(e),
                    })
                    .await
                } else if let Err(retry_after_ms) = self
                    .gateway
                    .check_rate(self.user)
                    .and_then(|()| self.gateway.check_bytes(self.user, body.len()))
                {
                    self.write(&ServerFrame::Error {
                        code: "rate_limited",
                        message: "you are sending messages too fast",
                        client_id: Some(&client_id),
                        conversation: Some(conversation),
                        retry_after_ms: Some(retry_after_ms),
                    })
                    .await
                } else {
                    match standing(&self.gateway, self.user, conversation).await? {
                        Standing::Writer => self.send_message(conversation, client_id, body).await,
                        refused => self.refuse(refused, conversation, Some(&client_id)).await,
                    }
                }
            }
            ClientFrame::Delivered { conversation, seq } => {
                self.position(conversation, seq, false).await
            }
            ClientFrame::Read { conversation, seq } => self.position(conversation, seq, true).await,
            ClientFrame::Typing {
                conversation,
                active,
            } => match standing(&self.gateway, self.user, conversation).await? {
                Standing::Writer => {
                    self.gateway.typing(conversation, self.user, active).await?;
                    Ok(())
                }
                refused => self.refuse(refused, conversation, None).await,
            },
        }
    }

    /// Answers a send or typing frame that `standing` refused.
    async fn refuse(
        &mut self,
        standing: Standing,
        conversation: Uuid,
        client_id: Option<&str>,
    ) -> Result<(), Stop> {
        let (code, message) = match standing {
            Standing::Invited => (
                "request_not_accepted",
                "accept the request before writing in this conversation",
            ),
            Standing::Blocked => (
                "blocked",
                "this conversation is blocked; nothing new can be written in it",
            ),
            Standing::Writer | Standing::Outsider => {
                return self.not_a_member(conversation, client_id).await;
            }
        };
        self.write_error(code, message, client_id, Some(conversation))
            .await
    }

    /// Hands the message to its writer; the ack (or error) is written when the outcome
    /// arrives, in the order the client sent.
    async fn send_message(
        &mut self,
        conversation: Uuid,
        client_id: String,
        body: String,
    ) -> Result<(), Stop> {
        let outgoing = Outgoing {
            conversation_id: conversation,
            sender_id: self.user,
            client_id: client_id.clone(),
            body,
        };
        let outcome = self.gateway.submit(outgoing).await;
        self.in_flight.push_back(Box::pin(async move {
            let result = outcome
                .await
                .unwrap_or(Err(SendError::Database(sqlx::Error::PoolClosed)));
            SendOutcome {
                client_id,
                conversation,
                result,
            }
        }));
        Ok(())
    }

    /// Writes the ack or the error frame of a finished send.
    pub(super) async fn finish_send(&mut self, done: SendOutcome) -> Result<(), Stop> {
        let SendOutcome {
            client_id,
            conversation,
            result,
        } = done;
        let (code, message) = match result {
            Ok(sent) => {
                let m = &sent.message;
                return self
                    .write(&ServerFrame::Ack {
                        client_id: &m.client_id,
                        conversation: m.conversation_id,
                        seq: m.seq,
                        id: m.id,
                        created_at: m.created_at,
                    })
                    .await;
            }
            Err(SendError::Database(e)) => {
                tracing::error!(user.id = %self.user, error = %e, "storing a message failed");
                (
                    "internal",
                    "the message could not be stored; retry with the same client_id".to_owned(),
                )
            }
            Err(e @ SendError::BodyEmpty) => ("body_empty", e.to_string()),
            Err(e @ SendError::BodyTooLong(_)) => ("body_too_long", e.to_string()),
            Err(e @ SendError::BodyHasNul) => ("body_invalid", e.to_string()),
            Err(e @ SendError::InvalidClientId) => ("invalid_client_id", e.to_string()),
            Err(e @ SendError::ClientIdReused) => ("invalid_client_id", e.to_string()),
            Err(e @ SendError::RequestPending) => ("request_pending", e.to_string()),
            Err(SendError::NotMember) => {
                return self.not_a_member(conversation, Some(&client_id)).await;
            }
        };
        self.write_error(code, &message, Some(&client_id), Some(conversation))
            .await
    }

    /// Records a delivered (or, when `read`, read) position the client reported.
    async fn position(&mut self, conversation: Uuid, seq: i64, read: bool) -> Result<(), Stop> {
        if seq < 0 {
            return self
                .write_error(
                    "malformed_frame",
                    "seq must not be negative",
                    None,
                    Some(conversation),
                )
                .await;
        }
        let Some(roster) = self.gateway.roster(conversation).await? else {
            return self.not_a_member(conversation, None).await;
        };
        if !roster.can_read(self.user) {
            return self.not_a_member(conversation, None).await;
        }
        if !roster.can_report_positions(self.user) {
            // Reading a request tells the asker nothing until it is accepted.
            return Ok(());
        }
        let (delivered, read_seq) = if read { (seq, seq) } else { (seq, 0) };
        self.gateway
            .record_position(conversation, self.user, delivered, read_seq);
        Ok(())
    }
}

/// What `user` may do in `conversation` now (from the gateway's cached roster).
async fn standing(gateway: &Gateway, user: Uuid, conversation: Uuid) -> Result<Standing, Stop> {
    let Some(roster) = gateway.roster(conversation).await? else {
        return Ok(Standing::Outsider);
    };
    Ok(if roster.can_write(user) {
        Standing::Writer
    } else if roster.blocked && roster.can_report_positions(user) {
        Standing::Blocked
    } else if roster.can_read(user) {
        Standing::Invited
    } else {
        Standing::Outsider
    })
}

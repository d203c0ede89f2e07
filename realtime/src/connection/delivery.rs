//! Writing to the client what it should see: the catch-up after a `sync`, and the events of its
//! queue, each message admitted through its conversation's cursor (no duplicates, no gaps).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{Message as WsMessage, Utf8Bytes};
use futures::{Sink, SinkExt as _, Stream};
use models::{conversation, message};
use tokio::time::Instant;
use uuid::Uuid;

use super::{Connection, Stop};
use crate::cursor::Admission;
use crate::hub::Event;
use crate::protocol::{MessagePayload, ServerFrame};
use crate::reorder::Hold;

/// Queued events written before one flush.
const EVENTS_PER_FLUSH: usize = 64;

/// Messages fetched per query when catching up.
const CATCH_UP_CHUNK: i64 = 200;

/// Most messages one conversation replays on `sync`; older ones are paged over REST, so a
/// device back after a long absence cannot make the server stream a whole history.
pub const MAX_SYNC_REPLAY: i64 = 500;

impl<S, E> Connection<S>
where
    S: Stream<Item = Result<WsMessage, E>> + Sink<WsMessage> + Unpin + Send,
    E: std::fmt::Display,
{
    /// Follows every conversation of the user from the client's cursors (or from now), sends
    /// what the client missed, in order, and marks each conversation synced.
    pub(super) async fn sync(&mut self, requested: HashMap<Uuid, i64>) -> Result<(), Stop> {
        let positions = conversation::positions_of(&self.gateway.db, self.user).await?;
        for unknown in requested
            .keys()
            .filter(|c| !positions.iter().any(|p| p.conversation == **c))
        {
            self.not_a_member(*unknown, None).await?;
        }
        for readable in positions {
            let (conversation, last_seq) = (readable.conversation, readable.last_seq);
            let mut from = requested
                .get(&conversation)
                .copied()
                .unwrap_or(last_seq)
                .clamp(readable.floor.min(last_seq), last_seq);
            // A second `sync` on this socket (after `refresh`): what was sent stays sent.
            if let Some(sent) = self.cursors.position(conversation) {
                from = from.max(sent);
            }
            if last_seq - from > MAX_SYNC_REPLAY {
                from = last_seq - MAX_SYNC_REPLAY;
                self.write(&ServerFrame::Truncated {
                    conversation,
                    seq: from,
                })
                .await?;
            }
            self.cursors.follow(conversation, from);
            self.catch_up(conversation, last_seq).await?;
            let at = self.cursors.position(conversation).unwrap_or(last_seq);
            self.write(&ServerFrame::Synced {
                conversation,
                seq: at,
            })
            .await?;
        }
        Ok(())
    }

    /// After the bus may have lost events: catches up every followed conversation to what the
    /// database holds, drops the ones no longer readable (`removed`), then tells the client to
    /// reload the rest (`refresh`).
    pub(super) async fn resync(&mut self) -> Result<(), Stop> {
        if self.cursors.is_empty() {
            return Ok(());
        }
        let positions = conversation::positions_of(&self.gateway.db, self.user).await?;
        for followed in self.cursors.followed() {
            if !positions.iter().any(|p| p.conversation == followed) {
                self.cursors.unfollow(followed);
                self.write(&ServerFrame::Removed {
                    conversation: followed,
                })
                .await?;
            }
        }
        for readable in positions {
            if self.cursors.position(readable.conversation).is_some() {
                self.catch_up(readable.conversation, readable.last_seq)
                    .await?;
            }
        }
        self.write(&ServerFrame::Refresh).await
    }

    /// Sends the messages after the cursor up to `up_to`, in chunks, then whatever was held
    /// that now follows on.
    async fn catch_up(&mut self, conversation: Uuid, up_to: i64) -> Result<(), Stop> {
        while let Some(after) = self.cursors.position(conversation).filter(|at| *at < up_to) {
            let batch =
                message::range(&self.gateway.db, conversation, after, up_to, CATCH_UP_CHUNK)
                    .await?;
            if batch.is_empty() {
                // Seqs are gap-free, so this only happens if messages were deleted meanwhile.
                self.cursors.delivered(conversation, up_to);
                break;
            }
            for m in &batch {
                // Fed, not flushed: every caller flushes after catching up.
                self.feed(WsMessage::Text(Utf8Bytes::from(
                    ServerFrame::Message(MessagePayload::from(m)).to_json(),
                )))
                .await?;
                self.cursors.delivered(conversation, m.seq);
            }
        }
        self.release_held(conversation).await
    }

    /// Sends the held messages of `conversation` that follow on from its cursor (fed, not
    /// flushed), and drops those already sent.
    async fn release_held(&mut self, conversation: Uuid) -> Result<(), Stop> {
        let Some(at) = self.cursors.position(conversation) else {
            self.held.forget(conversation);
            return Ok(());
        };
        for (seq, json) in self.held.ready(conversation, at) {
            self.feed(WsMessage::Text(json)).await?;
            self.cursors.delivered(conversation, seq);
        }
        Ok(())
    }

    /// Fills from the database the gaps whose messages did not arrive in time (see
    /// [`crate::reorder`]), sends what was held behind them, and flushes.
    pub(super) async fn fill_expired_gaps(&mut self) -> Result<(), Stop> {
        for (conversation, up_to) in self.held.expired(Instant::now()) {
            metrics::counter!("chat_gaps_fetched_total").increment(1);
            self.catch_up(conversation, up_to).await?;
        }
        self.socket.flush().await.map_err(|_| Stop::ClientGone)
    }

    /// Writes `first` and whatever else is already queued (up to a limit), then flushes once:
    /// under load many frames leave in one write instead of one each.
    pub(super) async fn on_events(
        &mut self,
        first: Arc<Event>,
        events: &mut tokio::sync::mpsc::Receiver<Arc<Event>>,
    ) -> Result<(), Stop> {
        self.on_event(first).await?;
        for _ in 0..EVENTS_PER_FLUSH {
            match events.try_recv() {
                Ok(event) => self.on_event(event).await?,
                Err(_) => break,
            }
        }
        self.socket.flush().await.map_err(|_| Stop::ClientGone)
    }

    /// Queues the frames for one event (flushed by [`Connection::on_events`]).
    async fn on_event(&mut self, event: Arc<Event>) -> Result<(), Stop> {
        // Cheap: the frames inside are reference-counted.
        let event = Arc::unwrap_or_clone(event);
        match event {
            Event::Message {
                conversation,
                seq,
                json,
            } => match self.cursors.admit(conversation, seq) {
                Admission::Deliver => {
                    self.feed(WsMessage::Text(json)).await?;
                    self.cursors.delivered(conversation, seq);
                    self.release_held(conversation).await?;
                }
                // Ahead of a gap (another node's message is still on the bus): held briefly,
                // so the gap usually fills without a query.
                Admission::Gap { .. } => {
                    match self.held.hold(conversation, seq, json, Instant::now()) {
                        Hold::Kept => metrics::counter!("chat_messages_held_total").increment(1),
                        Hold::FillNow(up_to) => {
                            metrics::counter!("chat_gaps_fetched_total").increment(1);
                            self.catch_up(conversation, up_to).await?;
                        }
                    }
                }
                Admission::Duplicate | Admission::NotFollowed => {}
            },
            Event::Frame(json) | Event::Ephemeral(json) => {
                self.feed(WsMessage::Text(json)).await?;
            }
            Event::Follow {
                conversation,
                from_seq,
                frame,
            } => {
                self.feed(WsMessage::Text(frame)).await?;
                if self.cursors.position(conversation).is_none() {
                    self.cursors.follow(conversation, from_seq);
                }
            }
            Event::Unfollow {
                conversation,
                frame,
            } => {
                self.cursors.unfollow(conversation);
                self.held.forget(conversation);
                self.feed(WsMessage::Text(frame)).await?;
            }
            Event::Resync => Box::pin(self.resync()).await?,
        }
        Ok(())
    }
}

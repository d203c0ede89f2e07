//! Typing indicators: relayed to the conversation's other readers on a change, at most about
//! once a second per user and conversation ([`crate::typing_gate`]); never stored.

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use uuid::Uuid;

use super::Gateway;
use crate::hub::Event;
use crate::protocol::ServerFrame;
use crate::typing_gate::{self, Relayed};

impl Gateway {
    /// Relays a typing indicator to the conversation's other readers (the caller checked that
    /// `user` may write there) as [`typing_gate::decide`] says: now, once the second since the
    /// last one is over (the latest state then), or not at all.
    pub async fn typing(
        self: &Arc<Self>,
        conversation: Uuid,
        user: Uuid,
        active: bool,
    ) -> Result<(), models::ModelError> {
        let key = (user, conversation);
        let last = self.typing_relayed.get(&key).map(|r| *r);
        match typing_gate::decide(last, active, std::time::Instant::now()) {
            typing_gate::Decision::Relay => self.relay_typing(conversation, user, active).await,
            typing_gate::Decision::Drop => {
                metrics::counter!("chat_typing_dropped_total").increment(1);
                Ok(())
            }
            typing_gate::Decision::Later(at) => {
                if self.typing_pending.insert(key, active).is_none() {
                    let gateway = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep_until(at.into()).await;
                        let Some((_, latest)) = gateway.typing_pending.remove(&key) else {
                            return;
                        };
                        let last = gateway.typing_relayed.get(&key).map(|r| *r);
                        let now = std::time::Instant::now();
                        if typing_gate::decide(last, latest, now) == typing_gate::Decision::Relay
                            && let Err(e) = gateway.relay_typing(conversation, user, latest).await
                        {
                            tracing::warn!(error = %e, "could not relay a delayed typing signal");
                        }
                    });
                }
                Ok(())
            }
        }
    }

    /// Sends a typing frame to the conversation's other readers and remembers it was sent.
    async fn relay_typing(
        &self,
        conversation: Uuid,
        user: Uuid,
        active: bool,
    ) -> Result<(), models::ModelError> {
        self.typing_relayed.insert(
            (user, conversation),
            Relayed {
                active,
                at: std::time::Instant::now(),
            },
        );
        let members = self.readers(conversation).await?;
        let frame = ServerFrame::Typing {
            conversation,
            user,
            active,
            expires_in_ms: u64::try_from(self.config.typing_expiry.as_millis()).unwrap_or(u64::MAX),
        };
        let event = Event::Ephemeral(Utf8Bytes::from(frame.to_json()));
        let others: Vec<Uuid> = members.iter().copied().filter(|m| *m != user).collect();
        self.send_to_users(&others, &event);
        Ok(())
    }
}

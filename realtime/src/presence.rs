//! Presence across nodes: a user is online while any of their devices is connected to any live
//! node. Each node keeps in the database which users it holds ([`models::node`]) and renews its
//! lease; contacts hear "online" when the first device anywhere connects and "offline" when the
//! last one anywhere has been gone for the grace period, or when its node died (with last seen
//! = that node's last heartbeat). Typing never touches the database.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use chrono::Utc;
use models::{conversation, node};
use uuid::Uuid;

use crate::gateway::Gateway;
use crate::hub::Event;
use crate::protocol::ServerFrame;

impl Gateway {
    /// A device of `user` connected (`first_here`: their first on this node): contacts hear
    /// they are online, unless they already knew.
    pub async fn device_connected(&self, user: Uuid, first_here: bool) {
        let elsewhere = if first_here {
            node::arrive(&self.db, self.node(), user, self.config.node_ttl)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "could not record presence");
                    false
                })
        } else {
            true
        };
        // One process alone: rows left by an earlier, crashed run are no one else's devices.
        let elsewhere = elsewhere && self.bus.is_shared();
        let newly = self
            .announced_online
            .lock()
            .is_ok_and(|mut set| set.insert(user));
        if newly && !elsewhere {
            self.announce_presence(user, true, None).await;
        }
    }

    /// A device of `user` disconnected; if it was the last one here, contacts hear they are
    /// offline after the grace period, unless a device came back meanwhile, here or elsewhere.
    pub fn device_disconnected(self: &Arc<Self>, user: Uuid, last_here: bool) {
        if !last_here {
            return;
        }
        let gateway = self.clone();
        tokio::spawn(async move {
            let left_at = Utc::now();
            tokio::time::sleep(gateway.config.presence_grace).await;
            if gateway.hub.is_online(user) {
                return;
            }
            if let Ok(mut set) = gateway.announced_online.lock() {
                set.remove(&user);
            }
            let ttl = gateway.config.node_ttl;
            match node::depart(&gateway.db, gateway.node(), user, ttl).await {
                Ok(true) if gateway.bus.is_shared() => return,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not record presence"),
            }
            if let Err(e) = conversation::mark_last_seen(&gateway.db, user, left_at).await {
                tracing::warn!(error = %e, "could not record last seen");
            }
            gateway.announce_presence(user, false, Some(left_at)).await;
        });
    }

    /// Whether any device of `user` is connected to any live node.
    pub async fn is_online(&self, user: Uuid) -> Result<bool, models::ModelError> {
        Ok(self.online_among(&[user]).await?.contains(&user))
    }

    /// Which of `users` have a device connected to any live node.
    pub async fn online_among(&self, users: &[Uuid]) -> Result<HashSet<Uuid>, models::ModelError> {
        let mut online: HashSet<Uuid> = users
            .iter()
            .copied()
            .filter(|u| self.hub.is_online(*u))
            .collect();
        let rest: Vec<Uuid> = users
            .iter()
            .copied()
            .filter(|u| !online.contains(u))
            .collect();
        if self.bus.is_shared() && !rest.is_empty() {
            online.extend(node::online_among(&self.db, &rest, self.config.node_ttl).await?);
        }
        Ok(online)
    }

    /// Tells `user`'s contacts, on every node, that they are online or offline.
    pub(crate) async fn announce_presence(
        &self,
        user: Uuid,
        online: bool,
        last_seen_at: Option<chrono::DateTime<Utc>>,
    ) {
        let contacts = match conversation::contact_ids(&self.db, user).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "could not load contacts for presence");
                return;
            }
        };
        let frame = ServerFrame::Presence {
            user,
            online,
            last_seen_at,
        };
        self.send_to_users(
            &contacts,
            &Event::Ephemeral(Utf8Bytes::from(frame.to_json())),
        );
    }

    /// Records again that this node holds its users, and tells their contacts they are online
    /// (after the bus or the lease may have lost track).
    pub(crate) async fn reannounce(&self) {
        let users = self.hub.users();
        if let Err(e) = node::arrive_all(&self.db, self.node(), &users).await {
            tracing::warn!(error = %e, "could not record presence again");
        }
        if self.bus.is_shared() {
            for user in users {
                self.announce_presence(user, true, None).await;
            }
        }
    }

    /// Registers this node, then renews its lease every third of the TTL and reaps the nodes
    /// whose lease ran out: their users, if connected nowhere else, go offline for their
    /// contacts with last seen = the dead node's last heartbeat.
    pub(crate) async fn run_lease(self: Arc<Self>) {
        let ttl = self.config.node_ttl;
        let me = self.node();
        let mut tick = tokio::time::interval((ttl / 3).max(std::time::Duration::from_millis(100)));
        let mut registered = false;
        loop {
            tick.tick().await;
            if !registered {
                registered = match node::register(&self.db, me, &self.config.node_address).await {
                    Ok(()) => {
                        self.reannounce().await;
                        true
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "could not register this node; retrying");
                        continue;
                    }
                };
            }
            match node::heartbeat(&self.db, me, self.hub.connections()).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!("this node's lease was taken for dead; registering again");
                    registered = false;
                    continue;
                }
                Err(e) => tracing::warn!(error = %e, "could not renew this node's lease"),
            }
            match node::reap(&self.db, me, ttl).await {
                Ok(departed) => {
                    for gone in departed {
                        tracing::info!(user.id = %gone.user_id, "offline: their node stopped");
                        self.announce_presence(gone.user_id, false, Some(gone.last_seen_at))
                            .await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not check for dead nodes"),
            }
        }
    }

    /// Whether this node is shutting down (it accepts no new chat connections).
    pub fn is_draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Starts shutting down: refuses new chat connections, shows the node as draining, and
    /// closes every chat socket here with 1012 (service restart) so browsers reconnect (to
    /// another node) and catch up. Returns once they are closed, or after `patience`.
    pub async fn drain(&self, patience: std::time::Duration) {
        self.draining
            .store(true, std::sync::atomic::Ordering::Release);
        if let Err(e) = node::set_draining(&self.db, self.node()).await {
            tracing::warn!(error = %e, "could not mark this node as draining");
        }
        let open = self.hub.connections();
        tracing::info!(
            connections = open,
            "draining: closing chat sockets with 1012"
        );
        self.hub.close_all(crate::hub::CLOSE_RESTARTING);
        let deadline = tokio::time::Instant::now() + patience;
        while self.hub.connections() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Leaves the node list at shutdown (after the devices here were closed).
    pub async fn leave(&self) {
        if let Err(e) = node::leave(&self.db, self.node()).await {
            tracing::warn!(error = %e, "could not unregister this node");
        }
    }
}

//! Fan-out across nodes: every event goes to this node's devices at once and, through the
//! [`crate::bus`], to every other node's; what other nodes broadcast is applied here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use uuid::Uuid;

use super::Gateway;
use crate::bus::{Broadcast, Inbound, WireEvent};
use crate::hub::Event;

impl Gateway {
    /// Forgets the cached roster (after members, invitations or blocks changed), here and on
    /// every other node.
    pub fn forget_members(&self, conversation: Uuid) {
        self.members.remove(&conversation);
        self.bus.publish(Broadcast::ForgetMembers { conversation });
    }

    /// Queues `event` for every device of every user in `users`, on whichever node it is
    /// connected to.
    pub fn send_to_users(&self, users: &[Uuid], event: &Event) {
        self.hub.send_to_users(users, event);
        if self.bus.is_shared()
            && !users.is_empty()
            && let Some(event) = WireEvent::from_event(event)
        {
            self.bus.publish(Broadcast::Deliver {
                users: users.to_vec(),
                event,
            });
        }
    }

    /// Queues `event` for every device of `user`, on whichever node it is connected to.
    pub fn send_to_user(&self, user: Uuid, event: &Event) {
        self.send_to_users(&[user], event);
    }

    /// Asks the other nodes to apply `command` to consultation `id`'s room, wherever it runs
    /// (the caller applies it to this node's rooms itself).
    pub fn tell_room(&self, consultation: Uuid, command: crate::bus::RoomCommand) {
        self.bus.publish(Broadcast::Room {
            consultation,
            command,
        });
    }

    /// Room commands from other nodes, for this node's rooms.
    pub fn room_commands(
        &self,
    ) -> tokio::sync::broadcast::Receiver<(Uuid, crate::bus::RoomCommand)> {
        self.room_commands.subscribe()
    }

    /// This node's id on the bus and in the node list.
    pub fn node(&self) -> Uuid {
        self.bus.node()
    }

    /// The bus's state, for the readiness probe.
    pub fn bus_status(&self) -> crate::bus::BusStatus {
        self.bus.status()
    }

    /// Applies what other nodes broadcast; resyncs (at most every 250 ms) when the bus says it
    /// may have lost something.
    pub(super) async fn follow_bus(self: Arc<Self>, mut inbound: mpsc::Receiver<Inbound>) {
        let mut due = false;
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                heard = inbound.recv() => match heard {
                    None => return,
                    Some(Inbound::Resync | Inbound::Broadcast(Broadcast::Resync)) => due = true,
                    Some(Inbound::Broadcast(Broadcast::ForgetMembers { conversation })) => {
                        self.members.remove(&conversation);
                    }
                    Some(Inbound::Broadcast(Broadcast::Deliver { users, event })) => {
                        self.hub.send_to_users(&users, &event.into_event());
                    }
                    Some(Inbound::Broadcast(Broadcast::Room { consultation, command })) => {
                        // Nobody listening means no room runs here: nothing to do.
                        let _ = self.room_commands.send((consultation, command));
                    }
                },
                _ = tick.tick(), if due => {
                    due = false;
                    self.resync().await;
                }
            }
        }
    }

    /// After a possible loss on the bus: forget every cached roster, have every device here
    /// catch up from the database, and announce this node's users again.
    async fn resync(&self) {
        tracing::info!(
            devices = self.hub.connections(),
            "resyncing devices from the database"
        );
        metrics::counter!("bus_resyncs_total").increment(1);
        self.members.clear();
        self.hub.send_to_everyone(&Event::Resync);
        self.reannounce().await;
    }
}

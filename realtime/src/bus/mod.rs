//! The bus: how live events reach devices connected to other Chatterly processes.
//!
//! Every node delivers what it produces to its own devices at once, through its [`crate::hub`],
//! and publishes it on the bus; every other node applies it to its own hub. PostgreSQL stays
//! the source of truth: the bus only carries notice of what is already stored, so anything it
//! loses is found again by resyncing from the database (each device's cursor fills a gap from
//! the database and drops a duplicate, so the bus need not be ordered or exactly-once).
//!
//! Two implementations behind one [`Bus`]: none (one process, the embedded default: publishing
//! is a no-op) and NATS core pub/sub ([`nats`]). Nothing outside this module knows which.

mod nats;
pub mod wire;

use tokio::sync::mpsc;
use uuid::Uuid;

pub use nats::NatsSettings;
pub use wire::{Broadcast, Envelope, RoomCommand, WireEvent};

/// What a node hears from the bus.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// Another node's broadcast.
    Broadcast(Broadcast),
    /// The bus may have lost messages (it reconnected, or dropped some for a slow consumer):
    /// resync every device from the database and re-announce presence.
    Resync,
}

/// The bus's state, for the readiness probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BusStatus {
    /// `"local"` (one process, no bus) or `"nats"`.
    pub kind: &'static str,
    /// Whether broadcasts currently reach the other nodes (always true for `"local"`).
    pub connected: bool,
}

/// Why the bus could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The NATS URL or options were refused.
    #[error("cannot use NATS at {url}: {message}")]
    Nats {
        /// The configured URL (credentials are the operator's own).
        url: String,
        /// What the client said.
        message: String,
    },
}

/// This node's handle on the bus.
pub struct Bus {
    node: Uuid,
    inner: Inner,
}

enum Inner {
    Local,
    Nats(nats::NatsBus),
}

impl Bus {
    /// One process, no bus: broadcasts have nobody to reach.
    pub fn local(node: Uuid) -> (Self, Option<mpsc::Receiver<Inbound>>) {
        (
            Self {
                node,
                inner: Inner::Local,
            },
            None,
        )
    }

    /// Joins the NATS bus. Returns at once even if NATS is not reachable yet (it keeps trying,
    /// and the node serves its own devices meanwhile); the receiver yields what other nodes
    /// publish.
    pub async fn nats(
        settings: &NatsSettings,
        node: Uuid,
    ) -> Result<(Self, Option<mpsc::Receiver<Inbound>>), BusError> {
        let (bus, inbound) = nats::NatsBus::connect(settings, node).await?;
        Ok((
            Self {
                node,
                inner: Inner::Nats(bus),
            },
            Some(inbound),
        ))
    }

    /// This node's id (new at every start).
    pub fn node(&self) -> Uuid {
        self.node
    }

    /// Whether other nodes may exist (a shared bus is configured).
    pub fn is_shared(&self) -> bool {
        matches!(self.inner, Inner::Nats(_))
    }

    /// Tells every other node; never waits (a full or absent bus drops the broadcast and asks
    /// every node to resync once it is back).
    pub fn publish(&self, body: Broadcast) {
        match &self.inner {
            Inner::Local => {}
            Inner::Nats(bus) => bus.publish(Envelope {
                origin: self.node,
                body,
            }),
        }
    }

    /// The bus's state, for `/readyz`.
    pub fn status(&self) -> BusStatus {
        match &self.inner {
            Inner::Local => BusStatus {
                kind: "local",
                connected: true,
            },
            Inner::Nats(bus) => BusStatus {
                kind: "nats",
                connected: bus.is_connected(),
            },
        }
    }
}

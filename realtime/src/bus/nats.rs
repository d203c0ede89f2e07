//! The bus over NATS core pub/sub: every node publishes [`Envelope`]s on one subject and
//! subscribes to it (`no_echo`: a node does not hear itself).
//!
//! Publishing never waits on NATS: envelopes go through a bounded queue to one publisher task;
//! when it is full (NATS stalled or gone) they are dropped and, once NATS is back, every node
//! is asked to resync. A reconnect (NATS restarted, network cut) also makes this node resync
//! its own devices, since it may have missed what others published meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::connection::State;
use futures::StreamExt as _;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::wire::{Broadcast, Envelope};
use super::{BusError, Inbound};

/// Envelopes waiting for the publisher before new ones are dropped.
const OUTBOX: usize = 65_536;
/// Broadcasts received and not yet applied before the subscription waits.
const INBOX: usize = 65_536;

/// Where the bus is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatsSettings {
    /// The NATS server(s), e.g. `nats://10.0.0.5:4222`.
    pub url: String,
    /// The subject every node of one deployment shares (two deployments on one NATS use two).
    pub subject: String,
}

/// The NATS bus of one node.
pub(super) struct NatsBus {
    client: async_nats::Client,
    outbox: mpsc::Sender<Envelope>,
    /// Set when envelopes may not have reached the others (dropped, or NATS went away).
    lost: Arc<AtomicBool>,
}

impl NatsBus {
    /// Connects (in the background if NATS is not up yet), subscribes, and starts the
    /// publisher and receiver tasks.
    pub(super) async fn connect(
        settings: &NatsSettings,
        node: Uuid,
    ) -> Result<(Self, mpsc::Receiver<Inbound>), BusError> {
        let refused = |e: &dyn std::fmt::Display| BusError::Nats {
            url: settings.url.clone(),
            message: e.to_string(),
        };
        let (inbound, heard) = mpsc::channel(INBOX);
        let lost = Arc::new(AtomicBool::new(false));
        let on_event = {
            let (inbound, lost) = (inbound.clone(), lost.clone());
            move |event: async_nats::Event| {
                let (inbound, lost) = (inbound.clone(), lost.clone());
                async move { on_connection_event(event, &inbound, &lost) }
            }
        };
        let client = async_nats::ConnectOptions::new()
            .name(format!("chatterly-{node}"))
            .no_echo()
            .retry_on_initial_connect()
            .max_reconnects(None)
            .ping_interval(Duration::from_secs(5))
            .connection_timeout(Duration::from_secs(2))
            .subscription_capacity(INBOX)
            .event_callback(on_event)
            .connect(settings.url.as_str())
            .await
            .map_err(|e| refused(&e))?;
        let subscriber = client
            .subscribe(settings.subject.clone())
            .await
            .map_err(|e| refused(&e))?;
        tokio::spawn(receive(subscriber, node, inbound));
        let (outbox, queued) = mpsc::channel(OUTBOX);
        tokio::spawn(publish_queued(
            client.clone(),
            settings.subject.clone(),
            queued,
            lost.clone(),
            node,
        ));
        tracing::info!(url = %settings.url, subject = %settings.subject, "live events cross nodes over NATS");
        Ok((
            Self {
                client,
                outbox,
                lost,
            },
            heard,
        ))
    }

    /// Queues `envelope` for the publisher; drops it if the queue is full.
    pub(super) fn publish(&self, envelope: Envelope) {
        if self.outbox.try_send(envelope).is_err() {
            metrics::counter!("bus_publish_dropped_total").increment(1);
            self.lost.store(true, Ordering::Release);
        }
    }

    /// Whether NATS is connected now.
    pub(super) fn is_connected(&self) -> bool {
        self.client.connection_state() == State::Connected
    }
}

/// Reacts to the client's connection events: a reconnect means resync.
fn on_connection_event(
    event: async_nats::Event,
    inbound: &mpsc::Sender<Inbound>,
    lost: &AtomicBool,
) {
    match event {
        async_nats::Event::Connected => {
            tracing::info!("connected to NATS");
            metrics::counter!("bus_connects_total").increment(1);
            // Whatever others published while this node was away went past it.
            if inbound.try_send(Inbound::Resync).is_err() {
                tracing::warn!("bus inbox full; the resync waits for the next one");
            }
        }
        async_nats::Event::Disconnected => {
            tracing::warn!("lost the connection to NATS; serving this node's devices meanwhile");
            lost.store(true, Ordering::Release);
        }
        async_nats::Event::SlowConsumer(_) => {
            tracing::warn!("NATS dropped broadcasts for this node (slow consumer); resyncing");
            let _ = inbound.try_send(Inbound::Resync);
        }
        other => tracing::warn!(event = %other, "NATS event"),
    }
}

/// Hands other nodes' envelopes to the gateway, in the order they arrive.
async fn receive(
    mut subscriber: async_nats::Subscriber,
    node: Uuid,
    inbound: mpsc::Sender<Inbound>,
) {
    while let Some(message) = subscriber.next().await {
        metrics::counter!("bus_received_total").increment(1);
        match Envelope::decode(&message.payload) {
            Ok(envelope) if envelope.origin == node => {}
            Ok(envelope) => {
                if inbound
                    .send(Inbound::Broadcast(envelope.body))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Err(e) => tracing::warn!(error = %e, "ignored an unreadable bus message"),
        }
    }
}

/// Publishes queued envelopes one by one; after a loss, once connected again and the queue is
/// empty, asks every node to resync.
async fn publish_queued(
    client: async_nats::Client,
    subject: String,
    mut queued: mpsc::Receiver<Envelope>,
    lost: Arc<AtomicBool>,
    node: Uuid,
) {
    let mut check = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            envelope = queued.recv() => {
                let Some(envelope) = envelope else { return };
                send(&client, &subject, &envelope, &lost).await;
            }
            _ = check.tick() => {
                if queued.is_empty()
                    && client.connection_state() == State::Connected
                    && lost.swap(false, Ordering::AcqRel)
                {
                    tracing::info!("asking every node to resync after lost broadcasts");
                    metrics::counter!("bus_resync_requests_total").increment(1);
                    let resync = Envelope { origin: node, body: Broadcast::Resync };
                    send(&client, &subject, &resync, &lost).await;
                }
            }
        }
    }
}

async fn send(client: &async_nats::Client, subject: &str, envelope: &Envelope, lost: &AtomicBool) {
    match client
        .publish(subject.to_owned(), envelope.encode().into())
        .await
    {
        Ok(()) => metrics::counter!("bus_published_total").increment(1),
        Err(e) => {
            tracing::warn!(error = %e, "could not publish on NATS");
            lost.store(true, Ordering::Release);
        }
    }
}

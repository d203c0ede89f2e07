//! Who is connected, and fan-out. Each device has a bounded queue; the hub never waits on a
//! device: if a queue is full the device is told to disconnect (it resyncs on reconnect), so a
//! slow consumer can neither block others nor grow memory without bound. Ephemeral frames
//! (typing, presence) never count toward that: they are dropped for a device whose queue is
//! half full, so no sender can get someone else closed by flooding them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};

use axum::extract::ws::Utf8Bytes;
use dashmap::DashMap;
use tokio::sync::{Notify, mpsc};
use uuid::Uuid;

/// WebSocket close code: the session was revoked.
pub const CLOSE_REVOKED: u16 = 4001;
/// WebSocket close code: the client could not keep up with its queue.
pub const CLOSE_TOO_SLOW: u16 = 4008;
/// WebSocket close code: the user already has the most connections allowed.
pub const CLOSE_TOO_MANY: u16 = 4029;
/// WebSocket close code: this node is shutting down; reconnect (to any node) and resync.
pub const CLOSE_RESTARTING: u16 = 1012;

/// Something to hand to a device's connection task.
#[derive(Debug, Clone)]
pub enum Event {
    /// A chat message (already serialised), subject to the connection's cursor.
    Message {
        /// Conversation.
        conversation: Uuid,
        /// Its seq.
        seq: i64,
        /// The `message` frame.
        json: Utf8Bytes,
    },
    /// A frame to forward as it is.
    Frame(Utf8Bytes),
    /// A frame that may be lost (typing, presence): dropped, not queued, for a slow device.
    Ephemeral(Utf8Bytes),
    /// Start following a conversation from `from_seq`, after sending `frame`.
    Follow {
        /// Conversation.
        conversation: Uuid,
        /// Last seq the client is assumed to have.
        from_seq: i64,
        /// The frame announcing it.
        frame: Utf8Bytes,
    },
    /// Stop following a conversation, after sending `frame`.
    Unfollow {
        /// Conversation.
        conversation: Uuid,
        /// The frame announcing it.
        frame: Utf8Bytes,
    },
    /// The bus may have lost events: catch up every followed conversation from the database
    /// and tell the client to reload what it shows (`refresh`).
    Resync,
}

/// Tells a connection to close, and with which code.
#[derive(Debug, Default)]
pub struct CloseSignal {
    notify: Notify,
    code: AtomicU16,
}

impl CloseSignal {
    /// Asks the connection to close with `code` (the first request wins).
    pub fn close(&self, code: u16) {
        if self
            .code
            .compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.notify.notify_one();
        }
    }

    /// Waits until a close is requested and returns its code.
    pub async fn requested(&self) -> u16 {
        loop {
            let code = self.code.load(Ordering::Acquire);
            if code != 0 {
                return code;
            }
            self.notify.notified().await;
        }
    }
}

struct Device {
    id: u64,
    session: Uuid,
    queue: mpsc::Sender<Arc<Event>>,
    close: Arc<CloseSignal>,
}

/// A device's registration: its queue to read and its close signal.
pub struct Registration {
    /// Unique id of this connection.
    pub device_id: u64,
    /// Events for this device.
    pub events: mpsc::Receiver<Arc<Event>>,
    /// Set when the device must disconnect.
    pub close: Arc<CloseSignal>,
    /// Whether this is the user's only connected device.
    pub first_device: bool,
}

/// A user already holds the most connections allowed ([`Hub::new`]'s `max_per_user`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("you already have {0} connections open; close one (another tab or device) first")]
pub struct TooManyDevices(pub usize);

/// The registry of connected devices, by user.
pub struct Hub {
    devices: DashMap<Uuid, Vec<Device>>,
    next_id: AtomicU64,
    queue_capacity: usize,
    max_per_user: usize,
}

impl Hub {
    /// An empty hub whose device queues hold `queue_capacity` events and which lets one user
    /// hold at most `max_per_user` connections (so nobody can exhaust the server's sockets).
    pub fn new(queue_capacity: usize, max_per_user: usize) -> Self {
        Self {
            devices: DashMap::new(),
            next_id: AtomicU64::new(1),
            queue_capacity: queue_capacity.max(1),
            max_per_user: max_per_user.max(1),
        }
    }

    /// Whether `user` may open another connection now (checked again by [`Hub::register`]).
    pub fn has_room_for(&self, user: Uuid) -> Result<(), TooManyDevices> {
        match self.devices.get(&user) {
            Some(devices) if devices.len() >= self.max_per_user => {
                Err(TooManyDevices(self.max_per_user))
            }
            _ => Ok(()),
        }
    }

    /// Registers a new connection of `user` through `session`, unless they already hold the
    /// most allowed.
    pub fn register(&self, user: Uuid, session: Uuid) -> Result<Registration, TooManyDevices> {
        let mut devices = self.devices.entry(user).or_default();
        if devices.len() >= self.max_per_user {
            return Err(TooManyDevices(self.max_per_user));
        }
        let (queue, events) = mpsc::channel(self.queue_capacity);
        let close = Arc::new(CloseSignal::default());
        let device_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        devices.push(Device {
            id: device_id,
            session,
            queue,
            close: close.clone(),
        });
        let first_device = devices.len() == 1;
        Ok(Registration {
            device_id,
            events,
            close,
            first_device,
        })
    }

    /// Removes a connection; returns `true` if the user has no device left.
    pub fn unregister(&self, user: Uuid, device_id: u64) -> bool {
        let mut last = false;
        self.devices.remove_if_mut(&user, |_, devices| {
            devices.retain(|d| d.id != device_id);
            last = devices.is_empty();
            last
        });
        last
    }

    /// Whether any device of `user` is connected.
    pub fn is_online(&self, user: Uuid) -> bool {
        self.devices.get(&user).is_some_and(|d| !d.is_empty())
    }

    /// Number of connected devices.
    pub fn connections(&self) -> usize {
        self.devices.iter().map(|d| d.len()).sum()
    }

    /// Queues `event` for every device of every user in `users` (one shared copy: queues hold
    /// a pointer each, which keeps an idle device's queue small).
    pub fn send_to_users(&self, users: &[Uuid], event: &Event) {
        let shared = Arc::new(event.clone());
        for user in users {
            self.queue_for(*user, &shared);
        }
    }

    /// Queues `event` for every device of `user`.
    pub fn send_to_user(&self, user: Uuid, event: &Event) {
        self.queue_for(user, &Arc::new(event.clone()));
    }

    /// Queues for each device of `user`; a device whose queue is full is disconnected, except
    /// that an ephemeral event is dropped for a device whose queue is half full.
    fn queue_for(&self, user: Uuid, event: &Arc<Event>) {
        let ephemeral = matches!(**event, Event::Ephemeral(_));
        if let Some(devices) = self.devices.get(&user) {
            for device in devices.iter() {
                if ephemeral {
                    let used = self.queue_capacity.saturating_sub(device.queue.capacity());
                    if used * 2 >= self.queue_capacity
                        || device.queue.try_send(event.clone()).is_err()
                    {
                        metrics::counter!("ws_ephemeral_dropped_total").increment(1);
                    }
                    continue;
                }
                if let Err(mpsc::error::TrySendError::Full(_)) =
                    device.queue.try_send(event.clone())
                {
                    metrics::counter!("ws_slow_consumer_disconnects_total").increment(1);
                    device.close.close(CLOSE_TOO_SLOW);
                }
            }
        }
    }

    /// The users with a device connected here.
    pub fn users(&self) -> Vec<Uuid> {
        self.devices
            .iter()
            .filter(|d| !d.is_empty())
            .map(|d| *d.key())
            .collect()
    }

    /// Queues `event` for every device connected here.
    pub fn send_to_everyone(&self, event: &Event) {
        let shared = Arc::new(event.clone());
        for user in self.users() {
            self.queue_for(user, &shared);
        }
    }

    /// Asks every device connected here to close with `code` (the node is shutting down).
    pub fn close_all(&self, code: u16) {
        for devices in self.devices.iter() {
            for device in devices.iter() {
                device.close.close(code);
            }
        }
    }

    /// Disconnects every device using `session` (it was revoked).
    pub fn close_session(&self, session: Uuid) {
        for devices in self.devices.iter() {
            for device in devices.iter().filter(|d| d.session == session) {
                device.close.close(CLOSE_REVOKED);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> Event {
        Event::Frame(Utf8Bytes::from(text.to_owned()))
    }

    #[tokio::test]
    async fn every_device_of_a_user_gets_the_event() {
        let hub = Hub::new(8, 10);
        let user = Uuid::from_u128(1);
        let mut laptop = hub.register(user, Uuid::from_u128(10)).unwrap();
        let mut phone = hub.register(user, Uuid::from_u128(11)).unwrap();
        assert!(laptop.first_device && !phone.first_device);
        hub.send_to_user(user, &frame("hi"));
        assert!(
            matches!(laptop.events.recv().await, Some(e) if matches!(&*e, Event::Frame(t) if t.as_str() == "hi"))
        );
        assert!(
            matches!(phone.events.recv().await, Some(e) if matches!(&*e, Event::Frame(t) if t.as_str() == "hi"))
        );
        assert_eq!(hub.connections(), 2);
        assert!(!hub.unregister(user, laptop.device_id));
        assert!(
            hub.unregister(user, phone.device_id),
            "the last device leaving is reported"
        );
        assert!(!hub.is_online(user));
    }

    #[tokio::test]
    async fn a_full_queue_disconnects_only_that_device() {
        let hub = Hub::new(2, 10);
        let slow_user = Uuid::from_u128(1);
        let fast_user = Uuid::from_u128(2);
        let slow = hub.register(slow_user, Uuid::from_u128(10)).unwrap();
        let mut fast = hub.register(fast_user, Uuid::from_u128(11)).unwrap();
        for i in 0..3 {
            hub.send_to_users(&[slow_user, fast_user], &frame(&i.to_string()));
            assert!(fast.events.recv().await.is_some());
        }
        assert_eq!(slow.close.requested().await, CLOSE_TOO_SLOW);
    }

    #[tokio::test]
    async fn ephemeral_frames_are_dropped_for_a_slow_device_instead_of_closing_it() {
        let hub = Hub::new(4, 10);
        let user = Uuid::from_u128(1);
        let mut slow = hub.register(user, Uuid::from_u128(10)).unwrap();
        let typing = Event::Ephemeral(Utf8Bytes::from_static("typing"));
        for _ in 0..100 {
            hub.send_to_user(user, &typing);
        }
        let closed =
            tokio::time::timeout(std::time::Duration::from_millis(50), slow.close.requested())
                .await;
        assert!(
            closed.is_err(),
            "a flood of typing does not close the device"
        );
        // Ephemeral frames stop at half the queue, so messages still fit behind them.
        let mut queued = 0;
        while slow.events.try_recv().is_ok() {
            queued += 1;
        }
        assert_eq!(queued, 2);
        hub.send_to_user(user, &frame("message"));
        assert!(slow.events.try_recv().is_ok());
    }

    #[tokio::test]
    async fn revoking_a_session_closes_only_its_devices() {
        let hub = Hub::new(2, 10);
        let user = Uuid::from_u128(1);
        let revoked = hub.register(user, Uuid::from_u128(10)).unwrap();
        let kept = hub.register(user, Uuid::from_u128(11)).unwrap();
        hub.close_session(Uuid::from_u128(10));
        assert_eq!(revoked.close.requested().await, CLOSE_REVOKED);
        let still_open =
            tokio::time::timeout(std::time::Duration::from_millis(50), kept.close.requested())
                .await;
        assert!(still_open.is_err());
    }

    #[test]
    fn a_user_holds_at_most_the_allowed_connections_and_a_closed_one_frees_its_place() {
        let hub = Hub::new(8, 2);
        let (user, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let first = hub.register(user, Uuid::from_u128(10)).unwrap();
        let _second = hub.register(user, Uuid::from_u128(11)).unwrap();
        assert_eq!(hub.has_room_for(user), Err(TooManyDevices(2)));
        assert_eq!(
            hub.register(user, Uuid::from_u128(12)).err(),
            Some(TooManyDevices(2))
        );
        assert!(
            hub.register(other, Uuid::from_u128(13)).is_ok(),
            "others are not affected"
        );
        hub.unregister(user, first.device_id);
        assert!(hub.has_room_for(user).is_ok());
        assert!(hub.register(user, Uuid::from_u128(14)).is_ok());
    }
}

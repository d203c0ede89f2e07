//! A participant's outbox: the frames waiting for their signalling socket, bounded so a client
//! that stops reading cannot grow the server's memory, and the signal that they must go.

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::room::protocol::{EndReason, ServerFrame};

/// Frames queued per participant before they are disconnected as too slow. Signalling is a few
/// frames per join or track change, so only a client that stopped reading fills it.
const FRAMES_QUEUED: usize = 512;

/// Where frames for one participant go. Cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    frames: mpsc::Sender<ServerFrame>,
    end: watch::Sender<Option<EndReason>>,
}

impl Outbox {
    /// A new outbox, the receiver of its frames and of its end signal.
    pub fn new() -> (
        Self,
        mpsc::Receiver<ServerFrame>,
        watch::Receiver<Option<EndReason>>,
    ) {
        let (frames, frames_rx) = mpsc::channel(FRAMES_QUEUED);
        let (end, end_rx) = watch::channel(None);
        (Self { frames, end }, frames_rx, end_rx)
    }

    /// Queues a frame; never waits. A full queue ends the participant's session.
    pub fn send(&self, frame: ServerFrame) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.frames.try_send(frame) {
            metrics::counter!("room_slow_signalling_disconnects_total").increment(1);
            self.end(EndReason::TooSlow);
        }
    }

    /// Asks the session to end with `reason` (the first reason wins).
    pub fn end(&self, reason: EndReason) {
        self.end.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(reason);
                true
            } else {
                false
            }
        });
    }
}

/// A background task that stops when its owner is dropped.
pub struct TaskGuard(pub JoinHandle<()>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

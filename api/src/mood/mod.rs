//! Mood at the edge: the recognition job, the push of changed moods to contacts, the active
//! model of this process and background retraining. The classifier itself is the pure
//! `sentiment` crate; the data access is `models::mood*`.

pub mod job;
pub mod push;
pub mod registry;
pub mod training;
pub mod windows;

use std::sync::Arc;

use tokio::sync::Semaphore;

use self::registry::ModelRegistry;

/// The mood services a handler may need.
#[derive(Clone)]
pub struct MoodService {
    /// The active model of this process.
    pub registry: Arc<ModelRegistry>,
    /// One training at a time per process (training takes both cores for seconds).
    pub training_slots: Arc<Semaphore>,
}

impl Default for MoodService {
    fn default() -> Self {
        Self {
            registry: Arc::new(ModelRegistry::default()),
            training_slots: Arc::new(Semaphore::new(1)),
        }
    }
}

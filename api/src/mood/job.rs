//! The recognition phase: every window, each user's new messages per conversation are
//! classified and stored, and the user's current mood is derived from all they wrote in it.
//!
//! Storing a window exactly once across processes is `models::mood::record_window`'s job; this
//! module decides which windows are due (on the server's [`Clock`]) and classifies them.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration};
use models::clock::Clock;
use models::mood::{self, Classified, NewReading, Scores, WindowError, WindowText};
use models::{Db, ModelError};
use sentiment::{Model, Mood};
use uuid::Uuid;

use super::registry::{ModelRegistry, RegistryError};
use super::windows::{Window, due_windows, next_due};

/// Windows processed per pass; a backlog continues on the next pass.
const WINDOWS_PER_PASS: usize = 50;

/// Why a window could not be processed (it stays due and is retried).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Database failure.
    #[error(transparent)]
    Database(#[from] ModelError),
    /// No usable model.
    #[error(transparent)]
    Model(#[from] RegistryError),
    /// The classification task panicked.
    #[error("classification failed: {0}")]
    Classify(String),
}

impl From<WindowError<String>> for JobError {
    fn from(err: WindowError<String>) -> Self {
        match err {
            WindowError::Database(e) => Self::Database(e),
            WindowError::Classify(e) => Self::Classify(e),
        }
    }
}

/// Timing of the job.
#[derive(Debug, Clone, Copy)]
pub struct JobConfig {
    /// Window length.
    pub window: Duration,
    /// Wait after a window's end before processing it.
    pub grace: Duration,
}

/// Runs the job until the task is dropped, with windows falling due on `clock`.
pub async fn run(db: Db, registry: Arc<ModelRegistry>, config: JobConfig, clock: Clock) {
    loop {
        match run_due(&db, &registry, config, clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(windows = n, "mood windows processed"),
            Err(e) if db.is_closed() => {
                tracing::debug!(error = %e, "mood job stopped with the pool");
                return;
            }
            Err(e) => tracing::warn!(error = %e, "mood job failed; retrying next window"),
        }
        clock
            .sleep_until(next_due(clock.now(), config.window, config.grace))
            .await;
    }
}

/// Processes every window due at `now`; returns how many this process stored.
pub async fn run_due(
    db: &Db,
    registry: &ModelRegistry,
    config: JobConfig,
    now: DateTime<chrono::Utc>,
) -> Result<usize, JobError> {
    let mut stored = 0;
    loop {
        let last = mood::last_window_end(db).await?;
        let due = due_windows(last, now, config.window, config.grace, WINDOWS_PER_PASS);
        if due.is_empty() {
            return Ok(stored);
        }
        for window in &due {
            if process_window(db, registry, *window).await?.is_some() {
                stored += 1;
            }
        }
        if due.len() < WINDOWS_PER_PASS {
            return Ok(stored);
        }
    }
}

/// Processes one window; `None` if another process has it, else the readings stored.
pub async fn process_window(
    db: &Db,
    registry: &ModelRegistry,
    window: Window,
) -> Result<Option<usize>, JobError> {
    // The model is looked up before the transaction, so a run holds one connection at a time
    // while another process waits for its claim.
    let active = registry.active(db).await?;
    let model = active.model.clone();
    let classify = |texts: Vec<WindowText>| async move {
        tokio::task::spawn_blocking(move || classify_window(&model, &texts))
            .await
            .map_err(|e| e.to_string())
    };
    let stored = mood::record_window(db, window, Some(active.id), classify).await?;
    if let Some(readings) = stored {
        metrics::counter!("mood_readings_total").increment(readings as u64);
        tracing::info!(window.start = %window.0, readings, "mood window stored");
    }
    Ok(stored)
}

/// Classifies a window: one reading per (user, conversation), and each user's current mood
/// from everything they wrote in the window, with its message count.
pub fn classify_window(model: &Model, texts: &[WindowText]) -> Classified {
    let mut readings = Vec::with_capacity(texts.len());
    let mut by_user: BTreeMap<Uuid, Vec<&str>> = BTreeMap::new();
    for t in texts {
        let bodies = t.bodies.iter().map(String::as_str);
        readings.push(NewReading {
            user_id: t.user_id,
            conversation_id: t.conversation_id,
            message_count: count(t.bodies.len()),
            scores: scores(&model.classify_many(bodies.clone())),
        });
        by_user.entry(t.user_id).or_default().extend(bodies);
    }
    let current = by_user
        .into_iter()
        .map(|(user, bodies)| {
            let n = count(bodies.len());
            (user, n, scores(&model.classify_many(bodies)))
        })
        .collect();
    (readings, current)
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The stored form of a classification.
pub fn scores(m: &Mood) -> Scores {
    Scores {
        emotion: i16::try_from(m.emotion.index()).unwrap_or(2),
        intensity: i16::try_from(m.intensity.index()).unwrap_or(2),
        emotion_probabilities: m.emotion_probabilities.to_vec(),
        intensity_probabilities: m.intensity_probabilities.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(user: Uuid, conv: Uuid, bodies: &[&str]) -> WindowText {
        WindowText {
            user_id: user,
            conversation_id: conv,
            bodies: bodies.iter().map(|b| (*b).to_owned()).collect(),
        }
    }

    #[test]
    fn one_reading_per_conversation_and_one_mood_per_user() {
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let (c1, c2) = (Uuid::new_v4(), Uuid::new_v4());
        let texts = vec![
            text(
                alice,
                c1,
                &["I failed the exam", "I feel awful and hopeless"],
            ),
            text(alice, c2, &["so tired of everything"]),
            text(bob, c1, &["Great news, I passed!!! :)"]),
        ];
        let model = Model::builtin();
        let (readings, current) = classify_window(model, &texts);
        assert_eq!(readings.len(), 3);
        assert_eq!(readings[0].message_count, 2);
        assert_eq!(current.len(), 2);
        let alice_now = current.iter().find(|(u, _, _)| *u == alice).unwrap();
        assert_eq!(alice_now.1, 3, "all of alice's messages in the window");
        assert!(alice_now.2.emotion <= 1, "alice is sad: {:?}", alice_now.2);
        let bob_now = current.iter().find(|(u, _, _)| *u == bob).unwrap();
        assert!(bob_now.2.emotion >= 3, "bob is happy: {:?}", bob_now.2);
        for r in &readings {
            let sum: f64 = r.scores.emotion_probabilities.iter().sum();
            assert!((sum - 1.0).abs() < 1e-9);
            assert_eq!(r.scores.intensity_probabilities.len(), 5);
        }
    }
}

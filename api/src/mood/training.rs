//! Admin retraining in the background: the training runs on a blocking thread (one at a time per
//! process), its stages are stored as progress, and the trained model is stored with its report.

use std::path::Path;
use std::sync::Arc;

use models::mood_data::{self, LabelledText};
use models::validated::{self, InvalidValue};
use models::{Db, mood_model};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use sentiment::{Emotion, Example, Intensity, Source, TrainConfig, TrainStage};
use tokio::sync::{Semaphore, mpsc};

/// Longest name of a model version, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// The name of a new model version, trimmed: 1 to [`MAX_NAME_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionName(String);

impl TryFrom<String> for VersionName {
    type Error = InvalidValue;
    fn try_from(raw: String) -> Result<Self, InvalidValue> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(InvalidValue::new(
                "name",
                format!("must be 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        Ok(Self(name.to_owned()))
    }
}

models::deserialize_by_try_from!(VersionName: String);

models::schema_of!(VersionName => validated::text_schema(1, MAX_NAME_CHARS));

/// What an admin asks to train on.
#[derive(Debug, Clone, Copy)]
pub struct Order<'a> {
    /// The new version's unique name.
    pub name: &'a VersionName,
    /// Uploaded datasets to include.
    pub datasets: &'a [i64],
    /// Whether to include the shipped data.
    pub include_builtin: bool,
    /// Whether to include every approved correction.
    pub include_corrections: bool,
}

/// Records a new version in training and starts training it in the background; returns its id.
pub async fn start(state: &AppState, admin: Uuid, order: &Order<'_>) -> ApiResult<i64> {
    let name = order.name.0.clone();
    let mut datasets = order.datasets.to_vec();
    datasets.sort_unstable();
    datasets.dedup();
    if order.include_corrections
        && let Some(snapshot) = mood_data::snapshot_corrections(&state.db, admin).await?
    {
        datasets.push(snapshot);
    }
    if datasets.is_empty() && !order.include_builtin {
        return Err(ApiError::Unprocessable {
            code: "no_training_data",
            message: "choose datasets, the built-in data or approved corrections to train on"
                .into(),
        });
    }
    let config = TrainConfig::default();
    let emobank = if order.include_builtin {
        Some(read_emobank(&state.config.mood_emobank_csv).await?)
    } else {
        None
    };
    let id = mood_model::start_training(&state.db, &name, admin, order.include_builtin, &datasets)
        .await?;
    let mut sources = match emobank {
        Some(bytes) => match builtin_sources(bytes, &config).await {
            Ok(sources) => sources,
            Err(e) => {
                mood_model::fail_training(&state.db, id, &e.to_string()).await?;
                return Ok(id);
            }
        },
        None => Vec::new(),
    };
    let uploaded = examples_of(mood_data::examples(&state.db, &datasets).await?);
    if !uploaded.is_empty() {
        let ids: Vec<String> = datasets.iter().map(i64::to_string).collect();
        let detail = format!(
            "uploaded datasets and approved corrections {}",
            ids.join(", ")
        );
        sources.push(Source::new("datasets", &detail, uploaded));
    }
    spawn(
        state.db.clone(),
        state.mood.training_slots.clone(),
        id,
        name,
        sources,
    );
    Ok(id)
}

/// Reads EmoBank's CSV, refusing built-in training with a clear error when it is not readable.
async fn read_emobank(path: &Path) -> ApiResult<Vec<u8>> {
    tokio::fs::read(path).await.map_err(|e| {
        tracing::warn!(error = %e, path = %path.display(), "EmoBank is not readable");
        ApiError::Unprocessable {
            code: "builtin_data_unavailable",
            message: "the built-in intensity data (EmoBank) is not available on this server; \
                      set CHATTERLY_MOOD_EMOBANK_CSV or train on uploaded datasets"
                .into(),
        }
    })
}

/// The shipped training data: the VADER sentences (emotion) and EmoBank (intensity) from its CSV.
async fn builtin_sources(
    emobank: Vec<u8>,
    config: &TrainConfig,
) -> Result<Vec<Source>, sentiment::EmoBankError> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || {
        let rated = sentiment::parse_emobank(&emobank)?;
        Ok(sentiment::standard_sources(&config, &rated))
    })
    .await
    .unwrap_or_else(|e| {
        Err(sentiment::EmoBankError::Csv(format!(
            "reading stopped: {e}"
        )))
    })
}

/// Turns stored labelled rows into training examples.
pub fn examples_of(rows: Vec<LabelledText>) -> Vec<Example> {
    rows.into_iter()
        .map(|r| Example {
            text: r.text,
            emotion: r
                .emotion
                .and_then(|i| usize::try_from(i).ok())
                .and_then(Emotion::from_index),
            intensity: r
                .intensity
                .and_then(|i| usize::try_from(i).ok())
                .and_then(Intensity::from_index),
        })
        .collect()
}

/// The progress name of a stage.
fn stage_code(stage: &TrainStage) -> &'static str {
    match stage {
        TrainStage::Preparing => "preparing",
        TrainStage::Emotion => "emotion",
        TrainStage::Intensity => "intensity",
        TrainStage::Evaluating => "evaluating",
    }
}

/// Trains model version `id` on `examples` in the background and stores the outcome.
pub fn spawn(db: Db, slots: Arc<Semaphore>, id: i64, name: String, sources: Vec<Source>) {
    tokio::spawn(async move {
        let Ok(_slot) = slots.acquire_owned().await else {
            return;
        };
        let (stages, mut progress) = mpsc::unbounded_channel();
        let started = std::time::Instant::now();
        let training = tokio::task::spawn_blocking(move || {
            sentiment::train_sources(&sources, &TrainConfig::default(), &name, &mut |stage| {
                let _ = stages.send(stage);
            })
        });
        while let Some(stage) = progress.recv().await {
            if let Err(e) = mood_model::set_stage(&db, id, stage_code(&stage)).await {
                tracing::warn!(error = %e, model.id = id, "could not record training progress");
            }
        }
        let outcome = match training.await {
            Ok(Ok(trained)) => match serde_json::to_value(&trained.report) {
                Ok(report) => {
                    mood_model::finish_training(&db, id, &trained.model.to_bytes(), &report).await
                }
                Err(e) => mood_model::fail_training(&db, id, &e.to_string()).await,
            },
            Ok(Err(e)) => mood_model::fail_training(&db, id, &e.to_string()).await,
            Err(e) => {
                tracing::error!(error = %e, model.id = id, "training panicked");
                mood_model::fail_training(&db, id, "training stopped unexpectedly").await
            }
        };
        match outcome {
            Ok(()) => tracing::info!(
                model.id = id,
                duration_ms = started.elapsed().as_millis() as u64,
                "mood model training finished"
            ),
            Err(e) => {
                tracing::error!(error = %e, model.id = id, "could not store training outcome")
            }
        }
    });
}

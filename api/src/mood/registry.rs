//! The active mood model of this process: looked up in the database before each use and
//! reloaded when an admin activated another version, so every running server switches without
//! a restart.

use std::sync::{Arc, RwLock};

use models::{Db, ModelError, mood_model};
use sentiment::Model;

/// Why no model could be used.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The database failed.
    #[error(transparent)]
    Database(#[from] ModelError),
    /// The stored bytes do not load.
    #[error("model version {id} cannot be loaded: {source}")]
    Corrupt {
        /// The version.
        id: i64,
        /// Why.
        source: sentiment::ModelError,
    },
    /// Decoding the model stopped unexpectedly.
    #[error("loading model version {0} stopped unexpectedly")]
    Crashed(i64),
    /// No version is active (the built-in one is installed at start, so this is rare).
    #[error("no mood model is active")]
    NoneActive,
}

/// A loaded model version.
#[derive(Clone)]
pub struct ActiveModel {
    /// Its id in `mood_models`.
    pub id: i64,
    /// The model.
    pub model: Arc<Model>,
}

/// Caches the active model; cheap to share.
#[derive(Default)]
pub struct ModelRegistry {
    cached: RwLock<Option<ActiveModel>>,
}

impl ModelRegistry {
    /// Installs the built-in model (once across processes) and activates it if nothing is.
    pub async fn install_builtin(db: &Db) -> Result<(), ModelError> {
        let model = Model::builtin();
        let report = serde_json::from_str::<serde_json::Value>(sentiment::BUILTIN_REPORT)
            .unwrap_or(serde_json::Value::Null);
        mood_model::install_builtin(db, model.name(), &model.to_bytes(), &report).await
    }

    /// The active model, loading it if it changed since the last call.
    pub async fn active(&self, db: &Db) -> Result<ActiveModel, RegistryError> {
        let (id, _) = mood_model::active(db)
            .await?
            .ok_or(RegistryError::NoneActive)?;
        if let Some(hit) = self.cached_if(id) {
            return Ok(hit);
        }
        let loaded = self.load(db, id).await?;
        if let Ok(mut cached) = self.cached.write() {
            *cached = Some(loaded.clone());
        }
        tracing::info!(
            model.id = id,
            model.name = loaded.model.name(),
            "mood model loaded"
        );
        Ok(loaded)
    }

    /// Loads any ready version (for admins comparing versions).
    pub async fn load(&self, db: &Db, id: i64) -> Result<ActiveModel, RegistryError> {
        if let Some(hit) = self.cached_if(id) {
            return Ok(hit);
        }
        let bytes = mood_model::bytes(db, id).await?;
        let model = tokio::task::spawn_blocking(move || Model::from_bytes(&bytes))
            .await
            .map_err(|_| RegistryError::Crashed(id))?
            .map_err(|source| RegistryError::Corrupt { id, source })?;
        Ok(ActiveModel {
            id,
            model: Arc::new(model),
        })
    }

    fn cached_if(&self, id: i64) -> Option<ActiveModel> {
        self.cached
            .read()
            .ok()
            .and_then(|c| c.as_ref().filter(|m| m.id == id).cloned())
    }
}

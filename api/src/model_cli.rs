//! `chatterly model train|eval`: train and evaluate the mood models offline, from the shipped
//! data or CSV/TSV files, printing held-out metrics against the baselines. Needs no database.

use std::path::{Path, PathBuf};

use sentiment::{Example, Model, TrainConfig};

/// Why a model command failed.
#[derive(Debug, thiserror::Error)]
pub enum ModelCliError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A data file is not valid labelled data.
    #[error("{path}: {message}")]
    Data {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
    /// A model file does not load.
    #[error("{path}: {source}")]
    Model {
        /// The file.
        path: PathBuf,
        /// Why.
        source: sentiment::ModelError,
    },
    /// Training failed.
    #[error("training failed: {0}")]
    Train(#[from] sentiment::TrainError),
    /// The report could not be encoded.
    #[error("cannot encode the report: {0}")]
    Report(#[from] serde_json::Error),
    /// Nothing to train on.
    #[error("no training data: give --data files or leave out --no-builtin")]
    NoData,
}

/// Most rows read from one file.
const MAX_ROWS: usize = 1_000_000;

fn read(path: &Path) -> Result<Vec<u8>, ModelCliError> {
    std::fs::read(path).map_err(|source| ModelCliError::Io {
        path: path.to_owned(),
        source,
    })
}

fn load_examples(paths: &[PathBuf]) -> Result<Vec<Example>, ModelCliError> {
    let mut examples = Vec::new();
    for path in paths {
        let parsed =
            sentiment::parse_examples(&read(path)?, MAX_ROWS).map_err(|e| ModelCliError::Data {
                path: path.clone(),
                message: e.to_string(),
            })?;
        examples.extend(parsed);
    }
    Ok(examples)
}

/// Trains on `data` (plus the shipped data unless `no_builtin`), writes the model to `out` and
/// the JSON report to `report` if asked, and returns the printable report.
pub fn train(
    data: &[PathBuf],
    no_builtin: bool,
    emobank: &Path,
    name: &str,
    out: Option<&Path>,
    report: Option<&Path>,
) -> Result<String, ModelCliError> {
    let config = TrainConfig::default();
    let mut sources = if no_builtin {
        Vec::new()
    } else {
        let rated = sentiment::parse_emobank(&read(emobank)?).map_err(|e| ModelCliError::Data {
            path: emobank.to_owned(),
            message: e.to_string(),
        })?;
        sentiment::standard_sources(&config, &rated)
    };
    let uploaded = load_examples(data)?;
    if !uploaded.is_empty() {
        sources.push(sentiment::Source::new(
            "data files",
            "--data files",
            uploaded,
        ));
    }
    let examples: usize = sources.iter().map(|s| s.examples.len()).sum();
    if examples == 0 {
        return Err(ModelCliError::NoData);
    }
    let started = std::time::Instant::now();
    let trained = sentiment::train_sources(&sources, &config, name, &mut |stage| {
        eprintln!("  {stage:?}…");
    })?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(out) = out {
        write(out, &trained.model.to_bytes())?;
    }
    if let Some(path) = report {
        write(path, &serde_json::to_vec_pretty(&trained.report)?)?;
    }
    Ok(format!(
        "{}\ntrained {} examples in {seconds:.1} s\n",
        trained.report, examples
    ))
}

/// Evaluates `model` (default: the built-in one) on `data` (default: the chat evaluation set).
pub fn eval(model: Option<&Path>, data: &[PathBuf]) -> Result<String, ModelCliError> {
    let loaded;
    let model = match model {
        Some(path) => {
            loaded = Model::from_bytes(&read(path)?).map_err(|source| ModelCliError::Model {
                path: path.to_owned(),
                source,
            })?;
            &loaded
        }
        None => Model::builtin(),
    };
    let examples = if data.is_empty() {
        sentiment::chat_eval_examples()
    } else {
        load_examples(data)?
    };
    Ok(format!(
        "model {}: {} examples\n{}",
        model.name(),
        examples.len(),
        sentiment::evaluate(model, &examples)
    ))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ModelCliError> {
    std::fs::write(path, bytes).map_err(|source| ModelCliError::Io {
        path: path.to_owned(),
        source,
    })
}

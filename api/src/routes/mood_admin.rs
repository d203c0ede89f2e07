//! Mood administration: labelled-data uploads, background training, versions with their
//! metrics, activation and rollback, a classification preview, and review of corrections.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use models::mood_data::{self, LabelledText};
use models::mood_model;
use models::validated::{self, InvalidValue};
use models::values::DatasetName;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AdminUser;
use crate::error::{ApiError, ApiResult, not_found};
use crate::extract::{Json, Path, Query};
use crate::mood::training;
use crate::state::AppState;
use crate::views::mood::{CorrectionView, DatasetView, ModelVersionView, ScoresView};

/// Corrections listed at most.
const MAX_CORRECTIONS_LISTED: i64 = 200;

/// Text to classify: 1 to [`sentiment::MAX_TEXT_CHARS`] characters, the longest text a
/// dataset may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassifyText(String);

impl TryFrom<String> for ClassifyText {
    type Error = InvalidValue;
    fn try_from(text: String) -> Result<Self, InvalidValue> {
        let n = text.chars().count();
        if n == 0 || n > sentiment::MAX_TEXT_CHARS {
            return Err(InvalidValue::new(
                "text",
                format!(
                    "must be 1 to {} characters",
                    thousands(sentiment::MAX_TEXT_CHARS)
                ),
            ));
        }
        Ok(Self(text))
    }
}

models::deserialize_by_try_from!(ClassifyText: String);

/// `10000` as `10,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

models::schema_of!(ClassifyText => validated::text_schema(1, sentiment::MAX_TEXT_CHARS));

/// Where an upload's name comes from.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// Name of the dataset (1 to 200 characters).
    #[param(inline)]
    pub name: DatasetName,
}

/// What to train a new version on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainRequest {
    /// Unique version name (1 to 100 characters).
    pub name: training::VersionName,
    /// Uploaded datasets to include.
    #[serde(default)]
    pub datasets: Vec<i64>,
    /// Include the shipped VADER data (default true).
    #[serde(default = "yes")]
    pub include_builtin: bool,
    /// Include every approved correction (default false).
    #[serde(default)]
    pub include_corrections: bool,
}

fn yes() -> bool {
    true
}

/// Text to classify.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRequest {
    /// The text (1 to 10,000 characters).
    pub text: ClassifyText,
    /// A ready version to use instead of the active one (to compare).
    pub model: Option<i64>,
}

/// A classification preview.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassifyResult {
    /// Version used.
    pub model: i64,
    /// Its name.
    pub model_name: String,
    /// The result.
    #[serde(flatten)]
    pub scores: ScoresView,
}

/// Which corrections to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CorrectionParams {
    /// `pending` (default), `approved` or `rejected`.
    pub status: Option<String>,
}

/// A review decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// Approve (becomes a labelled example) or reject.
    pub approve: bool,
}

/// Every model version, newest first, with metrics and confusion matrices.
#[utoipa::path(get, path = "/admin/mood/models", tag = "mood-admin",
    responses((status = 200, body = Vec<ModelVersionView>), (status = 403, description = "not an admin")))]
pub async fn list_models(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> ApiResult<Json<Vec<ModelVersionView>>> {
    let versions = mood_model::list_versions(&state.db).await?;
    Ok(Json(versions.into_iter().map(Into::into).collect()))
}

/// One version (poll it for training progress).
#[utoipa::path(get, path = "/admin/mood/models/{id}", tag = "mood-admin",
    params(("id" = i64, Path, description = "version id")),
    responses((status = 200, body = ModelVersionView), (status = 404, description = "no such version")))]
pub async fn get_model(
    State(state): State<AppState>,
    _admin: AdminUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ModelVersionView>> {
    Ok(Json(version(&state, id).await?))
}

/// Starts training a new version in the background; poll it for progress.
#[utoipa::path(post, path = "/admin/mood/models", tag = "mood-admin", request_body = TrainRequest,
    responses((status = 202, body = ModelVersionView), (status = 409, description = "name taken"),
              (status = 422, description = "no data, unknown dataset, bad name")))]
pub async fn train(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Json(request): Json<TrainRequest>,
) -> ApiResult<(StatusCode, Json<ModelVersionView>)> {
    let order = training::Order {
        name: &request.name,
        datasets: &request.datasets,
        include_builtin: request.include_builtin,
        include_corrections: request.include_corrections,
    };
    let id = training::start(&state, admin.user.id, &order).await?;
    tracing::info!(admin.id = %admin.user.id, model.id = id, "mood model training started");
    Ok((StatusCode::ACCEPTED, Json(version(&state, id).await?)))
}

/// Makes a ready version the active one; every server uses it for the next window.
#[utoipa::path(post, path = "/admin/mood/models/{id}/activate", tag = "mood-admin",
    params(("id" = i64, Path, description = "version id")),
    responses((status = 200, body = ModelVersionView), (status = 404, description = "no such version"),
              (status = 409, description = "not ready")))]
pub async fn activate(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ModelVersionView>> {
    mood_model::activate(&state.db, id, admin.user.id)
        .await
        .map_err(not_found("model version"))?;
    tracing::info!(admin.id = %admin.user.id, model.id = id, "mood model activated");
    Ok(Json(version(&state, id).await?))
}

/// Re-activates the version that was active before the current one.
#[utoipa::path(post, path = "/admin/mood/rollback", tag = "mood-admin",
    responses((status = 200, body = ModelVersionView), (status = 409, description = "nothing to roll back to")))]
pub async fn rollback(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> ApiResult<Json<ModelVersionView>> {
    let previous = mood_model::previous_active(&state.db)
        .await?
        .ok_or(ApiError::Conflict {
            code: "nothing_to_roll_back",
            message: "no earlier version has been active".into(),
        })?;
    mood_model::activate(&state.db, previous, admin.user.id).await?;
    tracing::info!(admin.id = %admin.user.id, model.id = previous, "mood model rolled back");
    Ok(Json(version(&state, previous).await?))
}

/// Classifies a text with the active version (or a chosen one), to compare versions.
#[utoipa::path(post, path = "/admin/mood/classify", tag = "mood-admin", request_body = ClassifyRequest,
    responses((status = 200, body = ClassifyResult), (status = 404, description = "no such ready version")))]
pub async fn classify(
    State(state): State<AppState>,
    _admin: AdminUser,
    Json(request): Json<ClassifyRequest>,
) -> ApiResult<Json<ClassifyResult>> {
    let registry = &state.mood.registry;
    let loaded = match request.model {
        Some(id) => registry.load(&state.db, id).await,
        None => registry.active(&state.db).await,
    }
    .map_err(|e| match e {
        crate::mood::registry::RegistryError::Database(models::ModelError::NotFound) => {
            ApiError::NotFound("ready model version")
        }
        other => ApiError::internal(other),
    })?;
    let mood = loaded.model.classify(&request.text.0);
    Ok(Json(ClassifyResult {
        model: loaded.id,
        model_name: loaded.model.name().to_owned(),
        scores: ScoresView::of(&mood),
    }))
}

/// Uploads labelled data as CSV or TSV with the header `text,emotion,intensity` (either label
/// may be empty). Nothing is stored unless every row is valid.
#[utoipa::path(post, path = "/admin/mood/datasets", tag = "mood-admin", params(UploadParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = DatasetView), (status = 413, description = "file too large"),
              (status = 415, description = "not `text/csv` or `text/tab-separated-values`"),
              (status = 422, description = "bad columns, labels or rows (the message names the line)")))]
pub async fn upload(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Query(params): Query<UploadParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<DatasetView>)> {
    if !is_dataset_type(&headers) {
        return Err(ApiError::UnsupportedMediaType(
            "expected a dataset with Content-Type: text/csv or text/tab-separated-values",
        ));
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest {
                code: "bad_request",
                message: e.body_text(),
            }
        }
    })?;
    let name = params.name.as_str();
    let max_rows = state.config.mood_upload_max_rows;
    let examples = tokio::task::spawn_blocking(move || sentiment::parse_examples(&body, max_rows))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| unprocessable("invalid_dataset", &e.to_string()))?;
    let rows: Vec<LabelledText> = examples
        .into_iter()
        .map(|e| LabelledText {
            text: e.text,
            emotion: e.emotion.and_then(|c| i16::try_from(c.index()).ok()),
            intensity: e.intensity.and_then(|c| i16::try_from(c.index()).ok()),
        })
        .collect();
    let id =
        mood_data::insert_dataset(&state.db, name, "upload", Some(admin.user.id), &rows).await?;
    tracing::info!(admin.id = %admin.user.id, dataset.id = id, rows = rows.len(), "mood dataset uploaded");
    let stored = mood_data::get_dataset(&state.db, id).await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Whether the upload says it is CSV or TSV (`text/csv`, `text/tab-separated-values`, with any
/// parameters such as `charset`): anything else, a form post from another site included, is
/// refused before the body is parsed or anything stored.
fn is_dataset_type(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::TEXT
                && matches!(m.subtype().as_str(), "csv" | "tab-separated-values")
        })
}

/// Every dataset, newest first.
#[utoipa::path(get, path = "/admin/mood/datasets", tag = "mood-admin",
    responses((status = 200, body = Vec<DatasetView>)))]
pub async fn list_datasets(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> ApiResult<Json<Vec<DatasetView>>> {
    let datasets = mood_data::list_datasets(&state.db).await?;
    Ok(Json(datasets.into_iter().map(Into::into).collect()))
}

/// Corrections by status (pending first in line), with the text they label when their author
/// agreed to share it (`text` is null otherwise).
#[utoipa::path(get, path = "/admin/mood/corrections", tag = "mood-admin", params(CorrectionParams),
    responses((status = 200, body = Vec<CorrectionView>)))]
pub async fn list_corrections(
    State(state): State<AppState>,
    _admin: AdminUser,
    Query(params): Query<CorrectionParams>,
) -> ApiResult<Json<Vec<CorrectionView>>> {
    let status = params.status.as_deref().unwrap_or("pending");
    if !["pending", "approved", "rejected"].contains(&status) {
        return Err(unprocessable(
            "validation_failed",
            "status must be pending, approved or rejected",
        ));
    }
    let list = mood_data::corrections(&state.db, status, MAX_CORRECTIONS_LISTED).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Approves or rejects a pending correction. Only one whose author agreed to share the text can
/// be approved (it becomes a labelled example); any can be rejected.
#[utoipa::path(post, path = "/admin/mood/corrections/{id}/review", tag = "mood-admin",
    params(("id" = i64, Path, description = "correction id")), request_body = Review,
    responses((status = 204), (status = 404, description = "no such pending correction"),
              (status = 409, description = "`text_not_shared`: its author did not agree to share the text, so it cannot be approved (reject it); `text_gone`: its messages were deleted")))]
pub async fn review(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    Json(review): Json<Review>,
) -> ApiResult<StatusCode> {
    mood_data::review(&state.db, id, admin.user.id, review.approve)
        .await
        .map_err(not_found("pending correction"))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn version(state: &AppState, id: i64) -> ApiResult<ModelVersionView> {
    mood_model::get_version(&state.db, id)
        .await
        .map(Into::into)
        .map_err(not_found("model version"))
}

fn unprocessable(code: &'static str, message: &str) -> ApiError {
    ApiError::Unprocessable {
        code,
        message: message.to_owned(),
    }
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_models, train))
        .routes(routes!(get_model))
        .routes(routes!(activate))
        .routes(routes!(rollback))
        .routes(routes!(classify))
        .routes(routes!(list_corrections))
        .routes(routes!(review))
}

/// Labelled-data uploads: the one large body, under its own size limit.
pub fn upload_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_datasets, upload))
}

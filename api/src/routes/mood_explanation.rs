//! Why a reading came out as it did, for the person it is about: the words (and cues) of the
//! messages it was measured from that pushed each scale towards or away from its class, exactly as
//! the linear models add them up (`docs/sentiment.md`, "Explanations").

use axum::extract::State;
use sentiment::{
    Contribution, ContributionKind, Emotion, Explanation, Intensity, ScaleExplanation,
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Contributions listed per scale.
pub const TOP_CONTRIBUTIONS: usize = 8;

/// One word or cue and how much it pushed the class.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContributionView {
    /// The words as written ("so happy", "not … like") or the cue ("exclamation marks").
    pub feature: String,
    /// `words` or `cue`.
    pub kind: &'static str,
    /// Logit units: positive pushed towards the class, negative away from it.
    pub value: f64,
}

/// One scale's explanation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScaleExplanationView {
    /// The class the model gives now (a code such as `sad` or `muted`).
    pub class: &'static str,
    /// Its calibrated probability.
    pub probability: f64,
    /// Below [`sentiment::UNCERTAIN_BELOW`]: shown as uncertain.
    pub uncertain: bool,
    /// The class's logit (centred, calibrated); `baseline` plus every contribution gives it exactly.
    pub logit: f64,
    /// The part that does not depend on the words.
    pub baseline: f64,
    /// The largest contributions of words and of cues present in the messages, largest first.
    pub top: Vec<ContributionView>,
}

/// Why one of your readings came out as it did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplanationView {
    /// The reading.
    pub reading: i64,
    /// The model version that explains it (the active one; it may have changed since the reading).
    pub model: i64,
    /// Messages of yours the reading was measured from.
    pub message_count: usize,
    /// Emotion.
    pub emotion: ScaleExplanationView,
    /// Intensity.
    pub intensity: ScaleExplanationView,
}

fn contribution(c: &Contribution) -> ContributionView {
    ContributionView {
        feature: c.feature.clone(),
        kind: match c.kind {
            ContributionKind::Words => "words",
            ContributionKind::Cue => "cue",
        },
        value: c.value,
    }
}

fn scale(x: &ScaleExplanation, code: &'static str) -> ScaleExplanationView {
    ScaleExplanationView {
        class: code,
        probability: x.probability,
        uncertain: x.probability < sentiment::UNCERTAIN_BELOW,
        logit: x.logit,
        baseline: x.baseline,
        top: x
            .top(TOP_CONTRIBUTIONS)
            .into_iter()
            .map(contribution)
            .collect(),
    }
}

/// Explains one of your own readings: which of your words pushed each scale which way. Only the
/// person the reading is about can ask; anyone else gets 404.
#[utoipa::path(get, path = "/me/mood/readings/{id}/explanation", tag = "mood",
    params(("id" = i64, Path, description = "reading id")),
    responses((status = 200, body = ExplanationView), (status = 404, description = "not your reading")))]
pub async fn explain(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ExplanationView>> {
    let texts = models::mood::own_reading_texts(&state.db, current.user.id, id)
        .await?
        .ok_or(ApiError::NotFound("reading"))?;
    let active = state
        .mood
        .registry
        .active(&state.db)
        .await
        .map_err(ApiError::internal)?;
    let model = active.model.clone();
    let n = texts.len();
    let explanation = tokio::task::spawn_blocking(move || -> Explanation {
        model.explain_many(texts.iter().map(String::as_str))
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(Json(ExplanationView {
        reading: id,
        model: active.id,
        message_count: n,
        emotion: scale(
            &explanation.emotion,
            Emotion::ALL[explanation.emotion.class].code(),
        ),
        intensity: scale(
            &explanation.intensity,
            Intensity::ALL[explanation.intensity.class].code(),
        ),
    }))
}

/// This feature's routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(explain))
}

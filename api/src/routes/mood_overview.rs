//! A lecturer's mood overview of their students (`GET /mood/overview`): only students whose mood
//! the one visibility rule lets this lecturer see, with their current mood, a two-week daily trend
//! and "may be struggling" (Sad or Very Sad in several measured windows in a row).

use axum::extract::State;
use chrono::{NaiveDate, Utc};
use models::user::Role;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use crate::views::mood::MoodView;

/// One day of a student's trend.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendDayView {
    /// The day (UTC).
    pub day: NaiveDate,
    /// Mean expected emotion of the day's windows, −2 (Very Sad) .. +2 (Very Happy).
    pub score: f64,
    /// Windows measured that day.
    pub windows: usize,
}

/// One student in the overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentMoodView {
    /// The student.
    pub user: Uuid,
    /// Their name.
    pub display_name: String,
    /// Their current mood as you see it, if any.
    pub current: Option<MoodView>,
    /// Daily trend over the last two weeks (days without readings left out), oldest first.
    pub trend: Vec<TrendDayView>,
    /// Latest measured windows in a row that were Sad or Very Sad.
    pub sad_streak: usize,
    /// At least `struggling_windows` of them: never from one message or one window.
    pub may_be_struggling: bool,
}

/// The overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoodOverview {
    /// Sad windows in a row that make "may be struggling".
    pub struggling_windows: usize,
    /// Days the trend covers.
    pub trend_days: i64,
    /// Students who share their mood with you and have something measured, those who may be
    /// struggling first.
    pub students: Vec<StudentMoodView>,
}

/// Your students' moods, for lecturers: only those who share their mood with you.
#[utoipa::path(get, path = "/mood/overview", tag = "mood",
    responses((status = 200, body = MoodOverview), (status = 403, description = "not a lecturer")))]
pub async fn overview(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<MoodOverview>> {
    if current.user.role != Role::Lecturer {
        return Err(ApiError::Forbidden(
            "only lecturers have a mood overview of their students",
        ));
    }
    let students = models::mood::overview(&state.db, current.user.id, Utc::now()).await?;
    Ok(Json(MoodOverview {
        struggling_windows: models::mood::STRUGGLING_WINDOWS,
        trend_days: models::mood::TREND_DAYS,
        students: students
            .iter()
            .map(|s| StudentMoodView {
                user: s.user_id,
                display_name: s.display_name.clone(),
                current: s.current.as_ref().map(MoodView::from),
                trend: s
                    .trend
                    .iter()
                    .map(|t| TrendDayView {
                        day: t.day,
                        score: t.score,
                        windows: t.windows,
                    })
                    .collect(),
                sad_streak: s.sad_streak,
                may_be_struggling: s.may_be_struggling,
            })
            .collect(),
    }))
}

/// This feature's routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(overview))
}

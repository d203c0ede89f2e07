//! Recordings of consultation rooms: the lecturer starts and stops one while the room runs, and
//! the consultation's participants list and replay them. Files are served with range requests,
//! so a browser can seek in them.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse as _, Response};
use realtime::room::switch;
use serde::Deserialize;
use tower::ServiceExt as _;
use tower_http::services::ServeFile;
use utoipa::ToSchema;
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::room_forward;
use crate::routes::rooms::{Loaded, load};
use crate::state::AppState;
use crate::views::rooms::{RecordingFileView, RecordingList, RecordingView};

/// Start or stop recording.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordingSwitch {
    /// `true` to start, `false` to stop.
    pub active: bool,
}

fn directory(state: &AppState, consultation: Uuid, recording: Uuid) -> std::path::PathBuf {
    state
        .rooms
        .config()
        .recordings_dir
        .join(consultation.to_string())
        .join(recording.to_string())
}

/// Starts or stops recording the room (lecturer only, while the room is open and running).
#[utoipa::path(post, path = "/consultations/{id}/room/recording", tag = "rooms",
    params(("id" = Uuid, Path, description = "Consultation")), request_body = RecordingSwitch,
    responses((status = 200, body = RecordingList),
              (status = 403, description = "`not_a_participant` or `not_the_lecturer`"),
              (status = 409, description = "`room_not_open`, `room_closed`, `room_empty` (nobody is in it), `already_recording` or `not_recording`")))]
pub async fn switch(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<RecordingSwitch>,
) -> ApiResult<Response> {
    // The recorder runs where the room runs.
    let path = format!("/api/v1/consultations/{id}/room/recording");
    let body = serde_json::json!({ "active": input.active }).to_string();
    if let Some(answer) = room_forward::answer_at_room_node(
        &state,
        id,
        &headers,
        Method::POST,
        &path,
        Some(body.into_bytes()),
    )
    .await?
    {
        return Ok(answer);
    }
    let loaded = if input.active {
        switch::start_recording(&state.rooms, &caller.user, id).await?
    } else {
        switch::stop_recording(&state.rooms, &caller.user, id).await?
    };
    Ok(Json(list_of(&state, &loaded).await?).into_response())
}

/// The consultation's recordings, for its lecturer and students.
#[utoipa::path(get, path = "/consultations/{id}/recordings", tag = "rooms",
    params(("id" = Uuid, Path, description = "Consultation")),
    responses((status = 200, body = RecordingList),
              (status = 403, description = "`not_a_participant`"), (status = 404, description = "No such consultation")))]
pub async fn list(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<RecordingList>> {
    let loaded = load(&state, id, &caller).await?;
    Ok(Json(list_of(&state, &loaded).await?))
}

async fn list_of(state: &AppState, loaded: &Loaded) -> ApiResult<RecordingList> {
    let id = loaded.consultation.id;
    let recordings = models::recording::list(&state.db, id).await?;
    let mut views = Vec::with_capacity(recordings.len());
    for r in recordings {
        let dir = directory(state, id, r.id);
        let mut files = Vec::new();
        for f in r.files {
            // A track that never sent a frame leaves no file.
            let Ok(meta) = tokio::fs::metadata(dir.join(&f.file_name)).await else {
                continue;
            };
            files.push(RecordingFileView {
                url: format!(
                    "/api/v1/consultations/{id}/recordings/{}/{}",
                    r.id, f.file_name
                ),
                kind: if f.source == "microphone" {
                    "audio"
                } else {
                    "video"
                }
                .to_owned(),
                file_name: f.file_name,
                user_id: f.user_id,
                display_name: f.display_name,
                source: f.source,
                bytes: meta.len(),
            });
        }
        views.push(RecordingView {
            id: r.id,
            started_at: r.started_at,
            stopped_at: r.stopped_at,
            files,
        });
    }
    Ok(RecordingList {
        recording: views.iter().any(|r| r.stopped_at.is_none()),
        recordings: views,
    })
}

/// One recorded track's WebM file (range requests supported), for the consultation's lecturer
/// and students.
#[utoipa::path(get, path = "/consultations/{id}/recordings/{recording}/{file}", tag = "rooms",
    params(("id" = Uuid, Path, description = "Consultation"), ("recording" = Uuid, Path, description = "Recording"),
           ("file" = String, Path, description = "File name from the recording list")),
    responses((status = 200, description = "video/webm"), (status = 206, description = "a requested range"),
              (status = 403, description = "`not_a_participant`"), (status = 404, description = "No such recording or file")))]
pub async fn file(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path((id, recording, file)): Path<(Uuid, Uuid, String)>,
    request: Request,
) -> ApiResult<Response> {
    load(&state, id, &caller).await?;
    let listed = models::recording::list(&state.db, id)
        .await?
        .into_iter()
        .find(|r| r.id == recording)
        .ok_or(ApiError::NotFound("recording"))?
        .files
        .into_iter()
        .any(|f| f.file_name == file);
    // Only names the recorder wrote (checked by the schema: no path separators) are served.
    if !listed {
        return Err(ApiError::NotFound("recording file"));
    }
    let path = directory(&state, id, recording).join(&file);
    if tokio::fs::metadata(&path).await.is_err() {
        return Err(ApiError::NotFound("recording file"));
    }
    let response = ServeFile::new(path)
        .oneshot(request)
        .await
        .map_err(ApiError::internal)?;
    Ok(response.map(axum::body::Body::new).into_response())
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(switch))
        .routes(routes!(list))
        .routes(routes!(file))
}

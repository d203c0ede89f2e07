//! The signed-in user's own account: profile, password and device sessions.

use axum::extract::State;
use axum::http::StatusCode;
use models::password::{self, NewPassword};
use models::profile::{self, DisplayName};
use models::session;
use models::user::{self, ProfileChange};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, not_found};
use crate::extract::{Json, Path};
use crate::routes::auth::blocking;
use crate::state::AppState;
use crate::views::{AccountView, SessionView};

/// A profile change; omitted fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// New display name (1 to 80 characters).
    pub display_name: Option<DisplayName>,
    /// New IANA time zone.
    pub time_zone: Option<String>,
    /// New avatar colour, `#rrggbb`.
    pub avatar_color: Option<String>,
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use now.
    pub current_password: String,
    /// The new password, 10 to 256 characters.
    pub new_password: NewPassword,
}

/// The signed-in user's account.
#[utoipa::path(get, path = "/me", tag = "account",
    responses((status = 200, body = AccountView), (status = 401, description = "not logged in")))]
pub async fn me(current: CurrentUser) -> Json<AccountView> {
    Json(current.user.into())
}

/// Changes the signed-in user's profile.
#[utoipa::path(patch, path = "/me", tag = "account", request_body = ProfilePatch,
    responses((status = 200, body = AccountView), (status = 422, description = "invalid field")))]
pub async fn update_me(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(patch): Json<ProfilePatch>,
) -> ApiResult<Json<AccountView>> {
    let change = ProfileChange {
        display_name: patch.display_name.map(DisplayName::into_string),
        time_zone: patch
            .time_zone
            .as_deref()
            .map(profile::validate_time_zone)
            .transpose()?,
        avatar_color: patch
            .avatar_color
            .as_deref()
            .map(profile::validate_avatar_color)
            .transpose()?,
    };
    let updated = user::update_profile(&state.db, current.user.id, &change).await?;
    state.auth.user_changed(updated.id);
    Ok(Json(updated.into()))
}

/// The signed-in user's active device sessions.
#[utoipa::path(get, path = "/me/sessions", tag = "account",
    responses((status = 200, body = [SessionView])))]
pub async fn list_sessions(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<Vec<SessionView>>> {
    let sessions = session::list_active(&state.db, current.user.id).await?;
    Ok(Json(
        sessions
            .into_iter()
            .map(|s| SessionView::new(s, current.session.id))
            .collect(),
    ))
}

/// Logs out one of the user's devices; it stops working at once.
#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "account",
    params(("id" = Uuid, Path, description = "session id")),
    responses((status = 204, description = "revoked"), (status = 404, description = "no such active session of yours")))]
pub async fn revoke_session(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let hash = session::revoke(&state.db, current.user.id, id)
        .await
        .map_err(not_found("session"))?;
    state.auth.session_revoked(id, &hash);
    tracing::info!(user.id = %current.user.id, session.id = %id, "session revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password after checking the current one; every other device is signed out at
/// once (this one stays signed in). Attempts count toward the account's login limit.
#[utoipa::path(post, path = "/me/password", tag = "account", request_body = PasswordChange,
    responses((status = 204, description = "changed; every other session revoked"),
              (status = 403, description = "`wrong_password`: the current password is not right"),
              (status = 422, description = "the new password is too short or too long"),
              (status = 429, description = "too many attempts")))]
pub async fn change_password(
    State(state): State<AppState>,
    current: CurrentUser,
    Json(change): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    state.limits.check_account(&current.user.email, None)?;
    let (_, stored) = user::find_credentials(&state.db, &current.user.email)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let PasswordChange {
        current_password,
        new_password,
    } = change;
    let new_hash = blocking(move || {
        password::verify_password(&current_password, &stored)
            .then(|| password::hash_password(new_password.expose()))
            .transpose()
    })
    .await??
    .ok_or(ApiError::Denied {
        code: "wrong_password",
        message: "the current password is not right".into(),
    })?;
    let revoked =
        session::change_password(&state.db, current.user.id, current.session.id, &new_hash).await?;
    for (id, hash) in &revoked {
        state.auth.session_revoked(*id, hash);
    }
    tracing::info!(user.id = %current.user.id, sessions.revoked = revoked.len(), "password changed");
    Ok(StatusCode::NO_CONTENT)
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me, update_me))
        .routes(routes!(change_password))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
}
